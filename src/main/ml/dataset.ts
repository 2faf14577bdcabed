/**
 * From a label set to a training data set: the images whose current label is one of the
 * set's classes, with their subgroup attributes. The labels, imaging and patients features
 * own the facts; their ports supply them and they are joined here in memory.
 */
import type { Db } from '../db/types';
import { AppError } from '../../shared/ipc/envelope';
import type { SplitName } from '../../shared/domain/ml';
import { currentLabels, findLabelSet, type LabelSetRef } from '../labels/ports';
import { imageFacts } from '../imaging/ports';
import { patientDemographics } from '../patients/ports';

export interface LabelledImage {
  imageId: string;
  sha256: string;
  className: string;
  /** The subject for splitting: the patient, or the image itself when it has none. */
  subject: string;
  predefinedSplit: SplitName | null;
  sex: string | null;
  ageBand: string | null;
  modality: string | null;
  manufacturer: string | null;
}

/**
 * A label set by its id or its exact name; null when there is none. Stricter than the labels
 * port's lookup (which also matches a name ignoring case): ml has always asked for the exact
 * name, and a model must not be trained on a set the user did not quite name.
 */
export function labelSetByIdOrName(db: Db, idOrName: string): LabelSetRef | null {
  const set = findLabelSet(db, idOrName);
  return set && (set.id === idOrName || set.name === idOrName) ? set : null;
}

/** As labelSetByIdOrName, but a missing set is NOT_FOUND. */
export function requireLabelSet(db: Db, idOrName: string): LabelSetRef {
  const set = labelSetByIdOrName(db, idOrName);
  if (!set) throw new AppError('NOT_FOUND', `There is no label set called "${idOrName}".`, { key: 'errors.ml.thereNoLabelSet', params: { idOrName } });
  return set;
}

/** Age in whole years at a date (both ISO), or null. */
function ageAt(birth: string | null, at: string | null): number | null {
  if (!birth || !at) return null;
  const b = new Date(birth + (birth.length === 10 ? 'T00:00:00Z' : ''));
  const d = new Date(at.length === 8 ? `${at.slice(0, 4)}-${at.slice(4, 6)}-${at.slice(6, 8)}T00:00:00Z` : at);
  if (Number.isNaN(b.getTime()) || Number.isNaN(d.getTime())) return null;
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (d.getUTCMonth() < b.getUTCMonth() || (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())) age--;
  return age >= 0 ? age : null;
}

function ageBand(age: number | null): string | null {
  if (age === null) return null;
  if (age < 18) return '0-17';
  if (age < 40) return '18-39';
  if (age < 65) return '40-64';
  return '65+';
}

/** The images of a label set whose current label is one of its classes, ordered by image id. */
export function labelledImages(db: Db, labelSetId: string, now: Date): LabelledImage[] {
  const set = findLabelSet(db, labelSetId);
  const classes = new Set(set?.id === labelSetId ? set.classes : []);
  const labelled = currentLabels(db, labelSetId).filter((l) => classes.has(l.className));
  const facts = new Map(imageFacts(db, labelled.map((l) => l.imageId)).map((f) => [f.id, f]));
  const patientIds = [...new Set([...facts.values()].flatMap((f) => (f.patientId ? [f.patientId] : [])))];
  const patients = new Map(patientDemographics(db, patientIds).map((p) => [p.id, p]));
  return labelled.flatMap(({ imageId, className }) => {
    const f = facts.get(imageId);
    // A label whose image row is gone is not training data (the old inner join dropped it too).
    if (!f) return [];
    const patient = f.patientId ? patients.get(f.patientId) : undefined;
    return [
      {
        imageId,
        sha256: f.sha256,
        className,
        subject: f.patientId ? `patient:${f.patientId}` : `image:${imageId}`,
        predefinedSplit: f.predefinedSplit,
        sex: patient && patient.sex && patient.sex !== 'U' ? patient.sex : null,
        ageBand: ageBand(ageAt(patient?.birthDate ?? null, f.studyDate ?? now.toISOString())),
        modality: f.modality,
        manufacturer: f.manufacturer,
      },
    ];
  });
}
