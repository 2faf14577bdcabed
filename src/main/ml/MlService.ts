import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { startMlWorker } from './startMlWorker';
import { AppError } from '../../shared/ipc/envelope';
import type { BackendInfo } from '../../shared/ipc/system';
import type { DisplayImage, FilePrediction } from '../../shared/ipc/ml';
import type {
  Architecture,
  Diagnosis,
  HyperParameters,
  ModelMetrics,
  ModelVersion,
  ModelVersionSummary,
  SplitMode,
  SubgroupMetrics,
  TrainingProgress,
  TrainingRun,
} from '../../shared/domain/ml';
import { storePath } from '../imaging/store';
import { decodeStoredImage, toGray8 } from '../imaging/pixels';
import { assignSplits, findLabelSet, labelledImages, summariseSplit, type LabelledImage } from './dataset';
import { fitTemperature, softmax, splitMetrics } from './metrics';
import { defaultHyper, type Heatmap, type TrainResult } from './trainer';
import type { FromWorker, PredictRequest, ToWorker } from './protocol';
import * as repo from './mlRepository';

export interface TrainOptions {
  labelSet: string;
  architecture?: Architecture;
  epochs?: number;
  split?: SplitMode;
  batchSize?: number;
  inputSize?: number;
  channels?: 1 | 3;
  learningRate?: number;
  seed?: number;
  patience?: number;
  activate?: boolean;
  wait?: boolean;
}

export interface MlServiceOptions {
  /** Told which tfjs backend the worker chose (the status bar shows it). */
  onBackend?: (info: BackendInfo) => void;
  /** Force a backend (tests, benchmarks). */
  prefer?: 'tensorflow' | 'wasm' | 'cpu';
}

const DEFAULT_THRESHOLD = 0.8;
const THRESHOLD_KEY = 'ml.referThreshold';

interface ActiveRun {
  run: TrainingRun;
  worker: Worker;
  done: Promise<TrainingRun>;
  cancel: () => void;
}

/** Training, model versions, diagnosis and review: the ml feature's main-thread service. */
export class MlService {
  private readonly runs: TrainingRun[] = [];
  private active: ActiveRun | null = null;
  private predictor: Worker | null = null;
  private nextReq = 1;
  private readonly pending = new Map<number, { resolve: (r: { logits: number[]; heatmap: Heatmap | null }[]) => void; reject: (e: Error) => void }>();
  private readonly uncertaintyCache = new Map<string, number>();

  constructor(
    private readonly core: Core,
    private readonly options: MlServiceOptions = {},
  ) {}

  /** Starts training on a label set in a worker thread; with `wait`, answers when it has finished. */
  async train(input: TrainOptions, who: string): Promise<TrainingRun> {
    if (this.active) throw new AppError('CONFLICT', 'A model is already training; wait for it or cancel it first.');
    const set = findLabelSet(this.core.db, input.labelSet);
    const arch: Architecture = input.architecture ?? 'default';
    const hyper: HyperParameters = defaultHyper(arch, {
      ...(input.epochs !== undefined ? { epochs: input.epochs } : {}),
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
      ...(input.inputSize !== undefined ? { inputSize: input.inputSize } : {}),
      ...(input.channels !== undefined ? { channels: input.channels } : {}),
      ...(input.learningRate !== undefined ? { learningRate: input.learningRate } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      ...(input.patience !== undefined ? { earlyStoppingPatience: input.patience } : {}),
    });
    const mode: SplitMode = input.split ?? 'patient';
    const images = labelledImages(this.core.db, set.id, this.core.clock.now());
    const present = new Set(images.map((i) => i.className));
    if (images.length < 10 || present.size < 2) {
      throw new AppError('VALIDATION', `"${set.name}" has ${images.length} labelled image(s) in ${present.size} class(es); training needs at least 10 images in at least 2 classes.`);
    }
    const splits = assignSplits(images, mode, hyper.seed);
    const summary = summariseSplit(images, splits, mode, hyper.seed);
    for (const s of ['train', 'val', 'test'] as const) {
      if (summary.counts[s] === 0) throw new AppError('VALIDATION', `The ${mode} split leaves no images for ${s === 'val' ? 'validation' : s}; label more images (or more patients).`);
    }
    const missing = images.filter((i) => !fs.existsSync(storePath(this.core.paths.store, i.sha256)));
    if (missing.length) throw new AppError('NOT_FOUND', `${missing.length} labelled image file(s) are missing from the data folder's store (first: image ${missing[0]!.imageId}).`);

    const runId = newId();
    const versionId = newId();
    const classIndex = new Map(set.classes.map((c, i) => [c, i]));
    const outDir = path.join(this.core.paths.models, versionId);
    const run: TrainingRun = { runId, labelSetName: set.name, architecture: arch, state: 'running', startedAt: this.core.clock.now().toISOString(), modelVersionId: null, error: null, history: [] };
    this.runs.unshift(run);
    const worker = startMlWorker();
    let backend: BackendInfo = { name: null, detail: '' };
    let cancelRequested = false;
    let settle: (r: TrainingRun) => void = () => {};
    const done = new Promise<TrainingRun>((resolve) => (settle = resolve));
    const emit = (p: TrainingProgress) => this.core.events.emit('ml:progress', p);
    const finish = (state: TrainingRun['state'], error: string | null = null) => {
      if (run.state !== 'running') return;
      run.state = state;
      run.error = error;
      this.active = null;
      void worker.terminate();
      if (state !== 'done') fs.rmSync(outDir, { recursive: true, force: true });
      emit({ runId, phase: state === 'done' ? 'done' : state === 'cancelled' ? 'cancelled' : 'failed', kind: 'status', epoch: run.history.length, epochs: hyper.epochs, batch: 0, batches: 0, loss: null, acc: null, valLoss: null, valAcc: null, imagesPerSecond: null, etaSeconds: null, ...(error ? { message: error } : {}), ...(run.modelVersionId ? { modelVersionId: run.modelVersionId } : {}) });
      settle(run);
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'backend') {
        backend = m.info;
        this.options.onBackend?.(m.info);
      } else if (m.type === 'progress') {
        if (m.progress.kind === 'epoch') run.history.push({ epoch: m.progress.epoch, loss: m.progress.loss!, acc: m.progress.acc!, valLoss: m.progress.valLoss!, valAcc: m.progress.valAcc!, imagesPerSecond: m.progress.imagesPerSecond!, seconds: 0 });
        emit(m.progress);
      } else if (m.type === 'trained') {
        if (m.result.cancelled || cancelRequested) return finish('cancelled');
        try {
          this.saveVersion({ versionId, set, arch, hyper, images, splits, summary, result: m.result, backend, outDir, who, activate: input.activate ?? false });
          run.modelVersionId = versionId;
          run.history = m.result.history;
          finish('done');
        } catch (err) {
          this.core.logger.error('saving a model version failed', err);
          finish('failed', `The model trained but could not be saved: ${(err as Error).message}`);
        }
      } else if (m.type === 'error') {
        finish('failed', m.message);
      }
    });
    worker.on('error', (err) => finish('failed', err.message));
    worker.on('exit', () => finish(cancelRequested ? 'cancelled' : 'failed', cancelRequested ? null : 'The training worker stopped unexpectedly.'));
    const cancel = () => {
      cancelRequested = true;
      worker.postMessage({ type: 'cancel' } satisfies ToWorker);
      // The loop checks between batches; a batch far longer than a second is ended by force.
      setTimeout(() => finish('cancelled'), 900).unref();
    };
    this.active = { run, worker, done, cancel };
    const items = images.map((i) => ({ id: i.imageId, file: storePath(this.core.paths.store, i.sha256), label: classIndex.get(i.className)!, split: splits.get(i.imageId)! }));
    worker.postMessage({ type: 'train', spec: { runId, architecture: arch, classes: set.classes, hyper, items, outDir }, ...(this.options.prefer ? { prefer: this.options.prefer } : {}) } satisfies ToWorker);
    if (input.wait) {
      const r = await done;
      if (r.state === 'failed') throw new AppError('INTERNAL', `Training failed: ${r.error ?? 'unknown reason'}`);
      return { ...r };
    }
    return { ...run };
  }

  private saveVersion(a: {
    versionId: string;
    set: { id: string; name: string; classes: string[] };
    arch: Architecture;
    hyper: HyperParameters;
    images: LabelledImage[];
    splits: Map<string, 'train' | 'val' | 'test'>;
    summary: ReturnType<typeof summariseSplit>;
    result: TrainResult;
    backend: BackendInfo;
    outDir: string;
    who: string;
    activate: boolean;
  }): void {
    const { result } = a;
    const temperature = fitTemperature(result.val.logits, result.val.labels);
    const test = splitMetrics(result.test.logits, result.test.labels, a.set.classes, temperature);
    const byId = new Map(a.images.map((i) => [i.imageId, i]));
    const { subgroups, missingAttributes } = subgroupMetrics(result.test.ids.map((id) => byId.get(id)!), result.test.logits, result.test.labels, a.set.classes, temperature, test.accuracy);
    const metrics: ModelMetrics = { test, temperature, subgroups, missingAttributes, history: result.history, bestEpoch: result.bestEpoch };
    const db = this.core.db;
    db.transaction(() => {
      const version = repo.nextVersionNumber(db);
      const makeActive = a.activate || !repo.activeVersionRow(db);
      if (makeActive) repo.clearActive(db);
      repo.insertVersion(db, {
        id: a.versionId,
        version,
        labelSetId: a.set.id,
        architecture: a.arch,
        classes: a.set.classes,
        hyperParameters: a.hyper,
        split: a.summary,
        backend: a.backend.name ?? 'unknown',
        durationSeconds: result.durationSeconds,
        status: 'complete',
        metrics,
        temperature,
        artifactsDir: path.basename(a.outDir),
        active: makeActive,
        createdAt: this.core.clock.now().toISOString(),
        createdBy: a.who,
      });
      repo.insertSplit(db, a.versionId, a.images.map((i) => ({ imageId: i.imageId, split: a.splits.get(i.imageId)!, className: i.className })));
    })();
  }

  /** Cancels the running training; resolves once the worker has stopped (within about a second). */
  async cancel(runId: string): Promise<TrainingRun> {
    const run = this.runs.find((r) => r.runId === runId);
    if (!run) throw new AppError('NOT_FOUND', 'No such training run.');
    if (this.active?.run.runId === runId) {
      const done = this.active.done;
      this.active.cancel();
      return { ...(await done) };
    }
    return { ...run };
  }

  runsList(): TrainingRun[] {
    return this.runs.map((r) => ({ ...r }));
  }

  versions(labelSet?: string): ModelVersionSummary[] {
    const setId = labelSet ? findLabelSet(this.core.db, labelSet).id : undefined;
    return repo.listVersions(this.core.db, setId).map(summaryOf);
  }

  version(id: string): ModelVersion {
    const v = repo.getVersion(this.core.db, id);
    if (!v) throw new AppError('NOT_FOUND', 'No such model version.');
    return v;
  }

  activate(id: string): ModelVersionSummary {
    const db = this.core.db;
    this.version(id);
    db.transaction(() => {
      repo.clearActive(db);
      repo.setActive(db, id);
    })();
    this.uncertaintyCache.clear();
    return summaryOf(this.version(id));
  }

  threshold(): { threshold: number } {
    const value = this.core.settings.get(THRESHOLD_KEY);
    const t = value !== null ? Number(value) : DEFAULT_THRESHOLD;
    return { threshold: Number.isFinite(t) ? t : DEFAULT_THRESHOLD };
  }

  setThreshold(threshold: number): { threshold: number } {
    this.core.settings.set(THRESHOLD_KEY, String(threshold));
    return this.threshold();
  }

  private activeVersion(): ModelVersion {
    const row = repo.activeVersionRow(this.core.db);
    if (!row) throw new AppError('NOT_FOUND', 'No model is active yet: train one on the Train page (or with carelens train).');
    return this.version(row.id);
  }

  private modelDir(v: ModelVersion): string {
    return path.join(this.core.paths.models, repo.artifactsDir(this.core.db, v.id));
  }

  private predictorWorker(): Worker {
    if (this.predictor) return this.predictor;
    const w = startMlWorker();
    w.on('message', (m: FromWorker) => {
      if (m.type === 'backend') this.options.onBackend?.(m.info);
      else if (m.type === 'predicted') {
        this.pending.get(m.reqId)?.resolve(m.results);
        this.pending.delete(m.reqId);
      } else if (m.type === 'error' && m.reqId !== undefined) {
        this.pending.get(m.reqId)?.reject(new Error(m.message));
        this.pending.delete(m.reqId);
      }
    });
    const fail = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.predictor = null;
    };
    w.on('error', fail);
    w.on('exit', () => fail(new Error('the prediction worker stopped')));
    this.predictor = w;
    return w;
  }

  /** Runs a saved model in the prediction worker: raw logits (and Grad-CAM maps) per file. */
  private predictFiles(v: ModelVersion, files: string[], heatmap: boolean): Promise<{ logits: number[]; heatmap: Heatmap | null }[]> {
    if (files.length === 0) return Promise.resolve([]);
    const reqId = this.nextReq++;
    const request: PredictRequest = { modelDir: this.modelDir(v), inputSize: v.hyperParameters.inputSize, channels: v.hyperParameters.channels, files, heatmap };
    return new Promise((resolve, reject) => {
      this.pending.set(reqId, { resolve, reject });
      this.predictorWorker().postMessage({ type: 'predict', reqId, request, ...(this.options.prefer ? { prefer: this.options.prefer } : {}) } satisfies ToWorker);
    }).then(
      (r) => r as { logits: number[]; heatmap: Heatmap | null }[],
      (err: Error) => {
        throw new AppError('INTERNAL', `The model could not run: ${err.message}`);
      },
    );
  }

  private targetImages(t: { imageId?: string; seriesId?: string; patientId?: string; importId?: string }): { id: string; sha256: string }[] {
    const db = this.core.db;
    const [col, val, what] = t.imageId ? ['id', t.imageId, 'image'] : t.seriesId ? ['series_id', t.seriesId, 'series'] : t.patientId ? ['patient_id', t.patientId, 'patient'] : ['import_id', t.importId!, 'import'];
    const rows = db.prepare(`SELECT id, sha256 FROM images WHERE ${col} = ? ORDER BY id LIMIT 5001`).all(val) as { id: string; sha256: string }[];
    if (rows.length === 0) throw new AppError('NOT_FOUND', `No images found for that ${what}.`);
    if (rows.length > 5000) throw new AppError('VALIDATION', `That ${what} has more than 5000 images; diagnose it in parts.`);
    return rows;
  }

  /** Diagnoses every image of the target with the active model and stores each result. */
  async diagnose(target: { imageId?: string; seriesId?: string; patientId?: string; importId?: string }, who: string): Promise<Diagnosis[]> {
    const v = this.activeVersion();
    const images = this.targetImages(target);
    const files = images.map((i) => storePath(this.core.paths.store, i.sha256));
    const gone = images.filter((_, k) => !fs.existsSync(files[k]!));
    if (gone.length) throw new AppError('NOT_FOUND', `${gone.length} image file(s) are missing from the data folder (first: image ${gone[0]!.id}).`);
    const results = await this.predictFiles(v, files, true);
    const { threshold } = this.threshold();
    const now = this.core.clock.now().toISOString();
    const out: Diagnosis[] = results.map((r, k) => {
      const probabilities = softmax(r.logits, v.metrics.temperature);
      const best = probabilities.indexOf(Math.max(...probabilities));
      return {
        id: newId(),
        imageId: images[k]!.id,
        modelVersionId: v.id,
        modelVersion: v.version,
        classes: v.classes,
        probabilities,
        predictedClass: v.classes[best]!,
        confidence: probabilities[best]!,
        threshold,
        uncertain: probabilities[best]! < threshold,
        heatmap: r.heatmap!,
        createdAt: now,
        createdBy: who,
        review: null,
      };
    });
    this.core.db.transaction(() => out.forEach((d) => repo.insertDiagnosis(this.core.db, d)))();
    return out;
  }

  diagnoses(imageId: string | undefined, limit = 50): Diagnosis[] {
    return repo.listDiagnoses(this.core.db, imageId, limit);
  }

  /** Confirms or overrides a diagnosis; the decision is written to the label history. */
  review(input: { diagnosisId: string; decision: 'confirm' | 'override'; className?: string; reason: string }, who: string): Diagnosis {
    const db = this.core.db;
    const d = repo.getDiagnosis(db, input.diagnosisId);
    if (!d) throw new AppError('NOT_FOUND', 'No such diagnosis.');
    if (d.review) throw new AppError('CONFLICT', `This diagnosis was already ${d.review.decision} by ${d.review.by}.`);
    const className = input.decision === 'confirm' ? d.predictedClass : input.className!;
    if (!d.classes.includes(className)) throw new AppError('VALIDATION', `"${className}" is not one of this model's classes (${d.classes.join(', ')}).`, [{ path: 'className', message: 'Not a class of this model' }]);
    if (input.decision === 'override' && className === d.predictedClass) throw new AppError('VALIDATION', 'An override must choose a different class than the model; use confirm instead.', [{ path: 'className', message: 'Same as the model' }]);
    const labelSetId = repo.versionLabelSet(db, d.modelVersionId);
    const now = this.core.clock.now().toISOString();
    db.transaction(() => {
      const note = input.decision === 'confirm' ? `confirmed model v${d.modelVersion} diagnosis${input.reason ? `: ${input.reason}` : ''}` : `overrode model v${d.modelVersion} (${d.predictedClass}): ${input.reason}`;
      const labelId = db
        .prepare('INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(d.imageId, labelSetId, className, input.decision === 'confirm' ? 'model' : 'override', who, now, note).lastInsertRowid;
      repo.setReview(db, d.id, { decision: input.decision === 'confirm' ? 'confirmed' : 'overridden', className, reason: input.reason, by: who, at: now, labelId: Number(labelId) });
    })();
    return repo.getDiagnosis(db, d.id)!;
  }

  /** The image as the diagnosis view shows it: 8-bit grey, at most `maxSize` on its long side. */
  async displayImage(imageId: string, maxSize = 512): Promise<DisplayImage> {
    const decoded = await decodeStoredImage(this.core, imageId);
    const scale = Math.min(1, maxSize / Math.max(decoded.width, decoded.height));
    const g = toGray8(decoded, { width: Math.max(1, Math.round(decoded.width * scale)), height: Math.max(1, Math.round(decoded.height * scale)) });
    return { width: g.width, height: g.height, gray8: Buffer.from(g.data).toString('base64') };
  }

  /** Held-out test images of a version (the active one by default). */
  testImages(versionId?: string, limit = 50): { imageId: string; className: string }[] {
    const v = versionId ? this.version(versionId) : this.activeVersion();
    return repo
      .splitOf(this.core.db, v.id)
      .filter((r) => r.split === 'test')
      .slice(0, limit)
      .map((r) => ({ imageId: r.imageId, className: r.className }));
  }

  /** The active model on a file outside the store (the CLI's `predict <file>`); nothing is stored. */
  async predictFile(file: string): Promise<FilePrediction> {
    const full = path.resolve(file);
    if (!fs.existsSync(full) || !fs.statSync(full).isFile()) throw new AppError('NOT_FOUND', `There is no file at ${full}.`);
    const v = this.activeVersion();
    const [r] = await this.predictFiles(v, [full], false);
    const probabilities = softmax(r!.logits, v.metrics.temperature);
    const best = probabilities.indexOf(Math.max(...probabilities));
    const { threshold } = this.threshold();
    return { file: full, modelVersionId: v.id, modelVersion: v.version, classes: v.classes, probabilities, predictedClass: v.classes[best]!, confidence: probabilities[best]!, threshold, uncertain: probabilities[best]! < threshold };
  }

  /**
   * How unsure the model is about each image, 0 (sure) .. 1 (uniform): the normalised
   * entropy of its calibrated probabilities. Uses the active version when it was trained
   * on this label set, else the newest version of the set; an empty map when there is none.
   * For the labels feature's "label next" ordering.
   */
  async uncertainty(labelSetId: string, imageIds: string[]): Promise<Map<string, number>> {
    const db = this.core.db;
    const set = db.prepare('SELECT id FROM label_sets WHERE id = ? OR name = ?').get(labelSetId, labelSetId) as { id: string } | undefined;
    const out = new Map<string, number>();
    if (!set || imageIds.length === 0) return out;
    const vid = repo.versionForSet(db, set.id);
    if (!vid) return out;
    const v = this.version(vid);
    const todo: { id: string; file: string }[] = [];
    for (const id of imageIds) {
      const cached = this.uncertaintyCache.get(`${v.id}:${id}`);
      if (cached !== undefined) out.set(id, cached);
      else {
        const row = db.prepare('SELECT sha256 FROM images WHERE id = ?').get(id) as { sha256: string } | undefined;
        const file = row ? storePath(this.core.paths.store, row.sha256) : null;
        if (file && fs.existsSync(file)) todo.push({ id, file });
      }
    }
    const results = await this.predictFiles(v, todo.map((t) => t.file), false);
    results.forEach((r, k) => {
      const p = softmax(r.logits, v.metrics.temperature);
      const h = -p.reduce((s, q) => (q > 0 ? s + q * Math.log(q) : s), 0) / Math.log(p.length);
      const u = Math.min(1, Math.max(0, h));
      this.uncertaintyCache.set(`${v.id}:${todo[k]!.id}`, u);
      out.set(todo[k]!.id, u);
    });
    return out;
  }

  async dispose(): Promise<void> {
    if (this.active) this.active.cancel();
    await this.active?.worker.terminate();
    await this.predictor?.terminate();
    this.predictor = null;
  }
}

function summaryOf(v: ModelVersion): ModelVersionSummary {
  const { metrics, ...rest } = v;
  return { ...rest, testAccuracy: metrics.test.accuracy, testRocAuc: metrics.test.rocAuc, testEce: metrics.test.ece };
}

const ATTRIBUTES = ['sex', 'ageBand', 'modality', 'manufacturer'] as const;
const MIN_GROUP = 20;
const GAP_FLAG = 0.05;

/** The test metrics per subgroup, with gaps against the whole test split flagged. */
export function subgroupMetrics(
  images: LabelledImage[],
  logits: number[][],
  labels: number[],
  classes: string[],
  temperature: number,
  overallAccuracy: number,
): { subgroups: SubgroupMetrics[]; missingAttributes: string[] } {
  const subgroups: SubgroupMetrics[] = [];
  const missingAttributes: string[] = [];
  for (const attr of ATTRIBUTES) {
    const groups = new Map<string, number[]>();
    images.forEach((img, i) => {
      const v = img[attr];
      if (v) groups.set(v, [...(groups.get(v) ?? []), i]);
    });
    if (groups.size === 0) {
      missingAttributes.push(attr);
      continue;
    }
    for (const [value, idx] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const m = splitMetrics(idx.map((i) => logits[i]!), idx.map((i) => labels[i]!), classes, temperature);
      const gap = m.accuracy - overallAccuracy;
      const flags: string[] = [];
      if (idx.length < MIN_GROUP) flags.push(`only ${idx.length} test image(s): too few to trust`);
      if (gap <= -GAP_FLAG) flags.push(`accuracy ${Math.round(-gap * 100)} points below the whole test split`);
      subgroups.push({ attribute: attr, value, n: idx.length, accuracy: m.accuracy, rocAuc: m.rocAuc, ece: m.ece, gap, flag: flags.length ? flags.join('; ') : null });
    }
  }
  return { subgroups, missingAttributes };
}
