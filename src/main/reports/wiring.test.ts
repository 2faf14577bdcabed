import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterEach, describe, expect, it } from 'vitest';
import JSONSchemaValidator from '@asymmetrik/fhir-json-schema-validator';
import { callAs, createTestApp, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import { newId } from '../core/ids';
import type { ExportJob } from '../../shared/domain/reports';
import type { Patient } from '../../shared/domain/patient';
import type { CarePlan } from '../../shared/domain/careplans';
import { insertDiagnosis, insertVersion } from '../ml/mlRepository';
import { imagesOfPatient } from '../imaging/ports';
import { ensureLabelClass, ensureLabelSet } from '../labels/ports';
import { CHEST_CR } from './testCase';

let app: App;
afterEach(async () => {
  await app?.close();
});

function value<T>(r: unknown): T {
  const env = r as { ok: boolean; value?: T; error?: unknown };
  if (!env.ok) throw new Error(JSON.stringify(env.error));
  return env.value as T;
}

/**
 * The whole way, with the real features: register a patient, import a real DICOM file
 * through the imaging service, a model version and a diagnosis in the ML feature's tables
 * (through its repository: training a model is the ML feature's own test) reviewed through
 * its service, a care plan accepted through the care-plan service, then export.
 */
async function realCase() {
  // Importing needs the database in a file (the import worker writes on its own connection).
  app = createTestApp({ onDisk: true });
  const patient = value<Patient>(await callAs(app, 'patients:create', { name: '王小明', mrn: 'CN-0042', birthDate: '1984-03-15', sex: 'M' }));
  const folder = tempDir('carelens-report-import-');
  fs.copyFileSync(CHEST_CR, path.join(folder, 'chest.dcm'));
  value(await callAs(app, 'imaging:import', { paths: [folder], patientId: patient.id }));
  const db = app.core.db;
  const image = { id: imagesOfPatient(db, patient.id)[0]!.id };
  const labelSetId = ensureLabelSet(db, { id: newId(), name: 'chest findings', description: '', createdBy: 'dr.li', createdAt: '2026-01-01T00:00:00.000Z' });
  ensureLabelClass(db, labelSetId, 'normal', 0);
  ensureLabelClass(db, labelSetId, 'pneumonia', 1);
  const versionId = newId();
  const perClass = ['normal', 'pneumonia'].map((className) => ({ className, precision: 0.85, recall: 0.86, f1: 0.855, support: 234 }));
  insertVersion(db, {
    id: versionId,
    version: 1,
    labelSetId,
    architecture: 'default',
    classes: ['normal', 'pneumonia'],
    hyperParameters: { epochs: 10, batchSize: 32, learningRate: 0.001, optimizer: 'adam', inputSize: 28, channels: 1, augment: { horizontalFlip: false }, earlyStoppingPatience: 3, seed: 1 },
    split: { mode: 'predefined', seed: 1, counts: { train: 2428, val: 270, test: 468 }, classCounts: { train: {}, val: {}, test: {} }, subjects: { train: 2428, val: 270, test: 468 } },
    backend: 'wasm',
    durationSeconds: 95,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'dr.li',
    active: true,
    status: 'complete',
    metrics: {
      test: { n: 468, accuracy: 0.863, perClass, confusion: [[200, 34], [30, 204]], rocAuc: 0.931, ece: 0.041, eceBeforeScaling: 0.08, reliability: [] },
      temperature: 1.3,
      subgroups: [{ attribute: 'sex', value: 'F', n: 40, accuracy: 0.78, rocAuc: null, ece: 0.07, gap: -0.083, flag: 'small group, lower accuracy' }],
      missingAttributes: ['ageBand'],
      history: [],
      bestEpoch: 7,
    },
    temperature: 1.3,
    artifactsDir: 'v1',
  });
  const diagnosisId = newId();
  const values = Array.from({ length: 49 }, (_, i) => (i % 7 > 3 && i > 20 ? 0.9 : 0.1));
  insertDiagnosis(db, {
    id: diagnosisId,
    imageId: image.id,
    modelVersionId: versionId,
    modelVersion: 1,
    classes: ['normal', 'pneumonia'],
    probabilities: [0.27, 0.73],
    predictedClass: 'pneumonia',
    confidence: 0.73,
    threshold: 0.8,
    uncertain: true,
    heatmap: { width: 7, height: 7, values },
    createdAt: '2026-01-02T09:00:00.000Z',
    createdBy: 'dr.li',
    review: null,
  });
  app.features.ml.service.review({ diagnosisId, decision: 'confirm', reason: 'consolidation right lower lobe' }, 'dr.li');
  // Measurements through the measurements feature on the real (uncalibrated: no pixel spacing) CR.
  value(await callAs(app, 'measurements:add', { imageId: image.id, kind: 'length', points: [[10, 10], [40, 50]] }));
  value(await callAs(app, 'measurements:add', { imageId: image.id, kind: 'rectangle', points: [[100, 100], [140, 130]] }));
  value(await callAs(app, 'careplans:loadDemo', {}));
  const plan = value<CarePlan[]>(await callAs(app, 'careplans:listPlans', {}))[0]!;
  value(await callAs(app, 'careplans:decide', { patientId: patient.id, planId: plan.id, decision: 'accept', reason: 'Agreed with the family' }));
  return { patient, image, plan, versionId };
}

async function exportJob(input: object): Promise<ExportJob> {
  const started = value<ExportJob>(await callAs(app, 'reports:export', input));
  return app.features.reports.service.waitFor(started.id);
}

describe('reports wired to the real imaging, ML and care-plan features', () => {
  it('a PDF from a real imported case shows the key image with its window, the diagnosis, the model card, the review and the plan', async () => {
    const { patient, plan } = await realCase();
    const preview = value<{ studies: number; images: number; diagnoses: number; carePlans: number; notes: string[] }>(await callAs(app, 'reports:preview', { patient: 'CN-0042' }));
    expect(preview).toMatchObject({ studies: 1, images: 1, diagnoses: 1, carePlans: 1, notes: [] });
    const job = await exportJob({ patients: [patient.mrn], format: 'pdf' });
    expect(job.state).toBe('done');
    const pdf = job.files.find((f) => f.kind === 'pdf')!;
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdf.path, '-'], { encoding: 'utf8' });
    for (const needle of ['王小明', 'CN-0042', 'pneumonia — confidence 73.0%', 'UNCERTAIN', 'chest findings model v1', 'Confirmed by dr.li', 'accuracy 0.863', 'Sex F: accuracy 0.780', plan.name, 'demo catalogue, not medical advice', 'Agreed with the family', 'window C', 'Heatmap', 'AI output is decision support']) {
      expect(text).toContain(needle);
    }
    expect(text).toMatch(/test images 468\b/);
    // The measurements made through the measurements feature: a 50-pixel length, uncalibrated.
    expect(text).toContain('50.0 px');
    expect(text).toContain('uncalibrated (no pixel spacing');
    expect(text).toContain('Rectangle ROI');
    const csv = fs.readFileSync((await exportJob({ patients: [patient.mrn], format: 'csv' })).files[0]!.path, 'utf8');
    expect(csv).toMatch(/\r\nmeasurement,.*,length,0,50,px,/);
    expect(csv).toMatch(/\r\nmeasurement,.*,rectangle,0,/);
    expect(text).not.toContain('not available in this build');
    // The key image and the heatmap are drawn: the pages carry images.
    const images = execFileSync('pdfimages', ['-list', pdf.path], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(images.length).toBeGreaterThanOrEqual(2);
    const pngDir = process.env.CARELENS_REPORT_PNG_DIR ?? tempDir();
    execFileSync('pdftoppm', ['-r', '60', '-png', pdf.path, path.join(pngDir, 'wired')]);
    expect(fs.readdirSync(pngDir).filter((f) => f.startsWith('wired')).length).toBeGreaterThanOrEqual(1);
  });

  it('the FHIR bundle of the same case validates and carries the model as device; de-identified it leaks nothing and exports the DICOM file', async () => {
    const { patient, versionId } = await realCase();
    const validator = new JSONSchemaValidator();
    const job = await exportJob({ patients: [patient.id], format: 'fhir' });
    const bundle = JSON.parse(fs.readFileSync(job.files[0]!.path, 'utf8'));
    expect(validator.validate(bundle, true)).toEqual([]);
    const device = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Device');
    expect(device.resource.identifier[0].value).toBe(versionId);
    const lengths = bundle.entry.filter((e: { resource: { code?: { coding?: { code: string }[] } } }) => e.resource.code?.coding?.[0]?.code === 'length');
    expect(lengths).toHaveLength(1);
    expect(lengths[0].resource.valueQuantity).toEqual({ value: 50, unit: 'pixel', system: 'http://unitsofmeasure.org', code: '{pixel}' });
    expect(lengths[0].resource.derivedFrom[0].reference).toBe(bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'ImagingStudy').fullUrl);
    const plan = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'CarePlan');
    expect(plan.resource.description).toContain('Agreed with the family');

    const deid = await exportJob({ patients: [patient.id], format: 'fhir', deidentify: true, includeDicom: true });
    expect(deid.warnings).toEqual([]);
    const text = fs.readFileSync(deid.files.find((f) => f.kind === 'fhir')!.path, 'utf8');
    expect(validator.validate(JSON.parse(text), true)).toEqual([]);
    for (const needle of ['王小明', 'CN-0042', '1984-03-15', '19840315', 'Agreed with the family', 'consolidation']) expect(text).not.toContain(needle);
    const dcm = deid.files.find((f) => f.kind === 'dicom')!;
    const bytes = fs.readFileSync(dcm.path);
    const ds = dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    expect(ds.string('x00120062')).toBe('YES');
    expect(ds.string('x00100020')).toBe(JSON.parse(text).entry[0].resource.identifier[0].value);
    expect(bytes.toString('latin1')).not.toContain('CN-0042');
  });
});
