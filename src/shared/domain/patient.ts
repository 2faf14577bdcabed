export type Sex = 'F' | 'M' | 'O' | 'U';

export interface Patient {
  id: string;
  mrn: string;
  name: string;
  birthDate: string | null;
  sex: Sex;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A patient registered from DICOM files without a Patient ID (grouped by name and birth date)
 * has no MRN. Its MRN column holds this prefix and a hash of the grouping, a key that cannot be
 * mistaken for a hospital's number; the interface says "no ID" instead of showing it.
 */
export const NO_ID_MRN_PREFIX = 'NO-ID:';

/**
 * Names that identify nobody: what de-identification and test tools write in place of a name
 * ("Anonymized", "ANONYMOUS^PATIENT", "Unknown", "^"). Compared on the letters only, case folded.
 */
export function isPlaceholderName(name: string): boolean {
  const letters = name.replace(/=.*/, '').toLowerCase().replace(/[^\p{L}]/gu, '');
  return letters === '' || /^(anonymi[sz]ed|anonymous|anon|unknown|unknownpatient|anonymouspatient|anonymi[sz]edpatient|patient|nopatient|noname|none|na|test|testpatient|x+)$/.test(letters);
}

/** Whether this patient has no real MRN (registered from DICOM without a Patient ID). */
export function hasNoId(patient: { mrn: string }): boolean {
  return patient.mrn.startsWith(NO_ID_MRN_PREFIX);
}

export interface PatientPage {
  items: Patient[];
  total: number;
}

// ---------------------------------------------------------------- allergies

/** Code systems an allergy's substance may be coded in; no code means free text. */
export const ALLERGY_CODE_SYSTEMS = ['SNOMED CT', 'RxNorm'] as const;
export type AllergyCodeSystem = (typeof ALLERGY_CODE_SYSTEMS)[number];

/** Severity of the reaction, as FHIR AllergyIntolerance.reaction.severity. */
export const ALLERGY_SEVERITIES = ['mild', 'moderate', 'severe'] as const;
export type AllergySeverity = (typeof ALLERGY_SEVERITIES)[number];

/**
 * What is known about a patient's allergies. 'not-recorded' (nobody has asked, or every entry
 * was removed) is not the same as 'none-known' (a clinician stated "no known allergies").
 */
export type AllergyStatus = 'recorded' | 'none-known' | 'not-recorded';

/** One recorded allergy (standing while removedAt is null; removed entries stay as history). */
export interface PatientAllergy {
  id: string;
  patientId: string;
  /** The substance or drug class in the clinician's words, e.g. "penicillin". */
  substance: string;
  code: string | null;
  codeSystem: AllergyCodeSystem | null;
  reaction: string;
  severity: AllergySeverity | null;
  recordedAt: string;
  recordedBy: string;
  removedAt: string | null;
  removedBy: string | null;
  removedReason: string;
}

/** A clinician's statement that the patient has no known allergies. */
export interface NoKnownAllergies {
  id: string;
  recordedAt: string;
  recordedBy: string;
}

/** A patient's allergy record: the standing entries and what they add up to. */
export interface PatientAllergies {
  patientId: string;
  status: AllergyStatus;
  /** Standing allergies, oldest first. */
  allergies: PatientAllergy[];
  /** The standing "no known allergies" statement, if any (never beside a standing allergy). */
  noneKnown: NoKnownAllergies | null;
}

/** One line of a patient's allergy history: an allergy or a "no known allergies" statement, standing or removed. */
export interface AllergyHistoryEntry extends Omit<PatientAllergy, 'patientId'> {
  kind: 'allergy' | 'none-known';
}

/** A patient's allergy record with its full history, newest first. */
export interface PatientAllergyRecord extends PatientAllergies {
  history: AllergyHistoryEntry[];
}

/** What a patient banner shows: who the patient is and their allergy status. */
export interface PatientSummary {
  patient: Patient;
  allergies: PatientAllergies;
}
