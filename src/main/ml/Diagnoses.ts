import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { DisplayImage, FilePrediction } from '../../shared/ipc/ml';
import { OUTSIDE_TRAINING, outsideTraining, type Diagnosis } from '../../shared/domain/ml';
import { imagesInScope, type ImageScope } from '../imaging/ports';
import { locateStored } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { toGray8 } from '../imaging/display';
import { decodeStoredImage } from '../imaging/storedImage';
import type { ModelVersions } from './ModelVersions';
import { calibrate, type Predictor } from './Predictor';
import { predictionChecks } from './predictionChecks';
import { referThreshold } from './thresholds';
import { allowedPath } from '../system/ports';
import * as repo from './mlRepository';

/** What to diagnose: one image, or every image of a series, a patient or an import (the first given wins). */
export interface DiagnosisTarget {
  imageId?: string;
  seriesId?: string;
  patientId?: string;
  importId?: string;
}

const MAX_IMAGES = 5000;

/** Diagnosis with the active model, the stored diagnoses, and a clinician's review of one. */
export class Diagnoses {
  constructor(
    private readonly core: Core,
    private readonly versions: ModelVersions,
    private readonly predictor: Predictor,
  ) {}

  /** Diagnoses every image of the target with the active model and stores each result. */
  async diagnose(target: DiagnosisTarget, who: string): Promise<Diagnosis[]> {
    const v = this.versions.active();
    const images = this.targetImages(target);
    const keys = storeKeysOf(this.core.db);
    const found = images.map((i) => locateStored(this.core.paths.store, i.sha256, keys));
    const gone = images.filter((_, k) => !found[k]);
    if (gone.length) throw new AppError('NOT_FOUND', `${gone.length} image file(s) are missing from the data folder (first: image ${gone[0]!.id}).`, { key: 'errors.ml.imageFilesMissing', params: { goneCount: gone.length, id: gone[0]!.id } });
    const results = await this.predictor.predict(v, found as string[], true, keys?.root.toString('hex') ?? null);
    const { threshold } = referThreshold(this.core.settings);
    const now = this.core.clock.now().toISOString();
    const out: Diagnosis[] = results.map((r, k) => {
      const c = calibrate(v, r.logits);
      return {
        id: newId(),
        imageId: images[k]!.id,
        modelVersionId: v.id,
        modelVersion: v.version,
        classes: v.classes,
        probabilities: c.probabilities,
        predictedClass: c.predictedClass,
        confidence: c.confidence,
        threshold,
        uncertain: c.confidence < threshold,
        ...predictionChecks(v, r),
        heatmap: r.heatmap!,
        createdAt: now,
        createdBy: who,
        review: null,
      };
    });
    this.core.db.transaction(() => out.forEach((d) => repo.insertDiagnosis(this.core.db, d)))();
    return out;
  }

  /** Stored diagnoses, newest first (of one image when given). */
  list(imageId: string | undefined, limit = 50): Diagnosis[] {
    return repo.listDiagnoses(this.core.db, imageId, limit);
  }

  /**
   * Confirms or overrides a diagnosis. Records the review on the diagnosis and nothing else:
   * the problem list and label sets are each their own explicit action on a reviewed finding.
   * Output outside the model's training cannot be confirmed, only overridden with a reason.
   */
  review(input: { diagnosisId: string; decision: 'confirm' | 'override'; className?: string; reason: string }, who: string): Diagnosis {
    const db = this.core.db;
    const d = repo.getDiagnosis(db, input.diagnosisId);
    if (!d) throw new AppError('NOT_FOUND', 'No such diagnosis.', { key: 'errors.ml.noSuchDiagnosis' });
    if (d.review) throw new AppError('CONFLICT', `This diagnosis was already ${d.review.decision} by ${d.review.by}.`, { key: 'errors.ml.diagnosisWasAlreadyBy', params: { decisionKey: `errors.ml.decision.${d.review.decision}`, by: d.review.by } });
    const className = input.decision === 'confirm' ? d.predictedClass : input.className!;
    if (!d.classes.includes(className)) throw new AppError('VALIDATION', `"${className}" is not one of this model's classes (${d.classes.join(', ')}).`, { key: 'errors.ml.notModelClass', params: { className, classes: d.classes.join(', ') }, issues: [{ path: 'className', message: 'Not a class of this model', key: 'errors.issues.notClassOfModel' }] });
    if (input.decision === 'override' && className === d.predictedClass) throw new AppError('VALIDATION', 'An override must choose a different class than the model; use confirm instead.', { key: 'errors.ml.overrideMustChooseDifferent', issues: [{ path: 'className', message: 'Same as the model', key: 'errors.issues.sameAsModel' }] });
    const outside = outsideTraining(d);
    if (input.decision === 'confirm' && outside.length) {
      throw new AppError('CONFLICT', `${OUTSIDE_TRAINING}: ${outside.join(' ')} It cannot be confirmed; if you read the image yourself, override it with a written reason.`, { key: 'errors.ml.outsideTrainingCannotConfirm', params: { OUTSIDE_TRAINING, outside: outside.join(' ') } });
    }
    const now = this.core.clock.now().toISOString();
    const recorded = repo.setReview(db, d.id, { decision: input.decision === 'confirm' ? 'confirmed' : 'overridden', className, reason: input.reason, by: who, at: now });
    if (!recorded) throw new AppError('CONFLICT', 'This diagnosis was reviewed by someone else a moment ago; reload it.', { key: 'errors.ml.diagnosisWasReviewedBy' });
    return repo.getDiagnosis(db, d.id)!;
  }

  /**
   * The active model on a file outside the store (the CLI's `predict <file>`); nothing is stored.
   * A missing file, one that cannot be read and one outside the user's folders (home and the
   * allowed roots; the CLI's system actor anywhere) get the same answer, so it tells nobody
   * which paths exist.
   */
  async predictFile(file: string, actor: string): Promise<FilePrediction> {
    const full = path.resolve(file);
    const real = allowedPath(this.core.settings, actor, full, 'read');
    let readable = false;
    try {
      if (real !== null && fs.statSync(real).isFile()) {
        fs.accessSync(real, fs.constants.R_OK);
        readable = true;
      }
    } catch {
      readable = false;
    }
    if (!readable) throw new AppError('NOT_FOUND', `CareLens cannot read a file at ${full}: it does not exist, cannot be read, or is outside the folders you may use.`, { key: 'errors.ml.carelensCannotReadFile', params: { full } });
    const v = this.versions.active();
    const [r] = await this.predictor.predict(v, [real!], false);
    const c = calibrate(v, r!.logits);
    const { threshold } = referThreshold(this.core.settings);
    return { file: full, modelVersionId: v.id, modelVersion: v.version, classes: v.classes, probabilities: c.probabilities, predictedClass: c.predictedClass, confidence: c.confidence, threshold, uncertain: c.confidence < threshold, ...predictionChecks(v, r!) };
  }

  /** The image as the diagnosis view shows it: 8-bit grey, at most `maxSize` on its long side. */
  async displayImage(imageId: string, maxSize = 512): Promise<DisplayImage> {
    const decoded = await decodeStoredImage(this.core, imageId);
    const scale = Math.min(1, maxSize / Math.max(decoded.width, decoded.height));
    const g = toGray8(decoded, { width: Math.max(1, Math.round(decoded.width * scale)), height: Math.max(1, Math.round(decoded.height * scale)) });
    return { width: g.width, height: g.height, gray8: Buffer.from(g.data).toString('base64') };
  }

  private targetImages(t: DiagnosisTarget): { id: string; sha256: string }[] {
    const [scope, what]: [ImageScope, string] = t.imageId
      ? [{ imageId: t.imageId }, 'image']
      : t.seriesId
        ? [{ seriesId: t.seriesId }, 'series']
        : t.patientId
          ? [{ patientId: t.patientId }, 'patient']
          : [{ importId: t.importId! }, 'import'];
    const rows = imagesInScope(this.core.db, scope, MAX_IMAGES + 1);
    if (rows.length === 0) throw new AppError('NOT_FOUND', `No images found for that ${what}.`, { key: 'errors.ml.noImagesFoundFor', params: { whatKey: `errors.ml.scope.${what}` } });
    if (rows.length > MAX_IMAGES) throw new AppError('VALIDATION', `That ${what} has more than ${MAX_IMAGES} images; diagnose it in parts.`, { key: 'errors.ml.tooManyImages', params: { whatKey: `errors.ml.scope.${what}`, max: MAX_IMAGES } });
    return rows;
  }
}
