import path from 'node:path';
import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import type { BackendInfo } from '../../shared/ipc/system';
import type { ActivationCheck, ModelMetrics, ModelVersion, ModelVersionSummary } from '../../shared/domain/ml';
import type { IntendedUse, OodCalibration } from '../../shared/domain/ml';
import { activationCheck, requireReasonWhenBelow } from './activation';
import { requireLabelSet } from './dataset';
import { minClassRecall } from './thresholds';
import * as repo from './mlRepository';
import type { TrainingPlan } from './trainingPlan';

/** A trained model ready to be registered: what it learnt from, how, and how well. */
export interface NewVersion extends TrainingPlan {
  versionId: string;
  metrics: ModelMetrics;
  durationSeconds: number;
  backend: BackendInfo;
  /** The folder its artifacts were saved to (under the models folder). */
  outDir: string;
  who: string;
  /** What its training images were (intendedUse.ts); null when not recorded. */
  intendedUse?: IntendedUse | null;
  /** Its OOD score's method and validation threshold (ood.ts); null when not fitted. */
  ood?: OodCalibration | null;
}

/** The model registry: saved versions, which one is active, and where their artifacts live. */
export class ModelVersions {
  constructor(private readonly core: Pick<Core, 'db' | 'paths' | 'clock' | 'settings'>) {}

  /**
   * Registers a trained version and its split. It is never made active here, not even the
   * first: activation is a reviewer's or an admin's decision (`activate`).
   */
  record(a: NewVersion): void {
    const db = this.core.db;
    db.transaction(() => {
      const version = repo.nextVersionNumber(db);
      repo.insertVersion(db, {
        id: a.versionId,
        version,
        labelSetId: a.set.id,
        // Fine-tuned from a model imported without a card: its layers are still that model's.
        architecture: a.start?.startedFrom.architecture === 'imported' ? 'imported' : a.arch,
        classes: a.set.classes,
        hyperParameters: a.hyper,
        split: a.summary,
        backend: a.backend.name ?? 'unknown',
        durationSeconds: a.durationSeconds,
        status: 'complete',
        metrics: a.metrics,
        temperature: a.metrics.temperature,
        artifactsDir: path.basename(a.outDir),
        active: false,
        createdAt: this.core.clock.now().toISOString(),
        createdBy: a.who,
        intendedUse: a.intendedUse ?? null,
        ood: a.ood ?? null,
        // A fine-tuned version records the model it started from (fineTune.ts, modelPackage.ts).
        provenance: a.start ? { startedFrom: a.start.startedFrom } : null,
      });
      repo.insertSplit(db, a.versionId, a.images.map((i) => ({ imageId: i.imageId, split: a.splits.get(i.imageId)!, className: i.className })));
    })();
  }

  /**
   * Registers an imported model (modelPackage.ts), its files already in the models folder:
   * the next version number, never active. No split rows: its images are not in this data folder.
   */
  registerImported(r: Omit<ModelVersion, 'labelSetName' | 'version' | 'active' | 'status'> & { artifactsDir: string }): void {
    const db = this.core.db;
    db.transaction(() => {
      repo.insertVersion(db, { ...r, version: repo.nextVersionNumber(db), status: 'complete', active: false, temperature: r.metrics.temperature });
    })();
  }

  /** The folder all versions' artifacts live under. */
  modelsRoot(): string {
    return this.core.paths.models;
  }

  /** Every version, newest first; only those of one label set (id or exact name) when given. */
  list(labelSet?: string): ModelVersionSummary[] {
    const setId = labelSet ? requireLabelSet(this.core.db, labelSet).id : undefined;
    return repo.listVersions(this.core.db, setId).map(summaryOf);
  }

  /** One version with its full metrics; NOT_FOUND otherwise. */
  get(id: string): ModelVersion {
    const v = repo.getVersion(this.core.db, id);
    if (!v) throw new AppError('NOT_FOUND', 'No such model version.', { key: 'errors.ml.noSuchModelVersion' });
    return v;
  }

  /** The version's test metrics and per-class recall against the clinic's minimum (the confirmation shows it). */
  activationCheck(id: string): ActivationCheck {
    const check = activationCheck(this.get(id), minClassRecall(this.core.settings).minClassRecall);
    // A model with no test images here (imported without a card) has no recall to compare: activating it always needs a reason.
    return check.test.n === 0 ? { ...check, reasonRequired: true } : check;
  }

  /**
   * Makes a version the active one (exactly one is). Below the clinic's minimum recall for any
   * class it needs a written reason (VALIDATION otherwise). Who may do it is the channel's
   * access (reviewer or admin); the reason reaches the audit trail with the call's input.
   */
  activate(id: string, reason?: string): ModelVersionSummary {
    const db = this.core.db;
    requireReasonWhenBelow(this.activationCheck(id), reason);
    db.transaction(() => {
      repo.clearActive(db);
      repo.setActive(db, id);
    })();
    return summaryOf(this.get(id));
  }

  /** The active version; NOT_FOUND (with what to do) when none has been trained. */
  active(): ModelVersion {
    const row = repo.activeVersionRow(this.core.db);
    if (!row) throw new AppError('NOT_FOUND', 'No model is active yet: train one on the Train page (or with carelens train).', { key: 'errors.ml.noModelActiveYet' });
    return this.get(row.id);
  }

  /** The version to ask about a label set's images: the active one if trained on it, else the set's newest; null when none. */
  forLabelSet(labelSetId: string): ModelVersion | null {
    const id = repo.versionForSet(this.core.db, labelSetId);
    return id ? this.get(id) : null;
  }

  /** The folder holding a version's model.json and weights. */
  modelDir(v: ModelVersion): string {
    return path.join(this.core.paths.models, repo.artifactsDir(this.core.db, v.id));
  }
}

function summaryOf(v: ModelVersion): ModelVersionSummary {
  const { metrics, ...rest } = v;
  return { ...rest, testAccuracy: metrics.test.accuracy, testRocAuc: metrics.test.rocAuc, testEce: metrics.test.ece };
}
