// Over 450 lines: export, verification, both kinds of import and the fine-tuning starting point share one file format's helpers.
/**
 * Model packages: a model version as a folder that can leave the workstation, and back.
 *
 * A package holds the TF.js LayersModel as tfjs saves it (`model.json` + `weights.bin`), the
 * OOD statistics (`ood.json`, when the version has them), the model card (`card.json`: the
 * version with its metrics, hyper-parameters, split summary and provenance), its intended use
 * (`intended-use.json`), what a prediction needs to be reproduced and checked
 * (`prediction.json`: classes, input size and channels, preprocessing, temperature, OOD
 * calibration, thresholds), and `manifest.json`: the package format version, the CareLens
 * version that wrote it, and the SHA-256 and size of every other file, with a `check` over
 * the manifest's own bytes. Import checks all of it and refuses, naming the file, on the first
 * difference. The hashes catch damage and edits; they are not a signature (anyone can write a
 * consistent package), so where a package came from is recorded on the card, and an imported
 * model is never made active by import.
 *
 * A plain TF.js LayersModel (model.json + weight files, no CareLens card) can be imported
 * too: its classes, input size and channels must be given, and its intended use is unknown,
 * so every prediction it makes is out of scope until a clinician records one (docs/safety.md).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import { NO_CARD_REASON, type Applicability, type Architecture, type HyperParameters, type ImportedFrom, type ModelMetrics, type ModelVersion, type ModelVersionSummary } from '../../shared/domain/ml';
import type { ExportedPackage, ImportedPackage } from '../../shared/ipc/ml';
import { ensureLabelClass, ensureLabelSet, findLabelSet } from '../labels/ports';
import { assertFolderAllowed } from '../system/ports';
import type { ModelVersions } from './ModelVersions';
import * as repo from './mlRepository';
import { minClassRecall, referThreshold } from './thresholds';
import type { TrainingPlan, TrainOptions } from './trainingPlan';

/** The package format this CareLens writes and the newest it reads. */
export const PACKAGE_FORMAT = 1;
export const PACKAGE_KIND = 'carelens-model-package';
const MANIFEST = 'manifest.json';
const ZERO_CHECK = '0'.repeat(64);
const CHECK_RE = /"check":"([0-9a-f]{64})"/;
/** File names a package may hold: plain names, no folders (nothing outside the package is ever read or written). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface PackageManifest {
  format: typeof PACKAGE_KIND;
  formatVersion: number;
  carelensVersion: string;
  exportedAt: string;
  exportedBy: string;
  modelVersionId: string;
  files: ManifestFile[];
  /** SHA-256 of manifest.json's bytes with this value written as 64 zeros. */
  check: string;
}

/** What `prediction.json` says: everything a prediction needs besides the weights. */
export interface PredictionSpec {
  classes: string[];
  inputSize: number;
  channels: number;
  /** Input preprocessing recorded with the version's hyper-parameters (absent for versions trained before it was). */
  input: HyperParameters['input'] | null;
  pixels: string;
  output: string;
  temperature: number;
  ood: ModelVersion['ood'];
  oodStatistics: string | null;
  /** The exporting clinic's referral threshold and minimum class recall, for information: the importing clinic's own apply. */
  thresholds: { referral: number; minClassRecall: number };
}


export interface ImportOptions {
  dir: string;
  labelSet?: string;
  /** A plain LayersModel only: its classes in output order, input size and channels. */
  classes?: string[];
  inputSize?: number;
  channels?: 1 | 3;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function refuse(file: string, reason: string, key = 'tampered'): never {
  throw new AppError('VALIDATION', `The model package was refused: ${file}: ${reason}`, { key: `errors.mlPackages.${key}`, params: { file, reason } });
}

// ------------------------------------------------------------------------------------------ the TF.js files

interface ModelJson {
  format?: string;
  modelTopology: { class_name?: string; config?: { name?: string; layers?: { class_name: string; config: Record<string, unknown> }[] } } & Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: unknown[] }[];
  [k: string]: unknown;
}

function parseModelJson(bytes: Buffer, file = 'model.json'): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(bytes.toString('utf8')) as ModelJson;
  } catch {
    refuse(file, 'it is not JSON', 'notLayersModel');
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) refuse(file, 'it is not a TF.js LayersModel (no modelTopology or weightsManifest)', 'notLayersModel');
  for (const group of json.weightsManifest) for (const p of group.paths ?? []) if (!SAFE_NAME.test(p)) refuse(file, `its weight file "${p}" is not a plain file name in the same folder`, 'notLayersModel');
  return json;
}

/** What the topology says about the model's input and output (a Sequential model, or a functional one with one input). */
export interface TopologyFacts {
  sequential: boolean;
  inputShape: (number | null)[] | null;
  outputUnits: number | null;
  lastLayer: string | null;
  lastActivation: string | null;
}

export function topologyFacts(json: ModelJson): TopologyFacts {
  const topo = (json.modelTopology.model_config as ModelJson['modelTopology'] | undefined) ?? json.modelTopology;
  const layers = topo.config?.layers ?? [];
  const first = layers[0]?.config as { batch_input_shape?: (number | null)[] } | undefined;
  const last = layers.at(-1);
  return {
    sequential: topo.class_name === 'Sequential',
    inputShape: first?.batch_input_shape ?? null,
    outputUnits: last?.class_name === 'Dense' ? ((last.config.units as number | undefined) ?? null) : null,
    lastLayer: last?.class_name ?? null,
    lastActivation: (last?.config.activation as string | undefined) ?? null,
  };
}

/** The weight files model.json names, in the order tfjs reads them. */
function weightFiles(json: ModelJson): string[] {
  return json.weightsManifest.flatMap((g) => g.paths);
}

// ------------------------------------------------------------------------------------------ export

/**
 * Writes a version as a package into `outDir` (new or empty; a user's own folders only, the
 * CLI anywhere). Answers what was written and the package's hash (of manifest.json).
 */
export function exportPackage(core: Pick<Core, 'settings' | 'clock' | 'version'>, versions: ModelVersions, id: string, outDir: string, actor: string): ExportedPackage {
  const v = versions.get(id);
  if (!path.isAbsolute(outDir)) throw new AppError('VALIDATION', 'The package folder must be a full (absolute) path.', { key: 'errors.mlPackages.absolutePath', issues: [{ path: 'outDir', message: 'Use an absolute path', key: 'errors.issues.absolutePath' }] });
  const dir = assertFolderAllowed(core.settings, actor, outDir, 'write', 'outDir');
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new AppError('CONFLICT', `${dir} is a file, not a folder.`, { key: 'errors.mlPackages.fileNotFolder', params: { dir } });
    if (fs.readdirSync(dir).length > 0) throw new AppError('CONFLICT', `${dir} is not empty; choose an empty or new folder so no file is overwritten.`, { key: 'errors.mlPackages.folderNotEmpty', params: { dir } });
  }
  const src = versions.modelDir(v);
  const modelJson = fs.readFileSync(path.join(src, 'model.json'));
  const weights = weightFiles(parseModelJson(modelJson));
  const files = new Map<string, Buffer>();
  files.set('model.json', modelJson);
  for (const w of weights) files.set(w, fs.readFileSync(path.join(src, w)));
  const oodFile = path.join(src, 'ood.json');
  if (fs.existsSync(oodFile)) files.set('ood.json', fs.readFileSync(oodFile));
  const json = (x: unknown) => Buffer.from(`${JSON.stringify(x, null, 2)}\n`);
  files.set('card.json', json(v));
  files.set('intended-use.json', json(v.intendedUse));
  const prediction: PredictionSpec = {
    classes: v.classes,
    inputSize: v.hyperParameters.inputSize,
    channels: v.hyperParameters.channels,
    input: v.hyperParameters.input ?? null,
    pixels: 'decoded by CareLens (DICOM through its VOI window, MONOCHROME1 inverted), grey or RGB as `channels` says (grey repeated into 3 channels), resized to inputSize x inputSize, 8-bit values / 255 (0..1), channels last',
    output: 'logits (no softmax layer); probabilities = softmax(logits / temperature)',
    temperature: v.metrics.temperature,
    ood: v.ood,
    oodStatistics: files.has('ood.json') ? 'ood.json' : null,
    thresholds: { referral: referThreshold(core.settings).threshold, minClassRecall: minClassRecall(core.settings).minClassRecall },
  };
  files.set('prediction.json', json(prediction));

  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const listed: ManifestFile[] = [];
  for (const [name, bytes] of files) {
    fs.writeFileSync(path.join(dir, name), bytes, { mode: 0o600 });
    listed.push({ path: name, sha256: sha256(bytes), bytes: bytes.length });
  }
  const manifest: PackageManifest = {
    format: PACKAGE_KIND,
    formatVersion: PACKAGE_FORMAT,
    carelensVersion: core.version,
    exportedAt: core.clock.now().toISOString(),
    exportedBy: actor,
    modelVersionId: v.id,
    files: listed,
    check: ZERO_CHECK,
  };
  const draft = Buffer.from(`${JSON.stringify(manifest)}\n`);
  const final = Buffer.from(draft.toString('utf8').replace(`"check":"${ZERO_CHECK}"`, `"check":"${sha256(draft)}"`));
  fs.writeFileSync(path.join(dir, MANIFEST), final, { mode: 0o600 });
  return { dir, modelVersionId: v.id, version: v.version, packageSha256: sha256(final), files: listed };
}

// ------------------------------------------------------------------------------------------ verification

export interface VerifiedPackage {
  dir: string;
  manifest: PackageManifest;
  packageSha256: string;
  /** The verified bytes of every listed file (read once, so nothing changes between check and use). */
  files: Map<string, Buffer>;
}

/** Whether a folder holds a CareLens package (a manifest.json). */
export function isPackage(dir: string): boolean {
  return fs.existsSync(path.join(dir, MANIFEST));
}

/**
 * Reads and checks a package: its format and version, the manifest's own check, and every
 * file's size and SHA-256. Refuses (VALIDATION, naming the file) on the first difference.
 */
export function verifyPackage(dir: string, carelensVersion: string): VerifiedPackage {
  const raw = fs.readFileSync(path.join(dir, MANIFEST));
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(raw.toString('utf8')) as PackageManifest;
  } catch {
    refuse(MANIFEST, 'it is not valid JSON (damaged or edited)');
  }
  if (manifest?.format !== PACKAGE_KIND || !Number.isInteger(manifest.formatVersion) || !Array.isArray(manifest.files)) refuse(MANIFEST, 'it is not a CareLens model package manifest');
  if (manifest.formatVersion > PACKAGE_FORMAT) {
    throw new AppError(
      'VALIDATION',
      `The model package was refused: it was written by CareLens ${manifest.carelensVersion} in package format ${manifest.formatVersion}; this CareLens (${carelensVersion}) reads package formats up to ${PACKAGE_FORMAT}. Update CareLens to import it.`,
      { key: 'errors.mlPackages.newerFormat', params: { carelensVersion: String(manifest.carelensVersion), format: manifest.formatVersion, ours: carelensVersion, supported: PACKAGE_FORMAT } },
    );
  }
  const text = raw.toString('utf8');
  const m = CHECK_RE.exec(text);
  if (!m || sha256(Buffer.from(text.replace(m[0], `"check":"${ZERO_CHECK}"`))) !== m[1]) refuse(MANIFEST, 'its check does not match its contents (damaged or edited)');
  const files = new Map<string, Buffer>();
  for (const f of manifest.files) {
    if (typeof f?.path !== 'string' || !SAFE_NAME.test(f.path) || f.path === MANIFEST) refuse(MANIFEST, `it lists "${String(f?.path)}", which is not a plain file name in the package folder`);
    const file = path.join(dir, f.path);
    if (!fs.existsSync(file)) refuse(f.path, 'the file is missing', 'missingFile');
    const bytes = fs.readFileSync(file);
    if (bytes.length !== f.bytes) refuse(f.path, `its size is ${bytes.length} bytes, the manifest says ${f.bytes} (damaged or edited)`);
    if (sha256(bytes) !== f.sha256) refuse(f.path, 'its SHA-256 does not match the manifest (damaged or edited)');
    files.set(f.path, bytes);
  }
  for (const needed of ['model.json', 'card.json', 'prediction.json']) if (!files.has(needed)) refuse(needed, 'the manifest does not list it', 'missingFile');
  const model = parseModelJson(files.get('model.json')!);
  for (const w of weightFiles(model)) if (!files.has(w)) refuse(w, 'model.json needs it but the manifest does not list it', 'missingFile');
  return { dir, manifest, packageSha256: sha256(raw), files };
}

// ------------------------------------------------------------------------------------------ import

/** The label set an imported model is registered under: the named (or the package's) set, created with the model's classes when missing. */
function labelSetFor(core: Pick<Core, 'db' | 'clock'>, name: string, classes: string[], who: string): { id: string; name: string } {
  const existing = findLabelSet(core.db, name);
  if (existing && existing.name === name) {
    if (existing.classes.length && existing.classes.join('\u0000') !== classes.join('\u0000')) {
      throw new AppError('VALIDATION', `The label set "${name}" has the classes ${existing.classes.join(', ')}; the model's are ${classes.join(', ')}. Import it under another label set (--label-set NAME).`, {
        key: 'errors.mlPackages.labelSetClasses',
        params: { name, theirs: existing.classes.join(', '), ours: classes.join(', ') },
      });
    }
    classes.forEach((c, i) => ensureLabelClass(core.db, existing.id, c, i));
    return { id: existing.id, name };
  }
  const id = ensureLabelSet(core.db, { id: newId(), name, description: 'Created for an imported model.', createdAt: core.clock.now().toISOString(), createdBy: who });
  classes.forEach((c, i) => ensureLabelClass(core.db, id, c, i));
  return { id, name };
}

/** Metrics of a model nobody has tested here: no test images (activation then needs a written reason). */
function untestedMetrics(): ModelMetrics {
  return {
    test: { n: 0, accuracy: 0, perClass: [], confusion: [], rocAuc: null, ece: 0, eceBeforeScaling: 0, reliability: [] },
    temperature: 1,
    subgroups: [],
    missingAttributes: [],
    history: [],
    bestEpoch: 0,
  };
}

/**
 * The model files as CareLens keeps them: model.json and one weights.bin (tfjs reads the
 * shards of a weights manifest in order, so they are concatenated in that order), and the
 * changes made, in words. A Dense softmax output is turned into logits (the same
 * probabilities after CareLens's softmax); other output activations are refused.
 */
function normalisedModel(model: ModelJson, read: (name: string) => Buffer): { modelJson: Buffer; weights: Buffer; changes: string[]; facts: TopologyFacts } {
  const facts = topologyFacts(model);
  const changes: string[] = [];
  if (facts.lastLayer !== 'Dense') refuse('model.json', `the model ends in a ${facts.lastLayer ?? 'unknown'} layer; CareLens needs a Dense output layer (logits or softmax)`, 'notLayersModel');
  if (facts.lastActivation && facts.lastActivation !== 'linear') {
    if (facts.lastActivation !== 'softmax') refuse('model.json', `its output layer's activation is ${facts.lastActivation}; CareLens needs logits or a softmax`, 'notLayersModel');
    const topo = (model.modelTopology.model_config as ModelJson['modelTopology'] | undefined) ?? model.modelTopology;
    topo.config!.layers!.at(-1)!.config.activation = 'linear';
    changes.push('The softmax of the output layer was removed so the model gives logits; CareLens applies the softmax (the same probabilities at temperature 1).');
  }
  const names = weightFiles(model);
  const weights = Buffer.concat(names.map(read));
  const single = names.length === 1 && names[0] === 'weights.bin';
  if (!single) changes.push(`Weight files ${names.join(', ')} joined into weights.bin in the order tfjs reads them.`);
  const out = { ...model, weightsManifest: [{ paths: ['weights.bin'], weights: model.weightsManifest.flatMap((g) => g.weights) }] };
  return { modelJson: Buffer.from(changes.length ? JSON.stringify(out) : JSON.stringify(model)), weights, changes, facts };
}

function checkInput(facts: TopologyFacts, inputSize: number, channels: number, classes: number, where: string): void {
  const [, h, w, c] = facts.inputShape ?? [];
  if (!facts.inputShape || facts.inputShape.length !== 4) refuse(where, `the model's input is ${JSON.stringify(facts.inputShape)}; CareLens feeds images as [batch, size, size, channels]`, 'notLayersModel');
  if (h !== inputSize || w !== inputSize || c !== channels) refuse(where, `the model's input is ${h} x ${w} x ${c}; expected ${inputSize} x ${inputSize} x ${channels}`, 'inputMismatch');
  if (facts.outputUnits !== classes) refuse(where, `the model has ${facts.outputUnits} outputs; ${classes} classes were given`, 'inputMismatch');
}

/**
 * Imports a package (every hash checked) or a plain TF.js LayersModel folder and registers it
 * as a new, inactive version. Activation stays the reviewed step (ml:activate).
 */
export function importPackage(core: Core, versions: ModelVersions, o: ImportOptions, who: string): ImportedPackage {
  if (!path.isAbsolute(o.dir)) throw new AppError('VALIDATION', 'The package folder must be a full (absolute) path.', { key: 'errors.mlPackages.absolutePath', issues: [{ path: 'dir', message: 'Use an absolute path', key: 'errors.issues.absolutePath' }] });
  const dir = assertFolderAllowed(core.settings, who, o.dir, 'read', 'dir');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('NOT_FOUND', `There is no folder at ${dir}.`, { key: 'errors.mlPackages.noFolder', params: { dir } });
  const now = core.clock.now().toISOString();
  const versionId = newId();
  const outDir = path.join(core.paths.models, versionId);

  if (isPackage(dir)) {
    const pkg = verifyPackage(dir, core.version);
    const dup = repo.versionImportedFrom(core.db, pkg.packageSha256);
    if (dup) throw new AppError('CONFLICT', `This model is already imported as model v${dup.version} (${dup.id}).`, { key: 'errors.mlPackages.alreadyImported', params: { version: dup.version, id: dup.id } });
    const card = JSON.parse(pkg.files.get('card.json')!.toString('utf8')) as ModelVersion;
    const spec = JSON.parse(pkg.files.get('prediction.json')!.toString('utf8')) as PredictionSpec;
    if (!Array.isArray(card.classes) || card.classes.join('\u0000') !== spec.classes?.join('\u0000')) refuse('card.json', 'its classes differ from prediction.json');
    const model = normalisedModel(parseModelJson(pkg.files.get('model.json')!), (n) => pkg.files.get(n)!);
    checkInput(model.facts, spec.inputSize, spec.channels, spec.classes.length, 'model.json');
    const set = labelSetFor(core, o.labelSet ?? card.labelSetName, card.classes, who);
    const imported: ImportedFrom = {
      card: 'carelens',
      at: now,
      by: who,
      packageSha256: pkg.packageSha256,
      packageFormat: pkg.manifest.formatVersion,
      carelensVersion: pkg.manifest.carelensVersion,
      source: { versionId: card.id, version: card.version, labelSetName: card.labelSetName, createdAt: card.createdAt, createdBy: card.createdBy, exportedAt: pkg.manifest.exportedAt, exportedBy: pkg.manifest.exportedBy },
      changes: model.changes,
    };
    writeModelFiles(outDir, model.modelJson, model.weights, pkg.files.get('ood.json') ?? null);
    register(versions, {
      id: versionId,
      labelSetId: set.id,
      architecture: card.architecture,
      classes: card.classes,
      hyperParameters: { ...card.hyperParameters, inputSize: spec.inputSize, channels: spec.channels },
      split: card.split,
      backend: card.backend,
      durationSeconds: card.durationSeconds,
      metrics: { ...card.metrics, temperature: spec.temperature },
      artifactsDir: versionId,
      createdAt: now,
      createdBy: who,
      intendedUse: card.intendedUse,
      ood: pkg.files.has('ood.json') ? spec.ood : null,
      provenance: { ...(card.provenance ?? {}), imported },
    });
    return { ...summaryOfVersion(versions.get(versionId)), packageSha256: pkg.packageSha256, card: 'carelens' };
  }

  const modelFile = path.join(dir, 'model.json');
  if (!fs.existsSync(modelFile)) throw new AppError('VALIDATION', `${dir} holds neither a CareLens model package (manifest.json) nor a TF.js LayersModel (model.json).`, { key: 'errors.mlPackages.notAPackage', params: { dir } });
  if (!o.classes || o.classes.length < 2 || o.inputSize === undefined || o.channels === undefined) {
    throw new AppError('VALIDATION', 'This folder holds a TF.js LayersModel without a CareLens card: give its classes in output order (at least two), its input size and its channels (--classes a,b --input-size N --channels 1|3).', { key: 'errors.mlPackages.plainNeedsFacts' });
  }
  if (new Set(o.classes).size !== o.classes.length) throw new AppError('VALIDATION', 'The classes must be different from one another.', { key: 'errors.mlPackages.duplicateClasses' });
  const raw = fs.readFileSync(modelFile);
  const parsed = parseModelJson(raw);
  const model = normalisedModel(parsed, (n) => {
    const f = path.join(dir, n);
    if (!fs.existsSync(f)) refuse(n, 'model.json needs it but it is not in the folder', 'missingFile');
    return fs.readFileSync(f);
  });
  checkInput(model.facts, o.inputSize, o.channels, o.classes.length, 'model.json');
  const packageSha256 = sha256(raw);
  const dup = repo.versionImportedFrom(core.db, packageSha256);
  if (dup) throw new AppError('CONFLICT', `This model is already imported as model v${dup.version} (${dup.id}).`, { key: 'errors.mlPackages.alreadyImported', params: { version: dup.version, id: dup.id } });
  const set = labelSetFor(core, o.labelSet ?? `imported ${path.basename(dir)}`, o.classes, who);
  writeModelFiles(outDir, model.modelJson, model.weights, null);
  const zero = { train: 0, val: 0, test: 0 };
  register(versions, {
    id: versionId,
    labelSetId: set.id,
    architecture: 'imported',
    classes: o.classes,
    hyperParameters: { epochs: 0, batchSize: 0, learningRate: 0, optimizer: 'adam', inputSize: o.inputSize, channels: o.channels, augment: { horizontalFlip: false, maxShift: 0 }, earlyStoppingPatience: 0, seed: 0 },
    split: { mode: 'predefined', seed: 0, counts: zero, classCounts: { train: {}, val: {}, test: {} }, subjects: zero },
    backend: 'unknown',
    durationSeconds: 0,
    metrics: untestedMetrics(),
    artifactsDir: versionId,
    createdAt: now,
    createdBy: who,
    intendedUse: null,
    ood: null,
    provenance: { imported: { card: 'none', at: now, by: who, packageSha256, packageFormat: null, carelensVersion: null, source: null, changes: model.changes } },
  });
  return { ...summaryOfVersion(versions.get(versionId)), packageSha256, card: 'none' };
}

function writeModelFiles(outDir: string, modelJson: Buffer, weights: Buffer, ood: Buffer | null): void {
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'model.json'), modelJson);
  fs.writeFileSync(path.join(outDir, 'weights.bin'), weights);
  if (ood) fs.writeFileSync(path.join(outDir, 'ood.json'), ood);
}

type Registration = Omit<ModelVersion, 'labelSetName' | 'version' | 'active' | 'status'> & { artifactsDir: string };

/** Registers the copied files as a version; removes them again when that fails. */
function register(versions: ModelVersions, r: Registration): void {
  try {
    versions.registerImported(r);
  } catch (err) {
    fs.rmSync(path.join(versions.modelsRoot(), r.artifactsDir), { recursive: true, force: true });
    throw err;
  }
}

function summaryOfVersion(v: ModelVersion): ModelVersionSummary {
  const { metrics, ...rest } = v;
  return { ...rest, testAccuracy: metrics.test.accuracy, testRocAuc: metrics.test.rocAuc, testEce: metrics.test.ece };
}

/** What a clinician records as the intended use of a model imported without a card. */
export interface DeclaredUse {
  id: string;
  /** DICOM modalities it is for (upper case); empty with `withoutModality` for PNG/JPEG images. */
  modalities: string[];
  /** It is for images that carry no modality (PNG, JPEG). */
  withoutModality: boolean;
  bodyParts: string[];
  colour: ('grey' | 'colour')[];
  formats: ('png' | 'jpeg' | 'dicom')[];
  /** Smallest and largest original side, in pixels. */
  minSize: number;
  maxSize: number;
  /** Why the clinician knows this (the model's documentation, its source): kept on the card and in the audit trail. */
  reason: string;
}

/**
 * Records the intended use of a model imported without a CareLens card, once: from then on its
 * predictions are checked against it like any other model's. CONFLICT for a version that has one.
 */
export function declareIntendedUse(core: Pick<Core, 'db' | 'clock'>, versions: ModelVersions, d: DeclaredUse, who: string): ModelVersion {
  const v = versions.get(d.id);
  if (v.provenance?.imported?.card !== 'none' || v.intendedUse) {
    throw new AppError('CONFLICT', `Model v${v.version} already has an intended use from its training; only a model imported without a CareLens card can have one recorded by hand.`, { key: 'errors.mlPackages.hasIntendedUse', params: { version: v.version } });
  }
  if (!d.modalities.length && !d.withoutModality) throw new AppError('VALIDATION', 'Name the modalities the model is for, or say it is for images without a modality (PNG, JPEG).', { key: 'errors.mlPackages.declareModality' });
  if (d.minSize > d.maxSize) throw new AppError('VALIDATION', 'The smallest size is larger than the largest.', { key: 'errors.mlPackages.declareSize' });
  const use = {
    images: 0,
    modalities: [...new Set(d.modalities.map((m) => m.trim().toUpperCase()).filter(Boolean))].sort(),
    imagesWithoutModality: d.withoutModality ? 1 : 0,
    bodyParts: [...new Set(d.bodyParts.map((b) => b.trim().toUpperCase()).filter(Boolean))].sort(),
    imagesWithoutBodyPart: 0,
    photometric: [],
    colour: [...new Set(d.colour)],
    formats: [...new Set(d.formats)].sort(),
    size: { minWidth: d.minSize, maxWidth: d.maxSize, minHeight: d.minSize, maxHeight: d.maxSize },
    labelSetId: v.labelSetId,
    labelSetName: v.labelSetName,
    classes: v.classes,
    declared: { by: who, at: core.clock.now().toISOString(), reason: d.reason },
  };
  if (!repo.setIntendedUse(core.db, v.id, use)) throw new AppError('CONFLICT', `Model v${v.version} already has an intended use from its training; only a model imported without a CareLens card can have one recorded by hand.`, { key: 'errors.mlPackages.hasIntendedUse', params: { version: v.version } });
  return versions.get(v.id);
}

/** The applicability of a prediction by a model imported without a CareLens card: out of scope, always, until its intended use is recorded. */
export function intendedUseUnknown(): Applicability {
  return { inScope: false, reasons: [NO_CARD_REASON] };
}

// ------------------------------------------------------------------------------------------ fine-tuning: where it starts

/**
 * Resolves `--from` (a version id of this data folder, or a CareLens package folder, every
 * hash checked) and adapts the plan to it: the source's architecture, input size, channels
 * and preprocessing; the head replaced when the classes differ (then the backbone frozen
 * for `freezeEpochs`, 2 by default). Refuses explicit options the source model cannot take.
 */
export function withStartingPoint(core: Pick<Core, 'db' | 'paths' | 'settings' | 'version'>, input: TrainOptions, planFor: (architecture?: Architecture) => TrainingPlan, who: string): TrainingPlan {
  if (!input.from) return planFor();
  let source: ModelVersion;
  let modelDir: string;
  let packageSha256: string | null = null;
  const byId = repo.getVersion(core.db, input.from);
  if (byId) {
    source = byId;
    modelDir = path.join(core.paths.models, repo.artifactsDir(core.db, byId.id));
  } else {
    const dir = assertFolderAllowed(core.settings, who, path.resolve(input.from), 'read', 'from');
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('NOT_FOUND', `--from names neither a model version of this data folder nor a package folder: ${input.from}.`, { key: 'errors.mlPackages.noSuchSource', params: { from: input.from } });
    if (!isPackage(dir)) throw new AppError('VALIDATION', `${dir} is not a CareLens model package; import a plain TF.js model first (carelens models import), then start from its version.`, { key: 'errors.mlPackages.fromNeedsPackage', params: { dir } });
    const pkg = verifyPackage(dir, core.version);
    source = JSON.parse(pkg.files.get('card.json')!.toString('utf8')) as ModelVersion;
    modelDir = dir;
    packageSha256 = pkg.packageSha256;
  }
  const h = source.hyperParameters;
  const bad = (what: string, given: unknown, theirs: unknown) => {
    throw new AppError('VALIDATION', `Fine-tuning starts from model v${source.version}, whose ${what} is ${String(theirs)}; ${String(given)} was asked for. Leave it out (it follows the source model).`, { key: 'errors.mlPackages.fromMismatch', params: { version: source.version, what, given: String(given), theirs: String(theirs) } });
  };
  if (input.architecture && input.architecture !== source.architecture) bad('architecture', input.architecture, source.architecture);
  if (input.inputSize !== undefined && input.inputSize !== h.inputSize) bad('input size', input.inputSize, h.inputSize);
  if (input.channels !== undefined && input.channels !== h.channels) bad('channel count', input.channels, h.channels);
  if (h.channels !== 1 && h.channels !== 3) bad('channel count', 'grey or RGB images', h.channels);
  // The source's architecture's recipe (optimiser, learning rate, augmentation), with the caller's overrides.
  // A model imported without a card keeps its own layers and trains with the default recipe (the version stays 'imported': ModelVersions.record).
  const plan = planFor(source.architecture === 'imported' ? undefined : source.architecture);
  const replaceHead = source.classes.join('\u0000') !== plan.set.classes.join('\u0000');
  const freezeEpochs = Math.min(input.freezeEpochs ?? (replaceHead ? 2 : 0), plan.hyper.epochs);
  const hyper: HyperParameters = { ...plan.hyper, inputSize: h.inputSize, channels: h.channels, ...(h.input ? { input: h.input } : {}) };
  if (!h.input) delete hyper.input;
  return {
    ...plan,
    hyper,
    start: {
      init: { modelDir, replaceHead, freezeEpochs, seed: hyper.seed },
      startedFrom: {
        versionId: source.id,
        version: source.version,
        packageSha256,
        architecture: source.architecture,
        classes: source.classes,
        labelSetName: source.labelSetName,
        trainingImages: source.intendedUse?.images ?? null,
        headReplaced: replaceHead,
        freezeEpochs,
      },
    },
  };
}
