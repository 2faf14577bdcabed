import type { ReportCarePlan, ReportDiagnosis, ReportImage, ReportMeasurement, ReportModelVersion } from '../../shared/domain/reports';

/** A key-image thumbnail and the window it was rendered with. */
export interface ReportThumbnail {
  /** PNG or JPEG bytes. */
  data: Uint8Array;
  windowCenter: number | null;
  windowWidth: number | null;
}

/**
 * What the reports feature reads from the other features. Each is a small function so
 * the reports can be built and tested before those features exist, and get richer as they land.
 * A provider returns null/[] for "nothing", and null from `available*` means "feature not there yet".
 */
export interface ReportProviders {
  /** The patient's diagnoses (model outputs with the clinician's review), or null if the ML feature is absent. */
  diagnoses(patientId: string): ReportDiagnosis[] | null;
  /** Model versions by id, for their model cards, or null if the ML feature is absent. */
  modelVersions(ids: string[]): ReportModelVersion[] | null;
  /** The patient's care-plan assignments, or null if the care-plan feature is absent. */
  carePlans(patientId: string): ReportCarePlan[] | null;
  /** Measurements on the patient's images, or null if the measurements feature is absent. */
  measurements(patientId: string): ReportMeasurement[] | null;
  /** A key image as PNG/JPEG with the window used, or null when none can be made. */
  thumbnail(image: ReportImage): Promise<ReportThumbnail | null>;
  /** A diagnosis's heatmap overlay as PNG/JPEG, or null. */
  heatmap(diagnosisId: string): Promise<Uint8Array | null>;
  /** The stored DICOM file of an image (absolute path), or null. */
  dicomPath(imageId: string): string | null;
}

/** The providers before the other features land: nothing yet, said plainly in the report. */
export const noProviders: ReportProviders = {
  diagnoses: () => null,
  modelVersions: () => null,
  carePlans: () => null,
  measurements: () => null,
  thumbnail: async () => null,
  heatmap: async () => null,
  dicomPath: () => null,
};
