import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import JSONSchemaValidator from '@asymmetrik/fhir-json-schema-validator';
import { callAs, createTestApp, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import type { ExportJob, ExportProgress } from '../../shared/domain/reports';
import { createReportsFeature } from '.';
import { addFolderRoot } from '../system/folderRoots';
import { PNG_XRAY, seedCase, testProviders, type SeededCase } from './testCase';

let app: App;
afterEach(async () => {
  await app?.close();
});

function feature(seeded: SeededCase[], withMedia = true) {
  const png = fs.readFileSync(PNG_XRAY);
  return createReportsFeature(app.core, {
    providers: testProviders(seeded, withMedia ? { thumbnail: async (image) => (image.format === 'png' ? { data: png, windowCenter: null, windowWidth: null } : null), heatmap: async () => png } : {}),
  });
}

function pdftotext(file: string): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', file, '-'], { encoding: 'utf8' });
}

const CJK = { name: '王小明', mrn: 'MRN-CN-0042', birthDate: '1984-03-15', sex: 'M' };

describe('PDF report', () => {
  it('renders a real DICOM case with a CJK name; poppler finds patient, diagnosis, model version and disclaimer and renders every page', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { ...CJK, withPng: true });
    const reports = feature([s]);
    reports.service.setSettings({ clinicName: 'Harbour Street Clinic 港湾诊所', clinicLogo: `data:image/png;base64,${fs.readFileSync(PNG_XRAY).toString('base64')}` });
    const parent = tempDir();
    // A user exports only into their home folder or a folder an administrator allowed.
    addFolderRoot(app.core.settings, parent);
    const out = path.join(parent, 'out');
    const started = reports.service.start({ patients: [s.mrn], format: 'pdf', outDir: out }, 'dr.chen');
    const job = await reports.service.waitFor(started.id);
    expect(job.state).toBe('done');
    const pdf = job.files.find((f) => f.kind === 'pdf')!;
    expect(pdf.fileName).toBe('王小明_MRN-CN-0042.pdf');
    const text = pdftotext(pdf.path);
    expect(text).toContain('王小明');
    expect(text).toContain('MRN-CN-0042');
    expect(text).toContain('港湾诊所');
    expect(text).toMatch(/pneumonia — confidence 62\.0%/);
    expect(text).toContain('UNCERTAIN');
    expect(text).toContain('mv-test-0001');
    expect(text).toContain('PneumoniaNet v1');
    expect(text).toMatch(/Overridden by dr\.li/);
    expect(text).toContain('Community-acquired pneumonia, outpatient');
    expect(text).toContain('Exported by');
    expect(text).toContain('dr.chen');
    expect(text).toContain('AI output is decision support');
    expect(text).toContain('accuracy 0.861');
    // The measurements table: each value with its unit, the spacing it used (or uncalibrated), who measured.
    expect(text).toContain('Measurements');
    expect(text).toContain('42.50 mm');
    expect(text).toMatch(/Pixel Spacing 0\.5 × 0\.25 mm/);
    expect(text).toContain('45.0°');
    expect(text).toContain('uncalibrated');
    expect(text).toContain('67 HU (stored value 1091)');
    expect(text).toContain('mean 40.3 HU, SD 12.5, min -3.0, max');
    expect(text).toContain('area 78.5 mm²');
    expect(text).toContain('dr.wu');
    // Fonts are embedded (subset) and are the shipped Noto Sans SC.
    const fonts = execFileSync('pdffonts', [pdf.path], { encoding: 'utf8' });
    expect(fonts).toMatch(/NotoSansSC/);
    for (const line of fonts.split('\n').slice(2).filter(Boolean)) expect(line).toMatch(/\byes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$/);
    // Every page renders.
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf.path], { encoding: 'utf8' }))![1]);
    expect(pages).toBeGreaterThanOrEqual(1);
    const pngDir = process.env.CARELENS_REPORT_PNG_DIR ?? tempDir();
    execFileSync('pdftoppm', ['-r', '60', '-png', pdf.path, path.join(pngDir, 'report')]);
    const rendered = fs.readdirSync(pngDir).filter((f) => f.startsWith('report') && f.endsWith('.png'));
    expect(rendered).toHaveLength(pages);
    for (const f of rendered) expect(fs.statSync(path.join(pngDir, f)).size).toBeGreaterThan(2000);
  });

  it('says De-identified and carries neither name, MRN nor birth date', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { ...CJK, withPng: true });
    const reports = feature([s]);
    const job = await reports.service.waitFor(reports.service.start({ patients: [s.patientId], format: 'pdf', deidentify: true }, 'dr.chen').id);
    const pdf = job.files.find((f) => f.kind === 'pdf')!;
    const text = pdftotext(pdf.path);
    expect(text).toContain('De-identified');
    expect(text).not.toContain('王小明');
    expect(text).not.toContain(s.mrn);
    expect(text).not.toContain(s.birthDate);
    expect(text).not.toContain('Example Road');
    expect(text).toMatch(/CL-[A-Z0-9]{10}/);
    expect(pdf.fileName).toMatch(/^CL-[A-Z0-9]{10}\.pdf$/);
  });

  it('says plainly what is missing before the ML and care-plan features exist', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { name: 'Ada Lovelace', mrn: 'A1', birthDate: '1815-12-10' });
    const reports = createReportsFeature(app.core);
    const job = await reports.service.waitFor(reports.service.start({ patients: ['A1'], format: 'pdf' }, 'local').id);
    const text = pdftotext(job.files[0]!.path);
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('No key-image thumbnails are available');
    expect(text).toContain('the diagnosis feature is not available');
    expect(text).toContain('the measurements feature is not available');
    expect(text).toContain("No measurements on this patient's images.");
    expect(text).toContain('AI output is decision support');
    expect(reports.service.preview(s.patientId)).toMatchObject({ studies: 1, images: 1, diagnoses: 0 });
  });
});

describe('FHIR R4 bundle', () => {
  let validator: JSONSchemaValidator;
  beforeAll(() => {
    validator = new JSONSchemaValidator();
  }, 60_000);

  function validateBundle(bundle: { entry: { fullUrl: string; resource: { resourceType: string } }[] }) {
    expect(validator.validate(bundle, true)).toEqual([]);
    // Every reference inside the bundle resolves to an entry of the bundle.
    const urls = new Set(bundle.entry.map((e) => e.fullUrl));
    const refs = JSON.stringify(bundle).match(/"reference":"([^"]+)"/g) ?? [];
    for (const r of refs) expect(urls.has(r.slice(13, -1))).toBe(true);
    for (const e of bundle.entry) expect(validator.validate(e.resource, true)).toEqual([]);
  }

  it('a patient registered from DICOM without a Patient ID: no MRN in the FHIR bundle, the CSV or the PDF, and the PDF says so', async () => {
    app = createTestApp();
    const noId = 'NO-ID:0123456789abcdef';
    const s = seedCase(app.core.db, { name: 'Anonymized', mrn: noId, birthDate: '1970-01-01' });
    const reports = feature([s]);
    const fhirJob = await reports.service.waitFor(reports.service.start({ patients: [s.patientId], format: 'fhir' }, 'dr.chen').id);
    expect(fhirJob.state).toBe('done');
    const bundle = JSON.parse(fs.readFileSync(fhirJob.files[0]!.path, 'utf8'));
    validateBundle(bundle);
    const patient = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Patient').resource;
    expect(patient.identifier.map((i: { type?: { coding: { code: string }[] } }) => i.type?.coding[0]?.code ?? null)).not.toContain('MR');
    expect(JSON.stringify(bundle).replaceAll(`ACC-${noId}`, 'ACC')).not.toContain(noId);
    const csvJob = await reports.service.waitFor(reports.service.start({ patients: [s.patientId], format: 'csv' }, 'dr.chen').id);
    const csv = fs.readFileSync(csvJob.files.find((f) => f.fileName.endsWith('.csv'))!.path, 'utf8');
    expect(csv.replaceAll(`ACC-${noId}`, 'ACC')).not.toContain(noId);
    const pdfJob = await reports.service.waitFor(reports.service.start({ patients: [s.patientId], format: 'pdf' }, 'dr.chen').id);
    // (The fixture's made-up accession number is built from the MRN it is given: not an MRN field.)
    const text = pdftotext(pdfJob.files.find((f) => f.kind === 'pdf')!.path).replaceAll(`ACC-${noId}`, 'ACC');
    expect(text).not.toContain(noId);
    expect(text).toContain('DICOM without a Patient ID');
  });

  it('validates against the official R4 JSON schema, with the model as the Observation device', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { ...CJK });
    const reports = feature([s]);
    const job = await reports.service.waitFor(reports.service.start({ patients: [s.mrn], format: 'fhir' }, 'dr.chen').id);
    const bundle = JSON.parse(fs.readFileSync(job.files[0]!.path, 'utf8'));
    validateBundle(bundle);
    const types = bundle.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType).sort();
    // One Observation for the diagnosis and one per measurement; dr.wu (who measured) is a Practitioner.
    expect(types).toEqual(['CarePlan', 'Device', 'DiagnosticReport', 'ImagingStudy', 'Observation', 'Observation', 'Observation', 'Observation', 'Observation', 'Patient', 'Practitioner', 'Practitioner']);
    const obs = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Observation').resource;
    const device = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Device');
    expect(obs.device.reference).toBe(device.fullUrl);
    expect(obs.component[0].valueQuantity.value).toBe(0.62);
    expect(obs.component[1].valueBoolean).toBe(true);
    const studyEntry = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'ImagingStudy');
    const study = studyEntry.resource;
    expect(study.identifier[0].value).toBe(`urn:oid:${s.studyUid}`);
    // Measurements: UCUM units, linked to the patient and the imaging study, performed by who measured.
    type Obs = { identifier?: { system: string; value: string }[]; subject: { reference: string }; derivedFrom?: { reference: string }[]; performer?: { display: string }[]; valueQuantity: { value: number; system: string; code: string }; component?: { code: { text: string }; valueQuantity: { value: number; code: string } }[]; note: { text: string }[] };
    const measured = bundle.entry
      .filter((e: { resource: Obs & { resourceType: string } }) => e.resource.resourceType === 'Observation' && e.resource.identifier?.[0]?.system === 'urn:carelens:measurement')
      .map((e: { resource: Obs }) => e.resource) as Obs[];
    expect(measured.map((m) => m.valueQuantity.code)).toEqual(['mm', 'deg', "[hnsf'U]", "[hnsf'U]"]);
    expect(measured.map((m) => m.valueQuantity.value)).toEqual([42.5, 45, 67, 40.25]);
    for (const m of measured) {
      expect(m.valueQuantity.system).toBe('http://unitsofmeasure.org');
      expect(m.subject.reference).toBe(bundle.entry[0].fullUrl);
      expect(m.derivedFrom![0]!.reference).toBe(studyEntry.fullUrl);
      expect(m.performer![0]!.display).toBe('dr.wu');
    }
    expect(measured[0]!.note[0]!.text).toContain('Pixel Spacing (0028,0030) 0.5 x 0.25 mm');
    expect(measured[1]!.note[0]!.text).toContain('Uncalibrated');
    expect(measured[2]!.component![0]!.valueQuantity.value).toBe(1091);
    expect(measured[3]!.component!.find((c) => c.valueQuantity.code === 'mm2')!.valueQuantity.value).toBe(78.54);
    // The schema really checks: a wrong code and an unknown field are refused.
    expect(validator.validate({ ...obs, status: 'maybe' }, true).length).toBeGreaterThan(0);
    expect(validator.validate({ ...obs, confidence: 0.6 }, true).length).toBeGreaterThan(0);
  });

  it('de-identified: no name, MRN or birth date anywhere, and the same pseudonym next time', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { ...CJK });
    const other = seedCase(app.core.db, { name: 'Grace Hopper', mrn: 'GH-1', birthDate: '1906-12-09', uidSuffix: '.2' });
    const reports = feature([s, other]);
    const run = async () => {
      const job = await reports.service.waitFor(reports.service.start({ patients: [s.patientId, other.patientId], format: 'fhir', deidentify: true }, 'dr.chen').id);
      return job.files.filter((f) => f.kind === 'fhir').map((f) => fs.readFileSync(f.path, 'utf8'));
    };
    const [first, second] = [await run(), await run()];
    const raw = first[0]!;
    validateBundle(JSON.parse(raw));
    for (const needle of [s.name, s.mrn, s.birthDate, s.birthDate.replace(/-/g, ''), s.studyUid, s.sopInstanceUid, s.patientId, 'Example Road', 'home care', 'phone']) {
      expect(raw).not.toContain(needle);
    }
    const pseudonym = (text: string) => JSON.parse(text).entry[0].resource.identifier[0].value as string;
    expect(pseudonym(first[0]!)).toMatch(/^CL-[A-Z0-9]{10}$/);
    expect(pseudonym(second[0]!)).toBe(pseudonym(first[0]!));
    expect(pseudonym(first[1]!)).not.toBe(pseudonym(first[0]!));
    // Dates move by the same number of days every time.
    const birth = (text: string) => JSON.parse(text).entry[0].resource.birthDate as string;
    expect(birth(second[0]!)).toBe(birth(first[0]!));
    const shiftDays = (Date.parse(birth(first[0]!)) - Date.parse(s.birthDate)) / 86_400_000;
    expect(shiftDays).toBeLessThanOrEqual(-1);
    expect(shiftDays).toBeGreaterThanOrEqual(-730);
  });
});

describe('DICOM in an export', () => {
  it('writes the patient\'s DICOM files de-identified, with the pseudonym of the bundle', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { ...CJK });
    const reports = feature([s]);
    const job = await reports.service.waitFor(reports.service.start({ patients: [s.mrn], format: 'fhir', deidentify: true, includeDicom: true }, 'dr.chen').id);
    const dcm = job.files.filter((f) => f.kind === 'dicom');
    expect(dcm).toHaveLength(1);
    const bytes = fs.readFileSync(dcm[0]!.path);
    const pseudonym = JSON.parse(fs.readFileSync(job.files.find((f) => f.kind === 'fhir')!.path, 'utf8')).entry[0].resource.identifier[0].value;
    expect(bytes.toString('latin1')).toContain(pseudonym);
    expect(bytes.toString('latin1')).not.toContain(s.studyUid);
    expect(bytes.toString('latin1')).not.toContain(s.sopInstanceUid);
    const index = fs.readFileSync(path.join(job.outDir, 'index.csv'), 'utf8');
    expect(index).toContain(dcm[0]!.fileName);
    expect(index).not.toContain(s.mrn);
  });
});

describe('CSV', () => {
  it('has one row per image and one per plan assignment, and defuses formulas', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { name: '=HYPERLINK("x")', mrn: 'Z9', birthDate: '1990-01-01', withPng: true });
    const reports = feature([s]);
    const job = await reports.service.waitFor(reports.service.start({ patients: ['Z9'], format: 'csv' }, 'dr.chen').id);
    const text = fs.readFileSync(job.files[0]!.path, 'utf8');
    const lines = text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 2 + 4 + 2);
    expect(lines.filter((l) => l.startsWith('image,'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('careplan,'))).toHaveLength(2);
    // One row per measurement, on its image's row data, with value, unit, spacing and who measured.
    const header = lines[0]!.split(',');
    const cells = (line: string) => Object.fromEntries(line.split(',').map((v, i) => [header[i]!, v]));
    const measured = lines.filter((l) => l.startsWith('measurement,')).map(cells);
    expect(measured.map((m) => [m.measurement, m.measurement_value, m.measurement_unit, m.spacing_source])).toEqual([
      ['length', '42.5', 'mm', 'PixelSpacing'],
      ['angle', '45', 'deg', 'uncalibrated'],
      ['probe', '67', 'HU', 'PixelSpacing'],
      ['ellipse', '40.25', 'HU', 'PixelSpacing'],
    ]);
    expect(measured[0]).toMatchObject({ sop_instance_uid: s.sopInstanceUid, spacing_mm: '0.5\\0.25', measured_by: 'dr.wu', measured_at: '2026-01-03T08:00:00.000Z' });
    expect(measured[2]).toMatchObject({ probe_stored_value: '1091' });
    expect(measured[3]).toMatchObject({ measurement_sd: '12.5', measurement_min: '-3', measurement_max: '90', measurement_pixels: '629', measurement_area: '78.54', measurement_area_unit: 'mm2' });
    const dicomRow = lines.find((l) => l.includes(s.sopInstanceUid))!;
    expect(dicomRow).toContain('pneumonia=pneumonia');
    expect(dicomRow).toContain(',pneumonia,0.62,true,overridden,normal,mv-test-0001,');
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

describe('chosen studies', () => {
  it('a report on chosen studies holds only those studies and their findings', async () => {
    app = createTestApp();
    const s = seedCase(app.core.db, { name: 'Ada', mrn: 'A1', birthDate: '1815-12-10', uidSuffix: '.1' });
    const second = seedCase(app.core.db, { name: 'Ada', mrn: 'A1-tmp', birthDate: '1815-12-10', uidSuffix: '.9' });
    // Move the second study to the first patient: one patient, two studies.
    app.core.db.prepare('UPDATE studies SET patient_id = ? WHERE id = ?').run(s.patientId, second.studyId);
    app.core.db.prepare('UPDATE images SET patient_id = ? WHERE id = ?').run(s.patientId, second.imageId);
    const reports = feature([s]);
    expect(reports.service.preview(s.patientId).studyList.map((x) => x.id).sort()).toEqual([s.studyId, second.studyId].sort());
    const job = await reports.service.waitFor(reports.service.start({ patients: ['A1'], format: 'csv', studyIds: [second.studyId] }, 'dr').id);
    const text = fs.readFileSync(job.files[0]!.path, 'utf8');
    expect(text).toContain(`${second.sopInstanceUid},`);
    expect(text).not.toContain(`${s.sopInstanceUid},`);
    // The diagnosis and the measurements on the first study's image are left out with its study.
    expect(text).not.toContain('mv-test-0001');
    expect(text).not.toMatch(/\r\nmeasurement,/);
    expect(await callAs(app, 'reports:export', { patients: ['A1'], format: 'csv', studyIds: ['not-a-study'] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('batch export', () => {
  it('exports many patients with progress events and an index, and can be cancelled', async () => {
    app = createTestApp();
    const seeded = Array.from({ length: 12 }, (_, i) => seedCase(app.core.db, { name: `Patient ${i}`, mrn: `B${i}`, birthDate: '1970-01-01', uidSuffix: `.${i}` }));
    const reports = feature(seeded);
    const events: ExportProgress[] = [];
    app.core.events.subscribe((name, payload) => {
      if (name === 'reports:progress') events.push(payload as ExportProgress);
    });
    const job = await reports.service.waitFor(reports.service.start({ patients: seeded.map((s) => s.mrn), format: 'csv' }, 'dr.chen').id);
    expect(job).toMatchObject({ state: 'done', total: 12, done: 12 });
    const progress = events.filter((e) => e.jobId === job.id);
    expect(progress.map((e) => e.done)).toEqual([0, ...Array.from({ length: 12 }, (_, i) => i + 1), 12]);
    expect(progress.at(-1)!.state).toBe('done');
    const index = fs.readFileSync(path.join(job.outDir, 'index.csv'), 'utf8').trimEnd().split('\r\n');
    expect(index).toHaveLength(13);
    expect(fs.readdirSync(job.outDir)).toHaveLength(13);

    // Cancel after the third patient.
    const started = reports.service.start({ patients: seeded.map((s) => s.patientId), format: 'pdf' }, 'dr.chen');
    const unsubscribe = app.core.events.subscribe((name, payload) => {
      const p = payload as ExportProgress;
      if (name === 'reports:progress' && p.jobId === started.id && p.done === 3) reports.service.cancel(started.id);
    });
    const cancelled = await reports.service.waitFor(started.id);
    unsubscribe();
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.done).toBe(3);
    expect(cancelled.files.filter((f) => f.kind === 'pdf')).toHaveLength(3);
    expect(cancelled.warnings.join(' ')).toContain('Cancelled after 3 of 12');
    expect(reports.service.jobs().map((j) => j.id)).toEqual([started.id, job.id]);
  });
});

describe('audit', () => {
  it('records every export with who, which patients, the format and whether it was de-identified', async () => {
    app = createTestApp();
    const a = seedCase(app.core.db, { name: 'Ada', mrn: 'A1', birthDate: '1815-12-10' });
    const b = seedCase(app.core.db, { name: 'Grace', mrn: 'G1', birthDate: '1906-12-09', uidSuffix: '.2' });
    const started = await callAs(app, 'reports:export', { patients: ['A1', b.patientId], format: 'csv', deidentify: true });
    const job = await app.features.reports.service.waitFor((started as { value: ExportJob }).value.id);
    await callAs(app, 'reports:file', { jobId: job.id, fileName: job.files.find((f) => f.kind === 'csv')!.fileName });
    const page = await callAs(app, 'audit:list', { limit: 50 });
    expect(page.ok).toBe(true);
    const rows = (page as { value: { items: { channel: string; kind: string; actorName: string; patientIds: string[]; detail: string }[] } }).value.items;
    const exportRow = rows.find((r) => r.channel === 'reports:export')!;
    expect(exportRow).toMatchObject({ kind: 'export', actorName: 'system' });
    expect(exportRow.patientIds.sort()).toEqual([a.patientId, b.patientId].sort());
    expect(exportRow.detail).toContain('"deidentify":true');
    expect(exportRow.detail).toContain('"format":"csv"');
    const fileRow = rows.find((r) => r.channel === 'reports:file')!;
    expect(fileRow.kind).toBe('export');
    expect(fileRow.patientIds).toHaveLength(1);
  });
});

describe('reports channels', () => {
  it('refuse bad input, unknown patients and non-empty folders without writing anything', async () => {
    app = createTestApp();
    seedCase(app.core.db, { name: 'Ada', mrn: 'A1', birthDate: '1815-12-10' });
    expect(await callAs(app, 'reports:export', { patients: [], format: 'pdf' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'reports:export', { patients: ['A1'], format: 'docx' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'reports:export', { patients: ['A1'], format: 'pdf', extra: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'reports:export', { patients: ['A1', 'nobody'], format: 'pdf' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const full = tempDir();
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
    expect(await callAs(app, 'reports:export', { patients: ['A1'], format: 'csv', outDir: full })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await callAs(app, 'reports:export', { patients: ['A1'], format: 'csv', outDir: 'relative/dir' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(fs.readFileSync(path.join(full, 'keep.txt'), 'utf8')).toBe('mine');
    expect(fs.readdirSync(app.core.paths.exports)).toEqual([]);
    expect(await callAs(app, 'reports:jobs', {})).toMatchObject({ ok: true, value: [] });
    expect(await callAs(app, 'reports:cancel', { jobId: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callAs(app, 'reports:job', {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'reports:file', { jobId: 'nope', fileName: 'x.pdf' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callAs(app, 'reports:preview', { patient: 'nobody' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callAs(app, 'reports:setSettings', { clinicLogo: 'data:image/gif;base64,AAAA' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'reports:setSettings', { clinicLogo: 'data:image/png;base64,AAAA' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'reports:settings', {})).toMatchObject({ ok: true, value: { clinicName: '', clinicLogo: null } });
  });

  it('export through the dispatch table, then read the file back', async () => {
    app = createTestApp();
    seedCase(app.core.db, { name: 'Ada', mrn: 'A1', birthDate: '1815-12-10' });
    const started = await callAs(app, 'reports:export', { patients: ['A1'], format: 'fhir', deidentify: true });
    expect(started).toMatchObject({ ok: true, value: { state: 'running', deidentified: true, total: 1 } });
    const job = await app.features.reports.service.waitFor((started as { value: ExportJob }).value.id);
    const file = job.files.find((f) => f.kind === 'fhir')!;
    const back = await callAs(app, 'reports:file', { jobId: job.id, fileName: file.fileName });
    expect(back).toMatchObject({ ok: true, value: { mime: 'application/fhir+json' } });
    const json = Buffer.from((back as { value: { base64: string } }).value.base64, 'base64').toString('utf8');
    expect(JSON.parse(json).resourceType).toBe('Bundle');
    expect(await callAs(app, 'reports:file', { jobId: job.id, fileName: '../carelens.db' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
