/** The ml feature's SQL, as plain functions of a database handle. */
import type { Db } from '../db/connection';
import type { Applicability, Diagnosis, IntendedUse, ModelProvenance, ModelVersion, OodCalibration, OodScore } from '../../shared/domain/ml';
import { labelSetNames } from '../labels/ports';
import { applicabilityNotRecorded } from './applicability';
import { oodNotAvailable } from './ood';

interface VersionRow {
  id: string;
  version: number;
  label_set_id: string;
  architecture: string;
  classes: string;
  hyper_parameters: string;
  split: string;
  backend: string;
  duration_seconds: number;
  status: 'complete' | 'cancelled';
  metrics: string;
  temperature: number;
  artifacts_dir: string;
  active: number;
  created_at: string;
  created_by: string;
  intended_use: string | null;
  ood: string | null;
  provenance: string | null;
}

const SELECT_VERSION = 'SELECT v.* FROM ml_model_versions v';

/** Rows to versions, each named after its label set (the labels feature owns the names). */
function toVersions(db: Db, rows: VersionRow[]): ModelVersion[] {
  const names = labelSetNames(db, [...new Set(rows.map((r) => r.label_set_id))]);
  // A version's set always exists (a foreign key, and sets are never deleted); the filter keeps the old inner join's meaning.
  return rows.filter((r) => names.has(r.label_set_id)).map((r) => toVersion(r, names.get(r.label_set_id)!));
}

function toVersion(r: VersionRow, labelSetName: string): ModelVersion {
  return {
    id: r.id,
    version: r.version,
    labelSetId: r.label_set_id,
    labelSetName,
    architecture: r.architecture as ModelVersion['architecture'],
    classes: JSON.parse(r.classes) as string[],
    hyperParameters: JSON.parse(r.hyper_parameters) as ModelVersion['hyperParameters'],
    split: JSON.parse(r.split) as ModelVersion['split'],
    backend: r.backend,
    durationSeconds: r.duration_seconds,
    createdAt: r.created_at,
    createdBy: r.created_by,
    active: r.active === 1,
    status: r.status,
    metrics: JSON.parse(r.metrics) as ModelVersion['metrics'],
    intendedUse: r.intended_use ? (JSON.parse(r.intended_use) as IntendedUse) : null,
    ood: r.ood ? (JSON.parse(r.ood) as OodCalibration) : null,
    provenance: r.provenance ? (JSON.parse(r.provenance) as ModelProvenance) : null,
  };
}

/** The number the next saved version gets (versions count up from 1 across all sets). */
export function nextVersionNumber(db: Db): number {
  return ((db.prepare('SELECT MAX(version) AS v FROM ml_model_versions').get() as { v: number | null }).v ?? 0) + 1;
}

/** The active version's id, if one is active. */
export function activeVersionRow(db: Db): { id: string } | undefined {
  return db.prepare('SELECT id FROM ml_model_versions WHERE active = 1').get() as { id: string } | undefined;
}

/** Leaves no version active (before another is made active, in one transaction). */
export function clearActive(db: Db): void {
  db.prepare('UPDATE ml_model_versions SET active = 0 WHERE active = 1').run();
}

/** Marks a version active; the partial unique index refuses a second active one. */
export function setActive(db: Db, id: string): void {
  db.prepare('UPDATE ml_model_versions SET active = 1 WHERE id = ?').run(id);
}

/** Registers a saved version (without intended use, OOD calibration or provenance: stored as not recorded / trained here). */
export function insertVersion(
  db: Db,
  v: Omit<ModelVersion, 'labelSetName' | 'intendedUse' | 'ood' | 'provenance'> & Partial<Pick<ModelVersion, 'intendedUse' | 'ood' | 'provenance'>> & { temperature: number; artifactsDir: string },
): void {
  db.prepare(
    `INSERT INTO ml_model_versions (id, version, label_set_id, architecture, classes, hyper_parameters, split, backend, duration_seconds, status, metrics, temperature, artifacts_dir, active, created_at, created_by, intended_use, ood, provenance)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    v.id,
    v.version,
    v.labelSetId,
    v.architecture,
    JSON.stringify(v.classes),
    JSON.stringify(v.hyperParameters),
    JSON.stringify(v.split),
    v.backend,
    v.durationSeconds,
    v.status,
    JSON.stringify(v.metrics),
    v.temperature,
    v.artifactsDir,
    v.active ? 1 : 0,
    v.createdAt,
    v.createdBy,
    v.intendedUse ? JSON.stringify(v.intendedUse) : null,
    v.ood ? JSON.stringify(v.ood) : null,
    v.provenance ? JSON.stringify(v.provenance) : null,
  );
}

/** Records an intended use where none is (a model imported without a card); answers whether it was recorded. */
export function setIntendedUse(db: Db, id: string, use: IntendedUse): boolean {
  return db.prepare('UPDATE ml_model_versions SET intended_use = ? WHERE id = ? AND intended_use IS NULL').run(JSON.stringify(use), id).changes === 1;
}

/** The version already imported from the package with this manifest hash, if any. */
export function versionImportedFrom(db: Db, packageSha256: string): { id: string; version: number } | undefined {
  return db.prepare("SELECT id, version FROM ml_model_versions WHERE json_extract(provenance, '$.imported.packageSha256') = ?").get(packageSha256) as { id: string; version: number } | undefined;
}

/** Records which side of the split each image of a version was on. */
export function insertSplit(db: Db, versionId: string, rows: { imageId: string; split: string; className: string }[]): void {
  const ins = db.prepare('INSERT INTO ml_split_assignments (model_version_id, image_id, split, class_name) VALUES (?, ?, ?, ?)');
  for (const r of rows) ins.run(versionId, r.imageId, r.split, r.className);
}

/** A version's split assignments, ordered by image id. */
export function splitOf(db: Db, versionId: string): { imageId: string; split: string; className: string }[] {
  return db.prepare('SELECT image_id AS imageId, split, class_name AS className FROM ml_split_assignments WHERE model_version_id = ? ORDER BY image_id').all(versionId) as {
    imageId: string;
    split: string;
    className: string;
  }[];
}

/** Versions (of one label set when given), newest first, each named after its set. */
export function listVersions(db: Db, labelSetId?: string): ModelVersion[] {
  const rows = (labelSetId ? db.prepare(`${SELECT_VERSION} WHERE v.label_set_id = ? ORDER BY v.version DESC`).all(labelSetId) : db.prepare(`${SELECT_VERSION} ORDER BY v.version DESC`).all()) as VersionRow[];
  return toVersions(db, rows);
}

/** One version, named after its set, or null. */
export function getVersion(db: Db, id: string): ModelVersion | null {
  const r = db.prepare(`${SELECT_VERSION} WHERE v.id = ?`).get(id) as VersionRow | undefined;
  return r ? (toVersions(db, [r])[0] ?? null) : null;
}

/** A version's artifacts folder, relative to the models folder. */
export function artifactsDir(db: Db, id: string): string {
  return (db.prepare('SELECT artifacts_dir FROM ml_model_versions WHERE id = ?').get(id) as { artifacts_dir: string }).artifacts_dir;
}

/** The label set a version was trained on. */
export function versionLabelSet(db: Db, id: string): string {
  return (db.prepare('SELECT label_set_id FROM ml_model_versions WHERE id = ?').get(id) as { label_set_id: string }).label_set_id;
}

/** The active version if it belongs to the set, else the set's newest. */
export function versionForSet(db: Db, labelSetId: string): string | null {
  const r = db.prepare('SELECT id FROM ml_model_versions WHERE label_set_id = ? ORDER BY active DESC, version DESC LIMIT 1').get(labelSetId) as { id: string } | undefined;
  return r?.id ?? null;
}

interface DiagnosisRow {
  id: string;
  image_id: string;
  model_version_id: string;
  version: number;
  classes: string;
  probabilities: string;
  predicted_class: string;
  confidence: number;
  threshold: number;
  uncertain: number;
  heatmap: string;
  created_at: string;
  created_by: string;
  review_decision: 'confirmed' | 'overridden' | null;
  review_class: string | null;
  review_reason: string | null;
  review_by: string | null;
  review_at: string | null;
  review_label_id: number | null;
  applicability: string | null;
  ood: string | null;
}

const SELECT_DIAGNOSIS = `SELECT d.*, v.version, v.classes FROM ml_diagnoses d JOIN ml_model_versions v ON v.id = d.model_version_id`;

function toDiagnosis(r: DiagnosisRow): Diagnosis {
  return {
    id: r.id,
    imageId: r.image_id,
    modelVersionId: r.model_version_id,
    modelVersion: r.version,
    classes: JSON.parse(r.classes) as string[],
    probabilities: JSON.parse(r.probabilities) as number[],
    predictedClass: r.predicted_class,
    confidence: r.confidence,
    threshold: r.threshold,
    uncertain: r.uncertain === 1,
    // Diagnoses stored before these were checked say so rather than claiming a check.
    applicability: r.applicability ? (JSON.parse(r.applicability) as Applicability) : applicabilityNotRecorded(r.version),
    ood: r.ood ? (JSON.parse(r.ood) as OodScore) : oodNotAvailable(),
    heatmap: JSON.parse(r.heatmap) as Diagnosis['heatmap'],
    createdAt: r.created_at,
    createdBy: r.created_by,
    review: r.review_decision ? { decision: r.review_decision, className: r.review_class!, reason: r.review_reason ?? '', by: r.review_by!, at: r.review_at!, labelId: r.review_label_id } : null,
  };
}

/** Stores a diagnosis (without a review; without applicability or OOD score: stored as not checked). */
export function insertDiagnosis(db: Db, d: Omit<Diagnosis, 'applicability' | 'ood'> & Partial<Pick<Diagnosis, 'applicability' | 'ood'>>): void {
  db.prepare(
    `INSERT INTO ml_diagnoses (id, image_id, model_version_id, probabilities, predicted_class, confidence, threshold, uncertain, heatmap, created_at, created_by, applicability, ood)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    d.id,
    d.imageId,
    d.modelVersionId,
    JSON.stringify(d.probabilities),
    d.predictedClass,
    d.confidence,
    d.threshold,
    d.uncertain ? 1 : 0,
    JSON.stringify(d.heatmap),
    d.createdAt,
    d.createdBy,
    d.applicability ? JSON.stringify(d.applicability) : null,
    d.ood ? JSON.stringify(d.ood) : null,
  );
}

/** One diagnosis with its model version number and classes, or null. */
export function getDiagnosis(db: Db, id: string): Diagnosis | null {
  const r = db.prepare(`${SELECT_DIAGNOSIS} WHERE d.id = ?`).get(id) as DiagnosisRow | undefined;
  return r ? toDiagnosis(r) : null;
}

/** Diagnoses newest first (of one image when given), at most `limit`. */
export function listDiagnoses(db: Db, imageId: string | undefined, limit: number): Diagnosis[] {
  const rows = (imageId ? db.prepare(`${SELECT_DIAGNOSIS} WHERE d.image_id = ? ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?`).all(imageId, limit) : db.prepare(`${SELECT_DIAGNOSIS} ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?`).all(limit)) as DiagnosisRow[];
  return rows.map(toDiagnosis);
}

/** Records a clinician's review once (and only the review): a reviewed diagnosis is never changed. Answers whether it was recorded. */
export function setReview(db: Db, id: string, r: { decision: 'confirmed' | 'overridden'; className: string; reason: string; by: string; at: string }): boolean {
  return (
    db.prepare('UPDATE ml_diagnoses SET review_decision = ?, review_class = ?, review_reason = ?, review_by = ?, review_at = ? WHERE id = ? AND review_decision IS NULL').run(r.decision, r.className, r.reason, r.by, r.at, id)
      .changes === 1
  );
}

/** Records the label row the explicit "add image to label set" action wrote from a reviewed diagnosis (once). Answers whether it was recorded. */
export function setReviewLabel(db: Db, id: string, labelId: number): boolean {
  return db.prepare('UPDATE ml_diagnoses SET review_label_id = ? WHERE id = ? AND review_decision IS NOT NULL AND review_label_id IS NULL').run(labelId, id).changes === 1;
}
