/**
 * The report providers made from the other features (imaging, ML, care plans, measurements): their data
 * through their ports, decoding and plan details through the services the composition root
 * hands in. The composition root passes `reportProvidersFrom(core, {...})` to
 * createReportsFeature; each part is optional, so a build without a feature still reports.
 */
import { PNG } from 'pngjs';
import type { Core } from '../core/Core';
import type { ReportCarePlan, ReportDiagnosis, ReportImage, ReportMeasurement, ReportModelVersion } from '../../shared/domain/reports';
import { intendedUseText, outsideTraining, subgroupAttributeWords, type Diagnosis, type ModelVersion } from '../../shared/domain/ml';
import type { PlanAssignment } from '../../shared/domain/careplans';
import { resize, toGray8 } from '../imaging/display';
import type { DecodedImage } from '../imaging/pixels';
import { locateStored } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { imagesByIds, imagesOfPatient } from '../imaging/ports';
import { diagnosis, modelVersion, recentDiagnosesOfImages } from '../ml/ports';
import { planDecisionsOfPatient, type PlanDecision } from '../careplans/ports';
import { measurementsOfImages } from '../measurements/ports';
import type { ReportProviders, ReportThumbnail } from './providers';

/** The size of a key image or heatmap in the PDF (pixels on the long side). */
const KEY_IMAGE_SIZE = 384;

function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

function fit(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A key image as PNG, through the window the viewer shows first (the file's, else the full range). */
export function keyImagePng(decoded: DecodedImage): ReportThumbnail {
  const size = fit(decoded.width, decoded.height, KEY_IMAGE_SIZE);
  let rgb: Uint8Array;
  if (decoded.samples === 3) {
    rgb = resize(decoded.data as Uint8Array, decoded.width, decoded.height, 3, size.width, size.height);
  } else {
    const g = toGray8(decoded, size).data;
    rgb = new Uint8Array(g.length * 3);
    for (let i = 0; i < g.length; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = g[i]!;
  }
  const windowed = decoded.samples === 1;
  return { data: encodePng(size.width, size.height, rgb), windowCenter: windowed ? decoded.windowCenter : null, windowWidth: windowed ? decoded.windowWidth : null };
}

/** A Grad-CAM map (values 0..1) blended over the image in a blue-to-red ramp. */
export function heatmapPng(map: { width: number; height: number; values: number[] }, decoded: DecodedImage | null): Buffer {
  const size = decoded ? fit(decoded.width, decoded.height, KEY_IMAGE_SIZE) : fit(map.width, map.height, 256);
  const base = decoded ? toGray8(decoded, size).data : new Uint8Array(size.width * size.height).fill(40);
  const raw = Uint8Array.from(map.values, (v) => Math.round(Math.max(0, Math.min(1, v)) * 255));
  const heat = resize(raw, map.width, map.height, 1, size.width, size.height);
  const rgb = new Uint8Array(size.width * size.height * 3);
  for (let i = 0; i < heat.length; i++) {
    const v = heat[i]! / 255;
    const a = 0.55 * v;
    const [r, g, b] = [255 * Math.min(1, 2 * v), 255 * (1 - Math.abs(2 * v - 1)), 255 * Math.max(0, 1 - 2 * v)];
    const grey = base[i]!;
    rgb[i * 3] = Math.round(grey * (1 - a) + r * a);
    rgb[i * 3 + 1] = Math.round(grey * (1 - a) + g * a);
    rgb[i * 3 + 2] = Math.round(grey * (1 - a) + b * a);
  }
  return encodePng(size.width, size.height, rgb);
}

/** Key images and DICOM files from the imaging feature. */
export function imagingReportProviders(core: Pick<Core, 'db' | 'paths'>, imaging: { decode(id: string, frame?: number): Promise<DecodedImage> }): Partial<ReportProviders> {
  return {
    async thumbnail(image: ReportImage) {
      return keyImagePng(await imaging.decode(image.id, 0));
    },
    dicomPath(imageId: string) {
      const image = imagesByIds(core.db, [imageId]).get(imageId);
      if (!image || image.format !== 'dicom') return null;
      // The stored file is encrypted: the export reads it through readStoredFile (ExportService).
      return locateStored(core.paths.store, image.sha256, storeKeysOf(core.db));
    },
  };
}

function modelCard(v: ModelVersion): ReportModelVersion {
  const t = v.metrics.test;
  const metrics = [
    { name: 'accuracy', value: t.accuracy, split: 'test' },
    ...(t.rocAuc !== null ? [{ name: 'ROC AUC', value: t.rocAuc, split: 'test' }] : []),
    { name: 'ECE', value: t.ece, split: 'test' },
    { name: 'test images', value: t.n, split: 'test' },
  ];
  const gaps = v.metrics.subgroups
    .filter((s) => s.flag)
    .map((s) => `${subgroupAttributeWords(s.attribute)} ${s.value}: accuracy ${s.accuracy.toFixed(3)} (${s.gap >= 0 ? '+' : ''}${s.gap.toFixed(3)} vs all, n=${s.n}) — ${s.flag}`);
  if (v.metrics.missingAttributes.length > 0) gaps.push(`not measurable (test images lack ${v.metrics.missingAttributes.map((a) => subgroupAttributeWords(a).toLowerCase()).join(', ')})`);
  const c = v.split.counts;
  return {
    id: v.id,
    name: `${v.labelSetName} model v${v.version}${v.status === 'cancelled' ? ' (training cancelled)' : ''}`,
    architecture: String(v.architecture),
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    classes: v.classes,
    dataSummary: `label set "${v.labelSetName}": ${c.train} training, ${c.val} validation, ${c.test} held-out test images (${v.split.mode} split, seed ${v.split.seed}); trained on ${v.backend} in ${Math.round(v.durationSeconds)} s`,
    metrics,
    subgroupGaps: gaps,
    intendedUse: `decision support: a clinician checks every output. ${intendedUseText(v.intendedUse)}${v.ood ? `. Images unlike its training images are flagged (${v.ood.method}; threshold at the ${v.ood.percentile}th percentile of ${v.ood.validationImages} validation images)` : '. No out-of-distribution check (trained before OOD scoring)'}`,
  };
}

/** Diagnoses, model cards and heatmaps from the ML feature (through its port). */
export function mlReportProviders(core: Pick<Core, 'db'>, imaging?: { decode(id: string, frame?: number): Promise<DecodedImage> }): Partial<ReportProviders> {
  return {
    diagnoses(patientId: string): ReportDiagnosis[] {
      const images = imagesOfPatient(core.db, patientId);
      const recent = recentDiagnosesOfImages(core.db, images.map((i) => i.id), 50);
      const out: ReportDiagnosis[] = [];
      for (const image of images) {
        // One run of each model on the image: the newest a clinician reviewed, else the newest
        // (shown as not yet reviewed). A later unreviewed rerun never hides a reviewed finding.
        const chosen = new Map<string, Diagnosis>();
        for (const d of recent.get(image.id) ?? []) {
          const had = chosen.get(d.modelVersionId);
          if (!had || (!had.review && d.review)) chosen.set(d.modelVersionId, d);
        }
        for (const d of chosen.values()) {
          out.push({
            id: d.id,
            imageId: d.imageId,
            studyId: image.studyId,
            modelVersionId: d.modelVersionId,
            finding: d.predictedClass,
            confidence: d.confidence,
            // Output outside the model's training is not to be relied on: the report says so as it does for low confidence.
            uncertain: d.uncertain || outsideTraining(d).length > 0,
            probabilities: d.classes.map((className, i) => ({ className, probability: d.probabilities[i] ?? 0 })),
            hasHeatmap: d.heatmap.values.length > 0,
            review: d.review
              ? { status: d.review.decision, finalClass: d.review.className, by: d.review.by, at: d.review.at, note: d.review.reason }
              : { status: 'pending', finalClass: null, by: null, at: null, note: '' },
            createdAt: d.createdAt,
            createdBy: d.createdBy,
          });
        }
      }
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    modelVersions(ids: string[]): ReportModelVersion[] {
      return ids.map((id) => modelVersion(core.db, id)).filter((v): v is ModelVersion => v !== null).map(modelCard);
    },
    async heatmap(diagnosisId: string) {
      const d = diagnosis(core.db, diagnosisId);
      if (!d || d.heatmap.values.length === 0) return null;
      let decoded: DecodedImage | null = null;
      try {
        decoded = imaging ? await imaging.decode(d.imageId, 0) : null;
      } catch {
        decoded = null; // the map alone is still worth showing
      }
      return heatmapPng(d.heatmap, decoded);
    },
  };
}

/** Care-plan assignments (accepted plans with the clinician's reason) and declined recommendations. */
export function careplanReportProviders(
  core: Pick<Core, 'db'>,
  plans: { assignments(patientId: string): PlanAssignment[]; getPlan(id: string): { name: string; interventions: string[]; demo?: boolean } },
): Partial<ReportProviders> {
  return {
    carePlans(patientId: string): ReportCarePlan[] {
      const decisions = planDecisionsOfPatient(core.db, patientId);
      // Oldest first, so each plan keeps its newest accept (a re-accepted plan's reason is the current one).
      const accepts = new Map<string, PlanDecision>();
      for (const d of decisions) if (d.decision === 'accept') accepts.set(d.planId, d);
      const out: ReportCarePlan[] = plans.assignments(patientId).map((a) => {
        const accepted = accepts.get(a.planId);
        let steps: string[] = [];
        let demo = false;
        try {
          const plan = plans.getPlan(a.planId);
          steps = plan.interventions;
          demo = plan.demo === true;
        } catch {
          steps = [];
        }
        const why = [accepted?.reason, a.reason ? `recommended because: ${a.reason}` : ''].filter(Boolean).join('; ');
        const outcome = a.outcomeAt ? [`Outcome ${a.outcomeAt.slice(0, 10)}: ${a.outcomeGrade ? `grade ${a.outcomeGrade}/5` : ''}${a.improved === null ? '' : a.improved ? ', improved' : ', not improved'}`] : [];
        return {
          id: a.id,
          // Shipped demo plans are not medical advice: the report must not pass them off as a clinic's own.
          planName: demo ? `${a.planName} (demo catalogue, not medical advice)` : a.planName,
          status: a.outcomeAt ? 'completed' : 'accepted',
          reason: why,
          decidedBy: accepted?.decidedBy ?? a.assignedBy,
          decidedAt: accepted?.decidedAt ?? a.assignedAt,
          startDate: a.assignedAt.slice(0, 10),
          steps: [...steps, ...outcome],
        };
      });
      for (const d of decisions) {
        if (d.decision !== 'decline') continue;
        out.push({ id: `decision-${d.id}`, planName: d.planName, status: 'declined', reason: d.reason, decidedBy: d.decidedBy, decidedAt: d.decidedAt, startDate: null, steps: [] });
      }
      return out;
    },
  };
}

/** Measurements on the patient's images (through the measurements port), each with its image's study. */
export function measurementReportProviders(core: Pick<Core, 'db'>): Partial<ReportProviders> {
  return {
    measurements(patientId: string): ReportMeasurement[] {
      const images = imagesOfPatient(core.db, patientId);
      const studyOf = new Map(images.map((i) => [i.id, i.studyId]));
      return measurementsOfImages(core.db, images.map((i) => i.id)).map((m) => ({ ...m, studyId: studyOf.get(m.imageId) ?? null }));
    },
  };
}

/** Everything the composition root has, as report providers. */
export function reportProvidersFrom(
  core: Pick<Core, 'db' | 'paths'>,
  features: {
    imaging?: { service: { decode(id: string, frame?: number): Promise<DecodedImage> } };
    ml?: unknown;
    careplans?: { plans: { assignments(patientId: string): PlanAssignment[]; getPlan(id: string): { name: string; interventions: string[]; demo?: boolean } } };
    measurements?: unknown;
  },
): Partial<ReportProviders> {
  return {
    ...(features.imaging ? imagingReportProviders(core, features.imaging.service) : {}),
    ...(features.ml ? mlReportProviders(core, features.imaging?.service) : {}),
    ...(features.careplans ? careplanReportProviders(core, features.careplans.plans) : {}),
    ...(features.measurements ? measurementReportProviders(core) : {}),
  };
}
