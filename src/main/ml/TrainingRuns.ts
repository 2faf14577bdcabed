import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { BackendInfo } from '../../shared/ipc/system';
import type { TrainingProgress, TrainingRun } from '../../shared/domain/ml';
import { locateStored, storePath } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { evaluateTraining } from './evaluation';
import { intendedUseOf } from './intendedUse';
import { calibrateOod } from './ood';
import { MlWorkerClient, WorkerStoppedError } from './MlWorkerClient';
import type { ModelVersions } from './ModelVersions';
import type { BackendPreference } from './protocol';
import { startMlWorker } from './startMlWorker';
import type { TrainResult, TrainSpec } from './trainer';
import { planTraining, type TrainingPlan, type TrainOptions } from './trainingPlan';
import { withStartingPoint } from './modelPackage';

interface ActiveRun {
  run: TrainingRun;
  client: MlWorkerClient;
  done: Promise<TrainingRun>;
  cancel: () => void;
}

/** What a run is for and where it goes, fixed when it starts. */
interface RunContext {
  plan: TrainingPlan;
  run: TrainingRun;
  versionId: string;
  outDir: string;
  who: string;
}

/** A worker that has not reported its backend yet. */
const NO_BACKEND: BackendInfo = { name: null, detail: '' };

/**
 * Training runs, one at a time, each in a worker thread of its own: started, streamed as
 * `ml:progress` events, cancelled, and registered as a model version when they finish.
 */
export class TrainingRuns {
  private readonly runs: TrainingRun[] = [];
  private active: ActiveRun | null = null;

  constructor(
    private readonly core: Core,
    private readonly versions: ModelVersions,
    private readonly options: { onBackend?: (info: BackendInfo) => void; prefer?: BackendPreference } = {},
  ) {}

  /** Starts training on a label set in a worker thread; with `wait`, answers when it has finished. */
  async train(input: TrainOptions, who: string): Promise<TrainingRun> {
    if (this.active) throw new AppError('CONFLICT', 'A model is already training; wait for it or cancel it first.', { key: 'errors.ml.modelAlreadyTrainingWait' });
    // Fine-tuning (--from) adapts the plan to the source model; otherwise it is the plan as it was.
    const plan = withStartingPoint(this.core, input, (architecture) => planTraining(this.core, architecture ? { ...input, architecture } : input), who);
    const versionId = newId();
    const run: TrainingRun = { runId: newId(), labelSetName: plan.set.name, architecture: plan.arch, state: 'running', startedAt: this.core.clock.now().toISOString(), modelVersionId: null, error: null, history: [] };
    this.runs.unshift(run);
    const started = this.start({ plan, run, versionId, outDir: path.join(this.core.paths.models, versionId), who });
    if (input.wait) {
      const r = await started.done;
      if (r.state === 'failed') throw new AppError('INTERNAL', `Training failed: ${r.error ?? 'unknown reason'}`, { key: 'errors.ml.trainingFailed', params: { value: r.error ?? 'unknown reason' } });
      return { ...r };
    }
    return { ...run };
  }

  /** Cancels the running training; resolves once the worker has stopped (within about a second). */
  async cancel(runId: string): Promise<TrainingRun> {
    const run = this.runs.find((r) => r.runId === runId);
    if (!run) throw new AppError('NOT_FOUND', 'No such training run.', { key: 'errors.ml.noSuchTrainingRun' });
    if (this.active?.run.runId === runId) {
      const done = this.active.done;
      this.active.cancel();
      return { ...(await done) };
    }
    return { ...run };
  }

  /** This session's runs, newest first. */
  list(): TrainingRun[] {
    return this.runs.map((r) => ({ ...r }));
  }

  /** Cancels a running training and ends its worker. */
  async dispose(): Promise<void> {
    if (this.active) this.active.cancel();
    await this.active?.client.terminate();
  }

  private start(ctx: RunContext): ActiveRun {
    const { run, plan } = ctx;
    let backend = NO_BACKEND;
    let cancelRequested = false;
    let settle: (r: TrainingRun) => void = () => {};
    const done = new Promise<TrainingRun>((resolve) => (settle = resolve));
    const client = new MlWorkerClient(startMlWorker(), {
      onBackend: (info) => {
        backend = info;
        this.options.onBackend?.(info);
      },
      ...(this.options.prefer ? { prefer: this.options.prefer } : {}),
      stoppedMessage: 'The training worker stopped unexpectedly.',
    });
    const finish = (state: TrainingRun['state'], error: string | null = null) => {
      if (run.state !== 'running') return;
      run.state = state;
      run.error = error;
      this.active = null;
      void client.terminate();
      if (state !== 'done') fs.rmSync(ctx.outDir, { recursive: true, force: true });
      this.emitStatus(run, plan.hyper.epochs);
      settle(run);
    };
    const onProgress = (p: TrainingProgress) => {
      if (p.kind === 'epoch') run.history.push({ epoch: p.epoch, loss: p.loss!, acc: p.acc!, valLoss: p.valLoss!, valAcc: p.valAcc!, imagesPerSecond: p.imagesPerSecond!, seconds: 0 });
      this.core.events.emit('ml:progress', p);
    };
    client.call('train', this.spec(ctx), onProgress).then(
      (result) => {
        if (result.cancelled || cancelRequested) return finish('cancelled');
        const saved = this.record(ctx, result, backend);
        finish(saved.ok ? 'done' : 'failed', saved.ok ? null : saved.error);
      },
      // A worker that stops after a cancel was asked for is the cancel taking effect.
      (err: Error) => (err instanceof WorkerStoppedError && cancelRequested ? finish('cancelled') : finish('failed', err.message)),
    );
    const cancel = () => {
      cancelRequested = true;
      client.cancel();
      // The loop checks between batches; a batch far longer than a second is ended by force.
      setTimeout(() => finish('cancelled'), 900).unref();
    };
    this.active = { run, client, done, cancel };
    return this.active;
  }

  /** What the worker trains on: the store's files with class indices and sides. */
  private spec(ctx: RunContext): TrainSpec {
    const { set, arch, hyper, images, splits } = ctx.plan;
    const classIndex = new Map(set.classes.map((c, i) => [c, i]));
    const keys = storeKeysOf(this.core.db);
    const items = images.map((i) => ({ id: i.imageId, file: locateStored(this.core.paths.store, i.sha256, keys) ?? storePath(this.core.paths.store, i.sha256, keys), label: classIndex.get(i.className)!, split: splits.get(i.imageId)! }));
    return { runId: ctx.run.runId, architecture: arch, classes: set.classes, hyper, items, outDir: ctx.outDir, storeKey: keys?.root.toString('hex') ?? null, ...(ctx.plan.start ? { init: ctx.plan.start.init } : {}) };
  }

  /** Evaluates a finished run and registers its version; the run then points at it. */
  private record(ctx: RunContext, result: TrainResult, backend: BackendInfo): { ok: true } | { ok: false; error: string } {
    try {
      const { plan } = ctx;
      const metrics = evaluateTraining(result, plan.images, plan.set.classes);
      const intendedUse = intendedUseOf(result.trainTraits, plan.set);
      const ood = result.ood ? calibrateOod(result.ood.method, result.ood.valScores, result.ood.testScores) : null;
      this.versions.record({ ...plan, versionId: ctx.versionId, metrics, durationSeconds: result.durationSeconds, backend, outDir: ctx.outDir, who: ctx.who, intendedUse, ood });
      ctx.run.modelVersionId = ctx.versionId;
      ctx.run.history = result.history;
      return { ok: true };
    } catch (err) {
      this.core.logger.error('saving a model version failed', err);
      return { ok: false, error: `The model trained but could not be saved: ${(err as Error).message}` };
    }
  }

  private emitStatus(run: TrainingRun, epochs: number): void {
    const phase = run.state === 'done' ? 'done' : run.state === 'cancelled' ? 'cancelled' : 'failed';
    this.core.events.emit('ml:progress', {
      runId: run.runId,
      phase,
      kind: 'status',
      epoch: run.history.length,
      epochs,
      batch: 0,
      batches: 0,
      loss: null,
      acc: null,
      valLoss: null,
      valAcc: null,
      imagesPerSecond: null,
      etaSeconds: null,
      ...(run.error ? { message: run.error } : {}),
      ...(run.modelVersionId ? { modelVersionId: run.modelVersionId } : {}),
    } satisfies TrainingProgress);
  }
}
