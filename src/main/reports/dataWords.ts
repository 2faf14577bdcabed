/**
 * The human-readable text of the machine-readable exports (FHIR `text`/`display`-free text,
 * the CSV's header row) in each report language. Codes never change with the language: FHIR
 * codings keep their code system's own display, CSV cell values (record_type, plan_status,
 * review status) stay codes, and an English export's header is the column codes themselves.
 * PDF words are in pdf/words.ts.
 */
import type { ReportLanguage } from './pdf/words';

export interface FhirWords {
  confidence: string;
  uncertainFlag: string;
  probabilityOf: (className: string) => string;
  finding: string;
  checkImages: string;
  observationNote: (confidence: string, clinicianNote: string | null) => string;
  notReviewed: (finding: string, confidence: string, uncertain: boolean) => string;
  confirmed: (finding: string, confidence: string, by: string) => string;
  overridden: (finding: string, confidence: string, by: string, to: string) => string;
  conclusion: (items: string[]) => string;
  reportCode: string;
  deviceType: string;
  unknown: string;
  card: (m: { architecture: string; classes: string[]; data: string | null; metrics: string | null; gaps: string | null; intendedUse: string | null }) => string;
  /** A measurement Observation's code text, by kind. */
  measurement: Record<'probe' | 'length' | 'angle' | 'rectangle' | 'ellipse', string>;
  storedValue: string;
  mean: string;
  sd: string;
  min: string;
  max: string;
  pixelCount: string;
  area: string;
  /** The note on how a measurement was calibrated and where it was taken. */
  measurementNote: (m: { spacing: string | null; image: string; frame: number | null }) => string;
  spacingSource: Record<'PixelSpacing' | 'ImagerPixelSpacing', string>;
}

const fhirEn: FhirWords = {
  measurement: { probe: 'Pixel value (probe)', length: 'Length measurement', angle: 'Angle measurement', rectangle: 'Rectangle ROI statistics', ellipse: 'Ellipse ROI statistics' },
  storedValue: 'Stored pixel value (before rescale)',
  mean: 'Mean',
  sd: 'Standard deviation (population)',
  min: 'Minimum',
  max: 'Maximum',
  pixelCount: 'Pixels in the region',
  area: 'Area',
  measurementNote: (m) =>
    `Measured by a clinician in CareLens on image ${m.image}${m.frame !== null ? `, frame ${m.frame}` : ''}. ${m.spacing ? `Calibration: ${m.spacing}.` : 'Uncalibrated: the header has no pixel spacing, sizes are in pixels.'}`,
  spacingSource: { PixelSpacing: 'Pixel Spacing (0028,0030)', ImagerPixelSpacing: 'Imager Pixel Spacing (0018,1164)' },
  confidence: 'Model confidence (calibrated probability of the finding)',
  uncertainFlag: 'Model flagged the output as uncertain',
  probabilityOf: (c) => `Probability of ${c}`,
  finding: 'CareLens image classifier finding (decision support)',
  checkImages: 'Uncertain: check the images',
  observationNote: (conf, note) => `AI output is decision support. Confidence ${conf}.${note ? ` Clinician note: ${note}` : ''}`,
  notReviewed: (f, conf, uncertain) => `${f} (${conf}${uncertain ? ', uncertain' : ''}): not yet reviewed`,
  confirmed: (f, conf, by) => `${f} (${conf}): confirmed by ${by}`,
  overridden: (f, conf, by, to) => `${f} (${conf}): overridden by ${by} to ${to}`,
  conclusion: (items) => `${items.join('; ')}. AI output is decision support.`,
  reportCode: 'AI-assisted imaging classification report',
  deviceType: 'Machine-learning image classifier (software, decision support)',
  unknown: 'unknown',
  card: (m) =>
    [
      `Architecture: ${m.architecture}.`,
      m.classes.length > 0 ? `Classes: ${m.classes.join(', ')}.` : '',
      `Data: ${m.data || 'not recorded'}.`,
      `Held-out test metrics: ${m.metrics ?? 'none recorded'}.`,
      `Known subgroup gaps: ${m.gaps ?? 'none recorded'}.`,
      m.intendedUse ? `Intended use: ${m.intendedUse}.` : '',
    ]
      .filter(Boolean)
      .join(' '),
};

const fhirZh: FhirWords = {
  measurement: { probe: '像素值（探针）', length: '长度测量', angle: '角度测量', rectangle: '矩形感兴趣区统计', ellipse: '椭圆感兴趣区统计' },
  storedValue: '存储的像素值（重新缩放前）',
  mean: '均值',
  sd: '标准差（总体）',
  min: '最小值',
  max: '最大值',
  pixelCount: '区域内像素数',
  area: '面积',
  measurementNote: (m) =>
    `临床医生在 CareLens 中的测量，图像 ${m.image}${m.frame !== null ? `，第 ${m.frame} 帧` : ''}。${m.spacing ? `校准：${m.spacing}。` : '未校准：文件头中没有像素间距，尺寸以像素计。'}`,
  spacingSource: { PixelSpacing: '像素间距 (0028,0030)', ImagerPixelSpacing: '成像器像素间距 (0018,1164)' },
  confidence: '模型置信度（校准后的发现概率）',
  uncertainFlag: '模型将输出标记为不确定',
  probabilityOf: (c) => `${c} 的概率`,
  finding: 'CareLens 图像分类器发现（决策支持）',
  checkImages: '不确定：请核查图像',
  observationNote: (conf, note) => `决策支持工具，不能替代临床判断。置信度 ${conf}。${note ? `临床医生备注：${note}` : ''}`,
  notReviewed: (f, conf, uncertain) => `${f}（${conf}${uncertain ? '，不确定' : ''}）：尚未审核`,
  confirmed: (f, conf, by) => `${f}（${conf}）：已由 ${by} 确认`,
  overridden: (f, conf, by, to) => `${f}（${conf}）：已由 ${by} 更正为 ${to}`,
  conclusion: (items) => `${items.join('；')}。决策支持工具，不能替代临床判断。`,
  reportCode: 'AI 辅助影像分类报告',
  deviceType: '机器学习图像分类器（软件，决策支持）',
  unknown: '未知',
  card: (m) =>
    [
      `架构：${m.architecture}。`,
      m.classes.length > 0 ? `类别：${m.classes.join('、')}。` : '',
      `数据：${m.data || '未记录'}。`,
      `独立测试集指标：${m.metrics ?? '无记录'}。`,
      `已知的亚组差异：${m.gaps ?? '无记录'}。`,
      m.intendedUse ? `预期用途：${m.intendedUse}。` : '',
    ]
      .filter(Boolean)
      .join(''),
};

export const FHIR_WORDS: Record<ReportLanguage, FhirWords> = { en: fhirEn, 'zh-CN': fhirZh };

/** The CSV header in Chinese, column by column (an English export's header is the column codes). */
export const CSV_HEADERS_ZH: Record<string, string> = {
  record_type: '记录类型',
  patient_id: '患者编号',
  patient_name: '患者姓名',
  mrn: '病历号',
  birth_date: '出生日期',
  sex: '性别',
  study_uid: '检查 UID',
  study_date: '检查日期',
  study_description: '检查描述',
  series_uid: '序列 UID',
  modality: '模态',
  image_id: '图像编号',
  sop_instance_uid: 'SOP 实例 UID',
  instance_number: '实例号',
  labels: '标签',
  diagnosis: '诊断',
  confidence: '置信度',
  uncertain: '不确定',
  clinician_review: '临床医生审核',
  final_class: '最终类别',
  model_version: '模型版本',
  care_plan: '护理计划',
  plan_status: '计划状态',
  plan_reason: '计划理由',
  decided_by: '决定人',
  decided_at: '决定时间',
  measurement: '测量类型',
  measurement_frame: '帧',
  measurement_value: '测量值',
  measurement_unit: '单位',
  measurement_sd: '标准差',
  measurement_min: '最小值',
  measurement_max: '最大值',
  measurement_pixels: '像素数',
  measurement_area: '面积',
  measurement_area_unit: '面积单位',
  probe_stored_value: '存储的像素值',
  spacing_mm: '像素间距（毫米，行\\列）',
  spacing_source: '间距来源',
  measured_by: '测量人',
  measured_at: '测量时间',
  deidentified: '已去标识化',
};
