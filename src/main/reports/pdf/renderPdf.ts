import { hasNoId } from '../../../shared/domain/patient';
import PDFDocument from 'pdfkit';
import type { ReportCase, ReportDiagnosis, ReportImage, ReportMeasurement, ReportModelVersion, ReportStudy } from '../../../shared/domain/reports';
import type { ReportThumbnail } from '../providers';
import type { ReportFonts } from './fonts';
import { reportWords, REPORT_WORDS, type ReportLanguage, type ReportWords } from './words';

/** The statement every report carries, on its first page and in every footer (English; see words.ts for each language). */
export const AI_DISCLAIMER = REPORT_WORDS.en.disclaimer;

export interface ReportMeta {
  clinicName: string;
  /** PNG or JPEG bytes. */
  clinicLogo: Uint8Array | null;
  exportedBy: string;
  exportedAt: string;
  appVersion: string;
  /** The report's language (headings, labels, the decision-support statement); English when absent. */
  language?: ReportLanguage;
}

/** Images fetched before rendering, keyed by the (possibly pseudonymised) ids in the case. */
export interface ReportMedia {
  thumbnails: Map<string, ReportThumbnail>;
  heatmaps: Map<string, Uint8Array>;
}

const MARGIN = 48;
const INK = '#1a2230';
const MUTED = '#5b6472';
const ACCENT = '#1f5fa8';
const WARN = '#a3320b';
const KEY_IMAGES_PER_STUDY = 4;

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function dateTime(w: ReportWords, iso: string | null): string {
  if (!iso) return '—';
  return w.dateTime(iso);
}

function sexWord(w: ReportWords, s: string): string {
  return w.sexWords[(['F', 'M', 'O'].includes(s) ? s : 'U') as 'F' | 'M' | 'O' | 'U'];
}

function windowText(w: ReportWords, t: { windowCenter: number | null; windowWidth: number | null }): string {
  return t.windowCenter !== null && t.windowWidth !== null ? w.windowText(Math.round(t.windowCenter), Math.round(t.windowWidth)) : w.windowFull;
}

/**
 * Renders one patient's case as a PDF (A4): header with the clinic, patient, studies with
 * key images, AI findings with confidence, uncertainty, heatmap and the clinician's review,
 * measurements, model cards, care plans, and the decision-support statement. Fonts are embedded (subset).
 */
export function renderPdf(c: ReportCase, meta: ReportMeta, media: ReportMedia, fonts: ReportFonts): Promise<Buffer> {
  const w = reportWords(meta.language);
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      lang: w.tag,
      size: 'A4',
      margins: { top: MARGIN, bottom: MARGIN + 20, left: MARGIN, right: MARGIN },
      bufferPages: true,
      // No default font: pdfkit would otherwise load Helvetica, which cannot show CJK names.
      font: fonts.regular as unknown as string,
      info: {
        Title: c.deidentified ? w.docTitleDeidentified(c.patient.name) : w.docTitle(c.patient.name),
        Author: meta.clinicName || 'CareLens',
        Creator: `CareLens ${meta.appVersion}`,
        Subject: w.docSubject,
      },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      // pdfkit takes a parsed fontkit font as a source (its types only say string/Buffer).
      doc.registerFont('body', fonts.regular as unknown as Buffer);
      doc.registerFont('bold', fonts.bold as unknown as Buffer);
      draw(doc, w, c, meta, media);
      footers(doc, w, c, meta);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

type Doc = PDFKit.PDFDocument;

function contentWidth(doc: Doc): number {
  return doc.page.width - MARGIN * 2;
}

function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  // Room for the heading and the first lines under it: a heading never ends a page alone.
  ensureSpace(doc, 110);
  doc.moveDown(0.8);
  doc.font('bold').fontSize(13).fillColor(ACCENT).text(text, MARGIN, doc.y);
  const y = doc.y + 2;
  doc.moveTo(MARGIN, y).lineTo(MARGIN + contentWidth(doc), y).lineWidth(0.7).strokeColor(ACCENT).stroke();
  doc.moveDown(0.5);
  doc.font('body').fontSize(10).fillColor(INK);
}

function field(doc: Doc, w: ReportWords, label: string, value: string): void {
  doc.font('bold').fontSize(10).fillColor(MUTED).text(w.labelled(label), { continued: true });
  doc.font('body').fillColor(INK).text(value);
}

function tryImage(doc: Doc, data: Uint8Array, x: number, y: number, opts: PDFKit.Mixins.ImageOption): boolean {
  try {
    doc.image(Buffer.from(data), x, y, opts);
    return true;
  } catch {
    // A broken picture must not lose the whole report: it is left out and said so by the caller.
    return false;
  }
}

function draw(doc: Doc, w: ReportWords, c: ReportCase, meta: ReportMeta, media: ReportMedia): void {
  const width = contentWidth(doc);
  // Header: logo, clinic, title, export line.
  const top = doc.y;
  let textX = MARGIN;
  if (meta.clinicLogo && tryImage(doc, meta.clinicLogo, MARGIN, top, { fit: [90, 48] })) textX = MARGIN + 100;
  doc.font('bold').fontSize(16).fillColor(INK).text(meta.clinicName || w.clinicFallback, textX, top, { width: width - (textX - MARGIN) });
  doc.font('body').fontSize(11).fillColor(MUTED).text(c.deidentified ? w.titleDeidentified : w.title, textX, doc.y, { width: width - (textX - MARGIN) });
  doc.fontSize(9).text(w.exportedLine(dateTime(w, meta.exportedAt), meta.exportedBy, meta.appVersion), textX, doc.y, { width: width - (textX - MARGIN) });
  doc.y = Math.max(doc.y, top + 52);
  doc.x = MARGIN;

  if (c.deidentified) {
    doc.moveDown(0.4);
    const y = doc.y;
    doc.rect(MARGIN, y, width, 34).fillColor('#fff4e5').fill();
    doc.font('bold').fontSize(10).fillColor(WARN).text(w.deidentifiedBadge, MARGIN + 8, y + 5, { width: width - 16, continued: true });
    doc.font('body').fillColor(INK).text(w.deidentifiedExplained, { width: width - 16 });
    doc.y = Math.max(doc.y, y + 34) + 4;
  }

  // Disclaimer, prominently at the top.
  doc.moveDown(0.4);
  const dy = doc.y;
  const disclaimerHeight = doc.font('body').fontSize(10).heightOfString(w.disclaimer, { width: width - 16 }) + 12;
  doc.rect(MARGIN, dy, width, disclaimerHeight).fillColor('#eef3fb').fill();
  doc.fillColor(ACCENT).font('bold').text(w.decisionSupport, MARGIN + 8, dy + 6, { width: width - 16, continued: true });
  doc.font('body').fillColor(INK).text(w.disclaimer);
  doc.y = dy + disclaimerHeight + 4;
  doc.x = MARGIN;

  heading(doc, w.patient);
  field(doc, w, c.deidentified ? w.pseudonym : w.name, c.patient.name);
  if (!c.deidentified) field(doc, w, w.mrn, hasNoId(c.patient) ? w.noId : c.patient.mrn);
  field(doc, w, c.deidentified ? w.birthDateShifted : w.birthDate, c.patient.birthDate ?? w.unknown);
  field(doc, w, w.sex, sexWord(w, c.patient.sex));
  if (!c.deidentified) field(doc, w, w.carelensId, c.patient.id);
  if (c.patient.notes) field(doc, w, w.notes, c.patient.notes);

  heading(doc, w.studiesHeading);
  if (c.studies.length === 0 && c.looseImages.length === 0) doc.fillColor(MUTED).text(w.noStudies).fillColor(INK);
  for (const study of c.studies) drawStudy(doc, w, c, study, media);
  if (c.looseImages.length > 0) {
    ensureSpace(doc, 40);
    doc.font('bold').fontSize(11).text(w.looseImages(c.looseImages.length));
    doc.font('body').fontSize(10);
    drawKeyImages(doc, w, c, c.looseImages, media);
  }

  heading(doc, w.findingsHeading);
  if (c.diagnoses.length === 0) doc.fillColor(MUTED).text(w.noFindings).fillColor(INK);
  const models = new Map(c.modelVersions.map((m) => [m.id, m]));
  for (const d of c.diagnoses) drawDiagnosis(doc, w, c, d, models.get(d.modelVersionId ?? ''), media);

  heading(doc, w.measurementsHeading);
  if (c.measurements.length === 0) doc.fillColor(MUTED).text(w.noMeasurements).fillColor(INK);
  else drawMeasurements(doc, w, c);

  if (c.modelVersions.length > 0) {
    heading(doc, w.modelCards);
    for (const m of c.modelVersions) drawModelCard(doc, w, m);
  }

  heading(doc, w.carePlans);
  const accepted = c.carePlans.filter((p) => p.status === 'accepted' || p.status === 'completed');
  const others = c.carePlans.filter((p) => !accepted.includes(p));
  if (c.carePlans.length === 0) doc.fillColor(MUTED).text(w.noCarePlans).fillColor(INK);
  for (const plan of accepted) {
    ensureSpace(doc, 50);
    doc.font('bold').fontSize(10.5).fillColor(INK).text(`${plan.planName} — ${w.planStatus[plan.status] ?? plan.status}`);
    doc.font('body').fontSize(10);
    field(doc, w, w.decided, w.decidedAtBy(dateTime(w, plan.decidedAt), plan.decidedBy ?? w.unknown));
    if (plan.startDate) field(doc, w, w.start, plan.startDate);
    field(doc, w, w.reason, plan.reason || (c.deidentified ? w.freeTextRemoved : '—'));
    for (const step of plan.steps) doc.text(`•  ${step}`, MARGIN + 10);
    doc.x = MARGIN;
    doc.moveDown(0.4);
  }
  if (others.length > 0) {
    doc.font('bold').fontSize(10).fillColor(MUTED).text(w.otherRecommendations);
    doc.font('body').fillColor(INK);
    for (const plan of others) doc.text(`•  ${plan.planName} — ${w.planStatus[plan.status] ?? plan.status}${plan.decidedBy ? w.byWhom(plan.decidedBy) : ''}${plan.reason ? w.labelled('') + plan.reason : ''}`);
  }

  if (c.notes.length > 0) {
    heading(doc, w.notInReport);
    doc.fillColor(MUTED);
    for (const n of c.notes) doc.text(`•  ${n}`);
    doc.fillColor(INK);
  }

  heading(doc, w.exportHeading);
  field(doc, w, w.exportedBy, meta.exportedBy);
  field(doc, w, w.exportedAt, dateTime(w, meta.exportedAt));
  field(doc, w, w.identity, c.deidentified ? w.identityDeidentified : w.identityIdentified);
  doc.moveDown(0.5);
  doc.font('bold').fillColor(ACCENT).text(w.disclaimer);
  doc.font('body').fillColor(INK);
}

function drawStudy(doc: Doc, w: ReportWords, c: ReportCase, study: ReportStudy, media: ReportMedia): void {
  ensureSpace(doc, 60);
  const images = study.series.flatMap((s) => s.images);
  doc.font('bold').fontSize(11).fillColor(INK).text(w.study(study.studyDate ?? w.noDate, study.description));
  doc.font('body').fontSize(9).fillColor(MUTED);
  const parts = [w.seriesCount(study.series.length), w.imageCount(images.length)];
  if (study.accession) parts.push(w.accession(study.accession));
  if (study.studyUid) parts.push(`UID ${study.studyUid}`);
  doc.text(parts.join(' · '));
  for (const s of study.series) {
    const description = [s.modality, s.bodyPart, s.description].filter(Boolean).join(' · ') || w.noDescription;
    doc.text(w.seriesLine(s.seriesNumber !== null ? String(s.seriesNumber) : '', description, s.images.length), MARGIN + 10);
  }
  doc.x = MARGIN;
  doc.fillColor(INK).fontSize(10);
  drawKeyImages(doc, w, c, images, media);
  doc.moveDown(0.6);
}

/** Key images: the ones with a finding first, then the first of the study, at most four, each with its window. */
function drawKeyImages(doc: Doc, w: ReportWords, c: ReportCase, images: ReportImage[], media: ReportMedia): void {
  if (images.length === 0) return;
  if (c.deidentified) {
    doc.fontSize(9).fillColor(MUTED).text(w.keyImagesLeftOut).fillColor(INK).fontSize(10);
    return;
  }
  const withFinding = new Set(c.diagnoses.map((d) => d.imageId));
  const ordered = [...images.filter((i) => withFinding.has(i.id)), ...images.filter((i) => !withFinding.has(i.id))];
  const key = ordered.slice(0, KEY_IMAGES_PER_STUDY);
  const shown = key.filter((i) => media.thumbnails.has(i.id));
  if (shown.length === 0) {
    doc.fontSize(9).fillColor(MUTED).text(w.noThumbnails).fillColor(INK).fontSize(10);
    return;
  }
  const cell = (contentWidth(doc) - 3 * 8) / 4;
  ensureSpace(doc, cell + 44);
  const y = doc.y + 4;
  shown.forEach((image, i) => {
    const x = MARGIN + i * (cell + 8);
    const thumb = media.thumbnails.get(image.id)!;
    doc.rect(x, y, cell, cell).fillColor('#000000').fill();
    if (!tryImage(doc, thumb.data, x, y, { fit: [cell, cell], align: 'center', valign: 'center' })) {
      doc.fillColor('#ffffff').fontSize(8).text(w.imageNotDrawn, x + 4, y + cell / 2, { width: cell - 8, align: 'center' });
    }
    doc.fillColor(MUTED).fontSize(7.5).text(`${image.modality || image.format.toUpperCase()} #${image.instanceNumber ?? '—'} · ${windowText(w, thumb)}`, x, y + cell + 3, { width: cell });
    const labels = image.labels.map((l) => `${l.labelSet}: ${l.className}`).join('; ');
    if (labels) doc.fillColor(INK).text(labels, x, doc.y, { width: cell });
  });
  doc.x = MARGIN;
  doc.y = y + cell + 40;
  doc.fillColor(INK).fontSize(10);
}

function reviewText(w: ReportWords, d: ReportDiagnosis): string {
  const r = d.review;
  if (!r || r.status === 'pending') return w.notReviewed;
  const who = `${r.by ?? w.unknown}${r.at ? `${w.listSep}${dateTime(w, r.at)}` : ''}`;
  const note = r.note ? w.reviewNote(r.note) : '';
  if (r.status === 'confirmed') return `${w.confirmedBy(who)}${note}`;
  return `${w.overriddenBy(who, r.finalClass ?? '—', d.finding)}${note}`;
}

function drawDiagnosis(doc: Doc, w: ReportWords, c: ReportCase, d: ReportDiagnosis, model: ReportModelVersion | undefined, media: ReportMedia): void {
  const heat = c.deidentified ? undefined : media.heatmaps.get(d.id);
  ensureSpace(doc, heat ? 150 : 80);
  const top = doc.y;
  const textWidth = contentWidth(doc) - (heat ? 140 : 0);
  doc.font('bold').fontSize(11).fillColor(INK).text(w.findingLine(d.finding, pct(d.confidence)), MARGIN, top, { width: textWidth });
  if (d.uncertain) doc.font('bold').fontSize(9.5).fillColor(WARN).text(w.uncertain, { width: textWidth });
  doc.font('body').fontSize(9.5).fillColor(INK);
  if (d.probabilities.length > 0) doc.text(w.probabilities(d.probabilities.map((p) => `${p.className} ${pct(p.probability)}`).join(w.listSep)), { width: textWidth });
  doc.text(w.modelRun(model ? `${model.name} (${model.id})` : (d.modelVersionId ?? w.unknown), dateTime(w, d.createdAt), d.createdBy), { width: textWidth });
  doc.font('bold').text(w.clinician, { continued: true, width: textWidth }).font('body').text(reviewText(w, d), { width: textWidth });
  if (heat) {
    const x = MARGIN + contentWidth(doc) - 130;
    if (tryImage(doc, heat, x, top, { fit: [130, 130] })) {
      doc.fontSize(7.5).fillColor(MUTED).text(w.heatmapCaption, x, top + 132, { width: 130 });
      doc.y = Math.max(doc.y, top + 150);
    }
  } else if (!c.deidentified && d.hasHeatmap) {
    doc.fontSize(8.5).fillColor(MUTED).text(w.heatmapMissing);
  }
  doc.x = MARGIN;
  doc.fillColor(INK).fontSize(10);
  doc.moveDown(0.7);
}

/** A number as the PDF shows it: fixed decimals, no locale grouping (reports are read elsewhere). */
function fixed(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined ? '—' : v.toFixed(digits);
}

function measurementValueText(w: ReportWords, m: ReportMeasurement): string {
  if (m.kind === 'length') return m.valueMm !== null ? `${fixed(m.valueMm, 2)} mm` : `${fixed(m.valuePx, 1)} px`;
  if (m.kind === 'angle') return `${fixed(m.angleDeg, 1)}°`;
  if (m.kind === 'probe') return w.probeValue(fixed(m.probe?.value, Number.isInteger(m.probe?.value) ? 0 : 2), m.unit, fixed(m.probe?.raw, Number.isInteger(m.probe?.raw) ? 0 : 2));
  const s = m.stats;
  if (!s) return '—';
  const area = s.areaMm2 !== null ? w.area(fixed(s.areaMm2, 1), 'mm²', s.count) : w.area(fixed(s.areaPx, 1), 'px²', s.count);
  return `${w.roiValue(fixed(s.mean, 1), fixed(s.sd, 1), fixed(s.min, 1), fixed(s.max, 1), m.unit)}; ${area}`;
}

/** The measurements as a table: kind, value with unit, the spacing used (or uncalibrated), the image and frame, who and when. */
function drawMeasurements(doc: Doc, w: ReportWords, c: ReportCase): void {
  const images = new Map<string, ReportImage>([...c.studies.flatMap((st) => st.series.flatMap((se) => se.images)), ...c.looseImages].map((i) => [i.id, i]));
  const width = contentWidth(doc);
  const widths = [0.13, 0.31, 0.26, 0.12, 0.18].map((f) => f * width);
  const row = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'bold' : 'body').fontSize(8.5);
    const height = Math.max(...cells.map((text, i) => doc.heightOfString(text, { width: widths[i]! - 6 })));
    ensureSpace(doc, height + 6);
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((text, i) => {
      doc.fillColor(bold ? MUTED : INK).text(text, x, y, { width: widths[i]! - 6 });
      x += widths[i]!;
    });
    doc.y = y + height + 3;
    doc.moveTo(MARGIN, doc.y - 1.5).lineTo(MARGIN + width, doc.y - 1.5).lineWidth(0.3).strokeColor('#c9d1dc').stroke();
  };
  row(w.measurementColumns, true);
  for (const m of c.measurements) {
    const image = images.get(m.imageId);
    const where = [image ? `${image.modality || image.format.toUpperCase()} #${image.instanceNumber ?? '—'}` : m.imageId.slice(0, 8), image && image.frames > 1 ? w.frameOf(m.frame + 1) : ''].filter(Boolean).join(w.listSep);
    const calibration = m.spacing && m.spacingSource ? w.spacing(w.spacingSource[m.spacingSource], String(m.spacing[0]), String(m.spacing[1])) : w.uncalibrated;
    row([w.measurementKind[m.kind], measurementValueText(w, m), calibration, where, `${m.createdBy}${w.listSep}${dateTime(w, m.createdAt)}`], false);
  }
  doc.x = MARGIN;
  doc.font('body').fontSize(10).fillColor(INK);
  doc.moveDown(0.4);
}

function drawModelCard(doc: Doc, w: ReportWords, m: ReportModelVersion): void {
  ensureSpace(doc, 90);
  doc.font('bold').fontSize(10.5).fillColor(INK).text(`${m.name} (${m.architecture})`);
  doc.font('body').fontSize(9.5);
  field(doc, w, w.version, w.versionCreated(m.id, dateTime(w, m.createdAt), m.createdBy));
  if (m.classes.length > 0) field(doc, w, w.classes, m.classes.join(w.listSep));
  field(doc, w, w.data, m.dataSummary || w.notRecorded);
  const test = m.metrics.filter((x) => x.split === 'test');
  const shown = test.length > 0 ? test : m.metrics;
  const metricText = (x: (typeof shown)[number]) => `${x.name} ${Number.isInteger(x.value) ? String(x.value) : x.value <= 1 ? x.value.toFixed(3) : x.value.toFixed(1)}${test.length > 0 ? '' : ` (${x.split})`}`;
  field(doc, w, test.length > 0 ? w.testMetrics : w.metrics, shown.length > 0 ? shown.map(metricText).join(w.listSep) : w.noneRecorded);
  field(doc, w, w.subgroupGaps, m.subgroupGaps.length > 0 ? m.subgroupGaps.join('; ') : w.noGapsRecorded);
  if (m.intendedUse) field(doc, w, w.intendedUse, m.intendedUse);
  doc.moveDown(0.5);
}

function footers(doc: Doc, w: ReportWords, c: ReportCase, meta: ReportMeta): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    // Writing inside the bottom margin must not trigger pdfkit's automatic page break.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN - 6;
    doc.font('body').fontSize(7.5).fillColor(MUTED);
    const who = c.deidentified ? w.footerWhoDeidentified(c.patient.name) : w.footerWho(c.patient.name, hasNoId(c.patient) ? w.noId : c.patient.mrn);
    doc.text(w.footerExported(who, dateTime(w, meta.exportedAt), meta.exportedBy), MARGIN, y, { width: contentWidth(doc) - 80, lineBreak: false });
    doc.text(w.page(i - range.start + 1, range.count), MARGIN + contentWidth(doc) - 80, y, { width: 80, align: 'right', lineBreak: false });
    doc.text(w.disclaimerShort, MARGIN, y + 10, { width: contentWidth(doc), lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}
