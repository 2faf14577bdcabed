import PDFDocument from 'pdfkit';
import type { ReportCase, ReportDiagnosis, ReportImage, ReportModelVersion, ReportStudy } from '../../../shared/domain/reports';
import type { ReportThumbnail } from '../providers';
import type { ReportFonts } from './fonts';

/** The statement every report carries, on its first page and in every footer. */
export const AI_DISCLAIMER =
  'AI output is decision support, not a diagnosis. Every model finding in this report is a suggestion for a qualified clinician to check against the images and the patient.';

export interface ReportMeta {
  clinicName: string;
  /** PNG or JPEG bytes. */
  clinicLogo: Uint8Array | null;
  exportedBy: string;
  exportedAt: string;
  appVersion: string;
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

function dateTime(iso: string | null): string {
  if (!iso) return '—';
  return iso.length > 10 ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : iso;
}

function sexWord(s: string): string {
  return s === 'F' ? 'Female' : s === 'M' ? 'Male' : s === 'O' ? 'Other' : 'Unknown';
}

function windowText(t: { windowCenter: number | null; windowWidth: number | null }): string {
  return t.windowCenter !== null && t.windowWidth !== null ? `window C ${Math.round(t.windowCenter)} / W ${Math.round(t.windowWidth)}` : 'window: full range';
}

/**
 * Renders one patient's case as a PDF (A4): header with the clinic, patient, studies with
 * key images, AI findings with confidence, uncertainty, heatmap and the clinician's review,
 * model cards, care plans, and the decision-support statement. Fonts are embedded (subset).
 */
export function renderPdf(c: ReportCase, meta: ReportMeta, media: ReportMedia, fonts: ReportFonts): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, bottom: MARGIN + 20, left: MARGIN, right: MARGIN },
      bufferPages: true,
      // No default font: pdfkit would otherwise load Helvetica, which cannot show CJK names.
      font: fonts.regular as unknown as string,
      info: {
        Title: c.deidentified ? `De-identified patient report ${c.patient.name}` : `Patient report ${c.patient.name}`,
        Author: meta.clinicName || 'CareLens',
        Creator: `CareLens ${meta.appVersion}`,
        Subject: 'CareLens patient report (AI output is decision support)',
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
      draw(doc, c, meta, media);
      footers(doc, c, meta);
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

function field(doc: Doc, label: string, value: string): void {
  doc.font('bold').fontSize(10).fillColor(MUTED).text(`${label}: `, { continued: true });
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

function draw(doc: Doc, c: ReportCase, meta: ReportMeta, media: ReportMedia): void {
  const width = contentWidth(doc);
  // Header: logo, clinic, title, export line.
  const top = doc.y;
  let textX = MARGIN;
  if (meta.clinicLogo && tryImage(doc, meta.clinicLogo, MARGIN, top, { fit: [90, 48] })) textX = MARGIN + 100;
  doc.font('bold').fontSize(16).fillColor(INK).text(meta.clinicName || 'CareLens clinic', textX, top, { width: width - (textX - MARGIN) });
  doc.font('body').fontSize(11).fillColor(MUTED).text(c.deidentified ? 'Patient imaging report — De-identified' : 'Patient imaging report', textX, doc.y, { width: width - (textX - MARGIN) });
  doc.fontSize(9).text(`Exported ${dateTime(meta.exportedAt)} by ${meta.exportedBy} · CareLens ${meta.appVersion}`, textX, doc.y, { width: width - (textX - MARGIN) });
  doc.y = Math.max(doc.y, top + 52);
  doc.x = MARGIN;

  if (c.deidentified) {
    doc.moveDown(0.4);
    const y = doc.y;
    doc.rect(MARGIN, y, width, 34).fillColor('#fff4e5').fill();
    doc.font('bold').fontSize(10).fillColor(WARN).text('De-identified', MARGIN + 8, y + 5, { width: width - 16, continued: true });
    doc.font('body').fillColor(INK).text(': names and identifiers are replaced by a pseudonym, dates are shifted by a fixed number of days for this patient, free text and key images are left out.', { width: width - 16 });
    doc.y = Math.max(doc.y, y + 34) + 4;
  }

  // Disclaimer, prominently at the top.
  doc.moveDown(0.4);
  const dy = doc.y;
  const disclaimerHeight = doc.font('body').fontSize(10).heightOfString(AI_DISCLAIMER, { width: width - 16 }) + 12;
  doc.rect(MARGIN, dy, width, disclaimerHeight).fillColor('#eef3fb').fill();
  doc.fillColor(ACCENT).font('bold').text('Decision support. ', MARGIN + 8, dy + 6, { width: width - 16, continued: true });
  doc.font('body').fillColor(INK).text(AI_DISCLAIMER);
  doc.y = dy + disclaimerHeight + 4;
  doc.x = MARGIN;

  heading(doc, 'Patient');
  field(doc, c.deidentified ? 'Pseudonym' : 'Name', c.patient.name);
  if (!c.deidentified) field(doc, 'MRN', c.patient.mrn);
  field(doc, c.deidentified ? 'Birth date (shifted)' : 'Birth date', c.patient.birthDate ?? 'unknown');
  field(doc, 'Sex', sexWord(c.patient.sex));
  if (!c.deidentified) field(doc, 'CareLens id', c.patient.id);
  if (c.patient.notes) field(doc, 'Notes', c.patient.notes);

  heading(doc, 'Studies and key images');
  if (c.studies.length === 0 && c.looseImages.length === 0) doc.fillColor(MUTED).text('No studies or images on record for this patient.').fillColor(INK);
  for (const study of c.studies) drawStudy(doc, c, study, media);
  if (c.looseImages.length > 0) {
    ensureSpace(doc, 40);
    doc.font('bold').fontSize(11).text(`Images outside a study (${c.looseImages.length})`);
    doc.font('body').fontSize(10);
    drawKeyImages(doc, c, c.looseImages, media);
  }

  heading(doc, 'AI findings and clinician review');
  if (c.diagnoses.length === 0) doc.fillColor(MUTED).text('No model findings for this patient.').fillColor(INK);
  const models = new Map(c.modelVersions.map((m) => [m.id, m]));
  for (const d of c.diagnoses) drawDiagnosis(doc, c, d, models.get(d.modelVersionId ?? ''), media);

  if (c.modelVersions.length > 0) {
    heading(doc, 'Model cards');
    for (const m of c.modelVersions) drawModelCard(doc, m);
  }

  heading(doc, 'Care plans');
  const accepted = c.carePlans.filter((p) => p.status === 'accepted' || p.status === 'completed');
  const others = c.carePlans.filter((p) => !accepted.includes(p));
  if (c.carePlans.length === 0) doc.fillColor(MUTED).text('No care plans recorded for this patient.').fillColor(INK);
  for (const plan of accepted) {
    ensureSpace(doc, 50);
    doc.font('bold').fontSize(10.5).fillColor(INK).text(`${plan.planName} — ${plan.status}`);
    doc.font('body').fontSize(10);
    field(doc, 'Decided', `${dateTime(plan.decidedAt)} by ${plan.decidedBy ?? 'unknown'}`);
    if (plan.startDate) field(doc, 'Start', plan.startDate);
    field(doc, 'Reason', plan.reason || (c.deidentified ? '(free text removed)' : '—'));
    for (const step of plan.steps) doc.text(`•  ${step}`, MARGIN + 10);
    doc.x = MARGIN;
    doc.moveDown(0.4);
  }
  if (others.length > 0) {
    doc.font('bold').fontSize(10).fillColor(MUTED).text('Other recommendations (not accepted)');
    doc.font('body').fillColor(INK);
    for (const plan of others) doc.text(`•  ${plan.planName} — ${plan.status}${plan.decidedBy ? ` by ${plan.decidedBy}` : ''}${plan.reason ? `: ${plan.reason}` : ''}`);
  }

  if (c.notes.length > 0) {
    heading(doc, 'Not in this report');
    doc.fillColor(MUTED);
    for (const n of c.notes) doc.text(`•  ${n}`);
    doc.fillColor(INK);
  }

  heading(doc, 'Export');
  field(doc, 'Exported by', meta.exportedBy);
  field(doc, 'Exported at', dateTime(meta.exportedAt));
  field(doc, 'Identity', c.deidentified ? 'De-identified (pseudonym, shifted dates, no free text)' : 'Identified (contains the patient\'s name and record number)');
  doc.moveDown(0.5);
  doc.font('bold').fillColor(ACCENT).text(AI_DISCLAIMER);
  doc.font('body').fillColor(INK);
}

function drawStudy(doc: Doc, c: ReportCase, study: ReportStudy, media: ReportMedia): void {
  ensureSpace(doc, 60);
  const images = study.series.flatMap((s) => s.images);
  doc.font('bold').fontSize(11).fillColor(INK).text(`Study ${study.studyDate ?? '(no date)'}${study.description ? ` — ${study.description}` : ''}`);
  doc.font('body').fontSize(9).fillColor(MUTED);
  const parts = [`${study.series.length} series`, `${images.length} image${images.length === 1 ? '' : 's'}`];
  if (study.accession) parts.push(`accession ${study.accession}`);
  if (study.studyUid) parts.push(`UID ${study.studyUid}`);
  doc.text(parts.join(' · '));
  for (const s of study.series) {
    doc.text(`Series${s.seriesNumber !== null ? ` ${s.seriesNumber}` : ''}: ${[s.modality, s.bodyPart, s.description].filter(Boolean).join(' · ') || 'no description'} (${s.images.length} image${s.images.length === 1 ? '' : 's'})`, MARGIN + 10);
  }
  doc.x = MARGIN;
  doc.fillColor(INK).fontSize(10);
  drawKeyImages(doc, c, images, media);
  doc.moveDown(0.6);
}

/** Key images: the ones with a finding first, then the first of the study, at most four, each with its window. */
function drawKeyImages(doc: Doc, c: ReportCase, images: ReportImage[], media: ReportMedia): void {
  if (images.length === 0) return;
  if (c.deidentified) {
    doc.fontSize(9).fillColor(MUTED).text('Key images are left out of de-identified reports: pixels may carry burned-in identifiers.').fillColor(INK).fontSize(10);
    return;
  }
  const withFinding = new Set(c.diagnoses.map((d) => d.imageId));
  const ordered = [...images.filter((i) => withFinding.has(i.id)), ...images.filter((i) => !withFinding.has(i.id))];
  const key = ordered.slice(0, KEY_IMAGES_PER_STUDY);
  const shown = key.filter((i) => media.thumbnails.has(i.id));
  if (shown.length === 0) {
    doc.fontSize(9).fillColor(MUTED).text('No key-image thumbnails are available for this study yet.').fillColor(INK).fontSize(10);
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
      doc.fillColor('#ffffff').fontSize(8).text('image could not be drawn', x + 4, y + cell / 2, { width: cell - 8, align: 'center' });
    }
    doc.fillColor(MUTED).fontSize(7.5).text(`${image.modality || image.format.toUpperCase()} #${image.instanceNumber ?? '—'} · ${windowText(thumb)}`, x, y + cell + 3, { width: cell });
    const labels = image.labels.map((l) => `${l.labelSet}: ${l.className}`).join('; ');
    if (labels) doc.fillColor(INK).text(labels, x, doc.y, { width: cell });
  });
  doc.x = MARGIN;
  doc.y = y + cell + 40;
  doc.fillColor(INK).fontSize(10);
}

function reviewText(d: ReportDiagnosis): string {
  const r = d.review;
  if (!r || r.status === 'pending') return 'Not yet reviewed by a clinician.';
  const who = `${r.by ?? 'unknown'}${r.at ? `, ${dateTime(r.at)}` : ''}`;
  const note = r.note ? ` Note: ${r.note}` : '';
  if (r.status === 'confirmed') return `Confirmed by ${who}.${note}`;
  return `Overridden by ${who}: clinician's finding "${r.finalClass ?? '—'}" instead of the model's "${d.finding}".${note}`;
}

function drawDiagnosis(doc: Doc, c: ReportCase, d: ReportDiagnosis, model: ReportModelVersion | undefined, media: ReportMedia): void {
  const heat = c.deidentified ? undefined : media.heatmaps.get(d.id);
  ensureSpace(doc, heat ? 150 : 80);
  const top = doc.y;
  const textWidth = contentWidth(doc) - (heat ? 140 : 0);
  doc.font('bold').fontSize(11).fillColor(INK).text(`${d.finding} — confidence ${pct(d.confidence)}`, MARGIN, top, { width: textWidth });
  if (d.uncertain) doc.font('bold').fontSize(9.5).fillColor(WARN).text('UNCERTAIN: the model flagged this output as unreliable; read the images before relying on it.', { width: textWidth });
  doc.font('body').fontSize(9.5).fillColor(INK);
  if (d.probabilities.length > 0) doc.text(`Class probabilities: ${d.probabilities.map((p) => `${p.className} ${pct(p.probability)}`).join(', ')}`, { width: textWidth });
  doc.text(`Model version: ${model ? `${model.name} (${model.id})` : (d.modelVersionId ?? 'unknown')} · run ${dateTime(d.createdAt)} by ${d.createdBy}`, { width: textWidth });
  doc.font('bold').text('Clinician: ', { continued: true, width: textWidth }).font('body').text(reviewText(d), { width: textWidth });
  if (heat) {
    const x = MARGIN + contentWidth(doc) - 130;
    if (tryImage(doc, heat, x, top, { fit: [130, 130] })) {
      doc.fontSize(7.5).fillColor(MUTED).text('Heatmap: where the model looked', x, top + 132, { width: 130 });
      doc.y = Math.max(doc.y, top + 150);
    }
  } else if (!c.deidentified && d.hasHeatmap) {
    doc.fontSize(8.5).fillColor(MUTED).text('Heatmap recorded but could not be loaded.');
  }
  doc.x = MARGIN;
  doc.fillColor(INK).fontSize(10);
  doc.moveDown(0.7);
}

function drawModelCard(doc: Doc, m: ReportModelVersion): void {
  ensureSpace(doc, 90);
  doc.font('bold').fontSize(10.5).fillColor(INK).text(`${m.name} (${m.architecture})`);
  doc.font('body').fontSize(9.5);
  field(doc, 'Version', `${m.id}, created ${dateTime(m.createdAt)} by ${m.createdBy}`);
  if (m.classes.length > 0) field(doc, 'Classes', m.classes.join(', '));
  field(doc, 'Data', m.dataSummary || 'not recorded');
  const test = m.metrics.filter((x) => x.split === 'test');
  const shown = test.length > 0 ? test : m.metrics;
  field(doc, test.length > 0 ? 'Held-out test metrics' : 'Metrics', shown.length > 0 ? shown.map((x) => `${x.name} ${Number.isInteger(x.value) ? String(x.value) : x.value <= 1 ? x.value.toFixed(3) : x.value.toFixed(1)}${test.length > 0 ? '' : ` (${x.split})`}`).join(', ') : 'none recorded');
  field(doc, 'Known subgroup gaps', m.subgroupGaps.length > 0 ? m.subgroupGaps.join('; ') : 'none recorded (that is not evidence there are none)');
  if (m.intendedUse) field(doc, 'Intended use', m.intendedUse);
  doc.moveDown(0.5);
}

function footers(doc: Doc, c: ReportCase, meta: ReportMeta): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    // Writing inside the bottom margin must not trigger pdfkit's automatic page break.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN - 6;
    doc.font('body').fontSize(7.5).fillColor(MUTED);
    const who = c.deidentified ? `De-identified · ${c.patient.name}` : `${c.patient.name} · MRN ${c.patient.mrn}`;
    doc.text(`${who} · exported ${dateTime(meta.exportedAt)} by ${meta.exportedBy}`, MARGIN, y, { width: contentWidth(doc) - 60, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, MARGIN + contentWidth(doc) - 60, y, { width: 60, align: 'right', lineBreak: false });
    doc.text('AI output is decision support, not a diagnosis.', MARGIN, y + 10, { width: contentWidth(doc), lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}
