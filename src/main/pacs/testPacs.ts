/**
 * Test support: an in-memory PACS behind the PacsClient interface (with faults to inject),
 * the shared DICOM files it serves, and a reviewed diagnosis on an imported image. Never used
 * by the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/createApp';
import { SHARED_DATA } from '../app/testing';
import { newId } from '../core/ids';
import { insertDiagnosis, insertVersion } from '../ml/mlRepository';
import { ensureLabelSet } from '../labels/ports';
import { HYPER, IN_SCOPE, NOT_FLAGGED, SPLIT, testMetrics } from '../ml/testFindings';
import { readSourceInstance } from './part10';
import { PacsError, type FetchFailure, type InstanceRef, type PacsClient, type StudyMatch } from './protocol/types';

/** A study of six MR slices (one series) and two single images of other studies, from the shared data. */
export const TEST_FILES = [
  ...['53323131', '53323275', '53323419', '53323563', '53323707', '53323851'].map((n) => `dicom/ivmartel_dwv/bbmri_series/bbmri-${n}.dcm`),
  'dicom/ivmartel_dwv/gdcm-CR-MONO1-10-chest.dcm',
  'dicom/ivmartel_dwv/gdcm-US-RGB-8-esopecho.dcm',
].map((f) => path.join(SHARED_DATA, f));

export interface FakePacs {
  client: PacsClient;
  held: { ref: InstanceRef; bytes: Buffer; patientId: string; patientName: string }[];
  /** Instances that fail to fetch (by SOP UID), instances delivered cut short, and a PACS that is down. */
  faults: { fail: Set<string>; truncate: Set<string>; down: boolean; delayMs: number };
  fetched: string[];
  stored: Buffer[];
}

export function fakePacs(files: string[] = TEST_FILES): FakePacs {
  const held = files.map((f) => {
    const bytes = fs.readFileSync(f);
    const s = readSourceInstance(bytes);
    return { ref: { studyInstanceUid: s.studyInstanceUid, seriesInstanceUid: s.seriesInstanceUid, sopInstanceUid: s.sopInstanceUid }, bytes, patientId: s.patientId, patientName: s.patientName };
  });
  const faults = { fail: new Set<string>(), truncate: new Set<string>(), down: false, delayMs: 0 };
  const fetched: string[] = [];
  const stored: Buffer[] = [];
  const up = () => {
    if (faults.down) throw new PacsError('connect ECONNREFUSED 127.0.0.1:1', 'unreachable');
  };
  const client: PacsClient = {
    async echo() {
      return faults.down ? { ok: false, ms: 1, error: 'connection refused' } : { ok: true, ms: 1 };
    },
    async findStudies(q) {
      up();
      const studies = new Map<string, StudyMatch>();
      for (const h of held) {
        if (q.patientId && h.patientId !== q.patientId) continue;
        const s = studies.get(h.ref.studyInstanceUid) ?? { studyInstanceUid: h.ref.studyInstanceUid, patientId: h.patientId, patientName: h.patientName, patientBirthDate: '', studyDate: '', studyDescription: '', accessionNumber: '', modalities: [], numberOfSeries: 0, numberOfInstances: 0 };
        s.numberOfInstances = (s.numberOfInstances ?? 0) + 1;
        studies.set(h.ref.studyInstanceUid, s);
      }
      return [...studies.values()];
    },
    async findSeries(studyUid) {
      up();
      const series = new Set(held.filter((h) => h.ref.studyInstanceUid === studyUid).map((h) => h.ref.seriesInstanceUid));
      return [...series].map((u) => ({ studyInstanceUid: studyUid, seriesInstanceUid: u, modality: '', seriesNumber: null, seriesDescription: '', numberOfInstances: held.filter((h) => h.ref.seriesInstanceUid === u).length }));
    },
    async findInstances(studyUid, seriesUid) {
      up();
      return held.filter((h) => h.ref.studyInstanceUid === studyUid && (!seriesUid || h.ref.seriesInstanceUid === seriesUid)).map((h) => h.ref);
    },
    async fetchInstances(refs, onInstance, opts) {
      const failures: FetchFailure[] = [];
      for (const ref of refs) {
        if (opts.signal?.aborted) throw new PacsError('aborted', 'aborted');
        if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
        if (faults.down) {
          failures.push({ ref, reason: 'connection refused' });
          continue;
        }
        const h = held.find((x) => x.ref.sopInstanceUid === ref.sopInstanceUid);
        if (!h || faults.fail.has(ref.sopInstanceUid)) {
          failures.push({ ref, reason: 'HTTP 404 Not Found' });
          continue;
        }
        fetched.push(ref.sopInstanceUid);
        const bytes = faults.truncate.has(ref.sopInstanceUid) ? h.bytes.subarray(0, Math.floor(h.bytes.length / 3)) : h.bytes;
        await onInstance(ref, Buffer.from(bytes));
      }
      return failures;
    },
    async store(instances) {
      up();
      stored.push(...instances);
      return { stored: instances.map((b) => readSourceInstance(b).sopInstanceUid), failed: [] };
    },
  };
  return { client, held, faults, fetched, stored };
}

/** A model version and a stored diagnosis (unreviewed) of this image. */
export function addDiagnosis(app: App, imageId: string): string {
  const db = app.core.db;
  const versionId = newId();
  const labelSetId = ensureLabelSet(db, { id: newId(), name: 'chest', description: 'test', createdBy: 'test', createdAt: '2026-01-01T00:00:00.000Z' });
  insertVersion(db, {
    id: versionId,
    version: 3,
    labelSetId,
    architecture: 'default',
    classes: ['normal', 'pneumonia'],
    hyperParameters: HYPER,
    split: SPLIT,
    backend: 'wasm',
    durationSeconds: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'test',
    active: false,
    status: 'complete',
    metrics: testMetrics({}),
    temperature: 1,
    artifactsDir: versionId,
  });
  const id = newId();
  insertDiagnosis(db, {
    id,
    imageId,
    modelVersionId: versionId,
    modelVersion: 3,
    classes: ['normal', 'pneumonia'],
    probabilities: [0.13, 0.87],
    predictedClass: 'pneumonia',
    confidence: 0.87,
    threshold: 0.8,
    uncertain: false,
    applicability: IN_SCOPE,
    ood: NOT_FLAGGED,
    heatmap: { width: 4, height: 4, values: [0, 0.1, 0.2, 0.1, 0.1, 0.6, 0.9, 0.3, 0.1, 0.7, 1, 0.4, 0, 0.2, 0.3, 0.1] },
    createdAt: '2026-01-02T09:00:00.000Z',
    createdBy: 'carol',
    review: null,
  });
  return id;
}
