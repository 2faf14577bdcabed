/**
 * The words of the documents the main process writes (the PDF report, FHIR `display` text, the
 * CSV's headers) in each report language. The renderer has its own catalogues
 * (src/renderer/src/locales); a report is written in the language chosen at export (the
 * renderer offers the user's own by default; the CLI writes English), whatever language the
 * process runs in. Data (names, class names, DICOM values, free text) is never translated.
 * `words.test.ts` checks both languages have every entry.
 */
import type { Language } from '../../../shared/domain/trust';

export type ReportLanguage = Language;

export interface ReportWords {
  /** The BCP 47 tag written into the PDF (its /Lang) and FHIR bundles. */
  tag: string;
  /** The decision-support statement: on the first page and at the end. */
  disclaimer: string;
  /** Its short form, in every footer. */
  disclaimerShort: string;
  decisionSupport: string;
  clinicFallback: string;
  title: string;
  titleDeidentified: string;
  docTitle: (name: string) => string;
  docTitleDeidentified: (name: string) => string;
  docSubject: string;
  exportedLine: (at: string, by: string, version: string) => string;
  deidentifiedBadge: string;
  deidentifiedExplained: string;
  patient: string;
  pseudonym: string;
  name: string;
  mrn: string;
  /** In place of the MRN of a patient registered from DICOM without a Patient ID. */
  noId: string;
  birthDate: string;
  birthDateShifted: string;
  sex: string;
  sexWords: Record<'F' | 'M' | 'O' | 'U', string>;
  carelensId: string;
  notes: string;
  unknown: string;
  studiesHeading: string;
  noStudies: string;
  looseImages: (n: number) => string;
  findingsHeading: string;
  noFindings: string;
  modelCards: string;
  carePlans: string;
  noCarePlans: string;
  planStatus: Record<'accepted' | 'declined' | 'proposed' | 'completed' | 'cancelled', string>;
  decided: string;
  decidedAtBy: (at: string, by: string) => string;
  start: string;
  reason: string;
  freeTextRemoved: string;
  otherRecommendations: string;
  byWhom: (who: string) => string;
  notInReport: string;
  exportHeading: string;
  exportedBy: string;
  exportedAt: string;
  identity: string;
  identityDeidentified: string;
  identityIdentified: string;
  study: (date: string, description: string | null) => string;
  noDate: string;
  seriesCount: (n: number) => string;
  imageCount: (n: number) => string;
  accession: (value: string) => string;
  seriesLine: (number: string, description: string, images: number) => string;
  noDescription: string;
  keyImagesLeftOut: string;
  noThumbnails: string;
  imageNotDrawn: string;
  windowText: (center: number, width: number) => string;
  windowFull: string;
  notReviewed: string;
  confirmedBy: (who: string) => string;
  overriddenBy: (who: string, clinician: string, model: string) => string;
  reviewNote: (note: string) => string;
  findingLine: (finding: string, confidence: string) => string;
  uncertain: string;
  probabilities: (list: string) => string;
  modelRun: (model: string, at: string, by: string) => string;
  clinician: string;
  heatmapCaption: string;
  heatmapMissing: string;
  version: string;
  versionCreated: (id: string, at: string, by: string) => string;
  classes: string;
  data: string;
  notRecorded: string;
  testMetrics: string;
  metrics: string;
  noneRecorded: string;
  subgroupGaps: string;
  noGapsRecorded: string;
  intendedUse: string;
  footerWho: (name: string, mrn: string) => string;
  footerWhoDeidentified: (name: string) => string;
  footerExported: (who: string, at: string, by: string) => string;
  page: (n: number, of: number) => string;
  measurementsHeading: string;
  noMeasurements: string;
  /** The measurement table's column headings: kind, value, calibration, image, measured. */
  measurementColumns: [string, string, string, string, string];
  measurementKind: Record<'probe' | 'length' | 'angle' | 'rectangle' | 'ellipse', string>;
  spacingSource: Record<'PixelSpacing' | 'ImagerPixelSpacing', string>;
  /** "Pixel Spacing 0.5 × 0.25 mm (rows × columns)". */
  spacing: (source: string, row: string, column: string) => string;
  uncalibrated: string;
  probeValue: (value: string, unit: string, raw: string) => string;
  roiValue: (mean: string, sd: string, min: string, max: string, unit: string) => string;
  area: (area: string, unit: 'mm²' | 'px²', pixels: number) => string;
  frameOf: (n: number) => string;
  /** Joins list items ("a, b" / "a、b"). */
  listSep: string;
  /** A label before its value ("Sex: " / "性别："). */
  labelled: (label: string) => string;
  /** An instant, in UTC (reports are read elsewhere and later). */
  dateTime: (iso: string) => string;
}

function utcParts(iso: string): { date: string; time: string } {
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

const en: ReportWords = {
  tag: 'en',
  disclaimer:
    'AI output is decision support, not a diagnosis. Every model finding in this report is a suggestion for a qualified clinician to check against the images and the patient.',
  disclaimerShort: 'AI output is decision support, not a diagnosis.',
  decisionSupport: 'Decision support. ',
  clinicFallback: 'CareLens clinic',
  title: 'Patient imaging report',
  titleDeidentified: 'Patient imaging report — De-identified',
  docTitle: (name) => `Patient report ${name}`,
  docTitleDeidentified: (name) => `De-identified patient report ${name}`,
  docSubject: 'CareLens patient report (AI output is decision support)',
  exportedLine: (at, by, version) => `Exported ${at} by ${by} · CareLens ${version}`,
  deidentifiedBadge: 'De-identified',
  deidentifiedExplained:
    ': names and identifiers are replaced by a pseudonym, dates are shifted by a fixed number of days for this patient, free text and key images are left out.',
  patient: 'Patient',
  pseudonym: 'Pseudonym',
  name: 'Name',
  mrn: 'MRN',
  noId: 'none (DICOM without a Patient ID: check the identity)',
  birthDate: 'Birth date',
  birthDateShifted: 'Birth date (shifted)',
  sex: 'Sex',
  sexWords: { F: 'Female', M: 'Male', O: 'Other', U: 'Unknown' },
  carelensId: 'CareLens id',
  notes: 'Notes',
  unknown: 'unknown',
  studiesHeading: 'Studies and key images',
  noStudies: 'No studies or images on record for this patient.',
  looseImages: (n) => `Images outside a study (${n})`,
  findingsHeading: 'AI findings and clinician review',
  noFindings: 'No model findings for this patient.',
  modelCards: 'Model cards',
  carePlans: 'Care plans',
  noCarePlans: 'No care plans recorded for this patient.',
  planStatus: { proposed: 'proposed', accepted: 'accepted', declined: 'declined', completed: 'completed', cancelled: 'cancelled' },
  decided: 'Decided',
  decidedAtBy: (at, by) => `${at} by ${by}`,
  start: 'Start',
  reason: 'Reason',
  freeTextRemoved: '(free text removed)',
  otherRecommendations: 'Other recommendations (not accepted)',
  byWhom: (who) => ` by ${who}`,
  notInReport: 'Not in this report',
  exportHeading: 'Export',
  exportedBy: 'Exported by',
  exportedAt: 'Exported at',
  identity: 'Identity',
  identityDeidentified: 'De-identified (pseudonym, shifted dates, no free text)',
  identityIdentified: "Identified (contains the patient's name and record number)",
  study: (date, description) => `Study ${date}${description ? ` — ${description}` : ''}`,
  noDate: '(no date)',
  seriesCount: (n) => `${n} series`,
  imageCount: (n) => `${n} image${n === 1 ? '' : 's'}`,
  accession: (v) => `accession ${v}`,
  seriesLine: (number, description, images) => `Series${number ? ` ${number}` : ''}: ${description} (${images} image${images === 1 ? '' : 's'})`,
  noDescription: 'no description',
  keyImagesLeftOut: 'Key images are left out of de-identified reports: pixels may carry burned-in identifiers.',
  noThumbnails: 'No key-image thumbnails are available for this study yet.',
  imageNotDrawn: 'image could not be drawn',
  windowText: (c, w) => `window C ${c} / W ${w}`,
  windowFull: 'window: full range',
  notReviewed: 'Not yet reviewed by a clinician.',
  confirmedBy: (who) => `Confirmed by ${who}.`,
  overriddenBy: (who, clinician, model) => `Overridden by ${who}: clinician's finding "${clinician}" instead of the model's "${model}".`,
  reviewNote: (note) => ` Note: ${note}`,
  findingLine: (finding, confidence) => `${finding} — confidence ${confidence}`,
  uncertain: 'UNCERTAIN: the model flagged this output as unreliable; read the images before relying on it.',
  probabilities: (list) => `Class probabilities: ${list}`,
  modelRun: (model, at, by) => `Model version: ${model} · run ${at} by ${by}`,
  clinician: 'Clinician: ',
  heatmapCaption: 'Heatmap: where the model looked',
  heatmapMissing: 'Heatmap recorded but could not be loaded.',
  version: 'Version',
  versionCreated: (id, at, by) => `${id}, created ${at} by ${by}`,
  classes: 'Classes',
  data: 'Data',
  notRecorded: 'not recorded',
  testMetrics: 'Held-out test metrics',
  metrics: 'Metrics',
  noneRecorded: 'none recorded',
  subgroupGaps: 'Known subgroup gaps',
  noGapsRecorded: 'none recorded (that is not evidence there are none)',
  intendedUse: 'Intended use',
  footerWho: (name, mrn) => `${name} · MRN ${mrn}`,
  footerWhoDeidentified: (name) => `De-identified · ${name}`,
  footerExported: (who, at, by) => `${who} · exported ${at} by ${by}`,
  page: (n, of) => `Page ${n} of ${of}`,
  measurementsHeading: 'Measurements',
  noMeasurements: "No measurements on this patient's images.",
  measurementColumns: ['Measurement', 'Value', 'Calibration', 'Image', 'Measured'],
  measurementKind: { probe: 'Probe', length: 'Length', angle: 'Angle', rectangle: 'Rectangle ROI', ellipse: 'Ellipse ROI' },
  spacingSource: { PixelSpacing: 'Pixel Spacing', ImagerPixelSpacing: 'Imager Pixel Spacing' },
  spacing: (source, row, column) => `${source} ${row} × ${column} mm (rows × columns)`,
  uncalibrated: 'uncalibrated (no pixel spacing in the header): sizes in pixels',
  probeValue: (value, unit, raw) => `${value}${unit ? ` ${unit}` : ''} (stored value ${raw})`,
  roiValue: (mean, sd, min, max, unit) => `mean ${mean}${unit ? ` ${unit}` : ''}, SD ${sd}, min ${min}, max ${max}`,
  area: (area, unit, pixels) => `area ${area} ${unit} (${pixels} pixels)`,
  frameOf: (n) => `frame ${n}`,
  listSep: ', ',
  labelled: (label) => `${label}: `,
  dateTime: (iso) => (iso.length > 10 ? `${utcParts(iso).date} ${utcParts(iso).time} UTC` : iso),
};

const zhCN: ReportWords = {
  tag: 'zh-CN',
  disclaimer: '决策支持工具，不能替代临床判断。AI 输出仅供决策支持，不是诊断；本报告中的每项模型发现都只是建议，须由合格的临床医生对照图像和患者情况核查。',
  disclaimerShort: '决策支持工具，不能替代临床判断。',
  decisionSupport: '请注意：',
  clinicFallback: 'CareLens 诊所',
  title: '患者影像报告',
  titleDeidentified: '患者影像报告 — 已去标识化',
  docTitle: (name) => `患者报告 ${name}`,
  docTitleDeidentified: (name) => `已去标识化的患者报告 ${name}`,
  docSubject: 'CareLens 患者报告（AI 输出仅供决策支持）',
  exportedLine: (at, by, version) => `由 ${by} 于 ${at} 导出 · CareLens ${version}`,
  deidentifiedBadge: '已去标识化',
  deidentifiedExplained: '：姓名和标识符已替换为假名，日期已按该患者的固定天数偏移，自由文本和关键图像已省略。',
  patient: '患者',
  pseudonym: '假名',
  name: '姓名',
  mrn: '病历号',
  noId: '无（DICOM 无患者 ID：请核对身份）',
  birthDate: '出生日期',
  birthDateShifted: '出生日期（已偏移）',
  sex: '性别',
  sexWords: { F: '女', M: '男', O: '其他', U: '未知' },
  carelensId: 'CareLens 编号',
  notes: '备注',
  unknown: '未知',
  studiesHeading: '检查与关键图像',
  noStudies: '该患者没有检查或图像记录。',
  looseImages: (n) => `不属于任何检查的图像（${n}）`,
  findingsHeading: 'AI 发现与临床医生审核',
  noFindings: '该患者没有模型发现。',
  modelCards: '模型卡',
  carePlans: '护理计划',
  noCarePlans: '该患者没有护理计划记录。',
  planStatus: { proposed: '已推荐', accepted: '已接受', declined: '已拒绝', completed: '已完成', cancelled: '已取消' },
  decided: '决定',
  decidedAtBy: (at, by) => `${by} 于 ${at}`,
  start: '开始',
  reason: '理由',
  freeTextRemoved: '（自由文本已删除）',
  otherRecommendations: '其他推荐（未接受）',
  byWhom: (who) => `（${who}）`,
  notInReport: '本报告未包含',
  exportHeading: '导出',
  exportedBy: '导出人',
  exportedAt: '导出时间',
  identity: '身份信息',
  identityDeidentified: '已去标识化（假名、日期已偏移、无自由文本）',
  identityIdentified: '含身份信息（包含患者姓名和病历号）',
  study: (date, description) => `检查 ${date}${description ? ` — ${description}` : ''}`,
  noDate: '（无日期）',
  seriesCount: (n) => `${n} 个序列`,
  imageCount: (n) => `${n} 张图像`,
  accession: (v) => `检查号 ${v}`,
  seriesLine: (number, description, images) => `序列${number ? ` ${number}` : ''}：${description}（${images} 张图像）`,
  noDescription: '无描述',
  keyImagesLeftOut: '去标识化报告不包含关键图像：像素中可能嵌有身份信息。',
  noThumbnails: '该检查暂无关键图像缩略图。',
  imageNotDrawn: '图像无法绘制',
  windowText: (c, w) => `窗位 ${c} / 窗宽 ${w}`,
  windowFull: '窗口：全范围',
  notReviewed: '尚未经临床医生审核。',
  confirmedBy: (who) => `已由 ${who} 确认。`,
  overriddenBy: (who, clinician, model) => `已由 ${who} 更正：临床医生的发现为“${clinician}”，而非模型的“${model}”。`,
  reviewNote: (note) => ` 备注：${note}`,
  findingLine: (finding, confidence) => `${finding} — 置信度 ${confidence}`,
  uncertain: '不确定：模型将此输出标记为不可靠；请先阅片再作依据。',
  probabilities: (list) => `各类别概率：${list}`,
  modelRun: (model, at, by) => `模型版本：${model} · 由 ${by} 于 ${at} 运行`,
  clinician: '临床医生：',
  heatmapCaption: '热力图：模型关注的区域',
  heatmapMissing: '已记录热力图，但无法加载。',
  version: '版本',
  versionCreated: (id, at, by) => `${id}，由 ${by} 于 ${at} 创建`,
  classes: '类别',
  data: '数据',
  notRecorded: '未记录',
  testMetrics: '独立测试集指标',
  metrics: '指标',
  noneRecorded: '无记录',
  subgroupGaps: '已知的亚组差异',
  noGapsRecorded: '无记录（这并不证明不存在差异）',
  intendedUse: '预期用途',
  footerWho: (name, mrn) => `${name} · 病历号 ${mrn}`,
  footerWhoDeidentified: (name) => `已去标识化 · ${name}`,
  footerExported: (who, at, by) => `${who} · 由 ${by} 于 ${at} 导出`,
  page: (n, of) => `第 ${n} 页，共 ${of} 页`,
  measurementsHeading: '测量',
  noMeasurements: '该患者的图像上没有测量。',
  measurementColumns: ['测量', '数值', '校准', '图像', '测量人'],
  measurementKind: { probe: '探针', length: '长度', angle: '角度', rectangle: '矩形感兴趣区', ellipse: '椭圆感兴趣区' },
  spacingSource: { PixelSpacing: '像素间距', ImagerPixelSpacing: '成像器像素间距' },
  spacing: (source, row, column) => `${source} ${row} × ${column} 毫米（行 × 列）`,
  uncalibrated: '未校准（文件头中没有像素间距）：尺寸以像素计',
  probeValue: (value, unit, raw) => `${value}${unit ? ` ${unit}` : ''}（存储值 ${raw}）`,
  roiValue: (mean, sd, min, max, unit) => `均值 ${mean}${unit ? ` ${unit}` : ''}，标准差 ${sd}，最小 ${min}，最大 ${max}`,
  area: (area, unit, pixels) => `面积 ${area} ${unit}（${pixels} 个像素）`,
  frameOf: (n) => `第 ${n} 帧`,
  listSep: '、',
  labelled: (label) => `${label}：`,
  dateTime: (iso) => {
    if (iso.length <= 10) return iso;
    const { date, time } = utcParts(iso);
    const [y, m, d] = date.split('-').map(Number);
    return `${y}年${m}月${d}日 ${time}（UTC）`;
  },
};

export const REPORT_WORDS: Record<ReportLanguage, ReportWords> = { en, 'zh-CN': zhCN };

/** The words of a report language; English when none is given (the CLI). */
export function reportWords(language: ReportLanguage | undefined): ReportWords {
  return REPORT_WORDS[language ?? 'en'] ?? en;
}
