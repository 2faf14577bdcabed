/**
 * Input fields in a clinician's words, for validation messages: a schema's path
 * ('fields.ageBands.0') becomes "Age bands (item 1)", never the key itself. Pure.
 */

/** Keys whose words are not just the key split into words. */
const FIELD_WORDS: Record<string, string> = {
  mrn: 'MRN',
  name: 'Name',
  birthDate: 'Birth date',
  sex: 'Sex',
  notes: 'Notes',
  id: 'Record',
  ids: 'Records',
  patient: 'Patient',
  patientId: 'Patient',
  patients: 'Patients',
  username: 'Username',
  displayName: 'Full name',
  password: 'Password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  role: 'Role',
  minutes: 'Idle minutes',
  file: 'File',
  fileName: 'File name',
  paths: 'Folders',
  path: 'Folder',
  patientFromFolders: 'Patient from folders',
  labelsFromFolders: 'Labels from folders',
  labelSet: 'Label set',
  labelSetId: 'Label set',
  className: 'Class',
  classes: 'Classes',
  imageId: 'Image',
  imageIds: 'Images',
  dir: 'Folder',
  withoutModality: 'Images without a modality',
  labelIds: 'Labels',
  importId: 'Import',
  seriesId: 'Series',
  studyId: 'Study',
  studyIds: 'Studies',
  diagnosisId: 'Diagnosis',
  planId: 'Care plan',
  assignmentId: 'Assignment',
  conditionId: 'Condition',
  fromDiagnosisId: 'Diagnosis',
  entryId: 'Entry',
  runId: 'Training run',
  jobId: 'Export',
  code: 'Code',
  codeSystem: 'Code system',
  words: 'Condition',
  conditions: 'Conditions',
  interventions: 'Interventions',
  ageBands: 'Age bands',
  medicationClasses: 'Medication classes',
  contraindications: 'Contraindications',
  durationWeeks: 'Duration (weeks)',
  evidenceNote: 'Evidence note',
  grade: 'Outcome grade',
  improved: 'Improved',
  k: 'Number of suggestions',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  inputSize: 'Image size',
  minClassRecall: 'Minimum recall',
  threshold: 'Threshold',
  outDir: 'Output folder',
  includeDicom: 'Include DICOM files',
  deidentify: 'De-identify',
  clinicName: 'Clinic name',
  clinicLogo: 'Clinic logo',
  limit: 'Number of rows',
  offset: 'Starting row',
  from: 'From',
  to: 'To',
  query: 'Search',
  csv: 'CSV file',
  changes: 'Changes',
};

/** "ageBands" -> "Age bands", "outcomeGrade" -> "Outcome grade", "planId" -> "Plan". */
function keyInWords(key: string): string {
  if (Object.prototype.hasOwnProperty.call(FIELD_WORDS, key)) return FIELD_WORDS[key]!;
  const words = key
    .replace(/(.)Ids?$/, '$1')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'This field';
}

/**
 * The field a schema path names: its last named part, with the 1-based list position when the
 * path ends in one ('fields.ageBands.0' -> { field: 'ageBands', item: 1 }). An empty path (a
 * rule over the whole form) names none: null. The one rule for the CLI's words, the main
 * process's message parameters and the renderer's translated field names.
 */
export function fieldOfPath(path: readonly (string | number)[] | string): { field: string; item?: number } | null {
  const parts = (typeof path === 'string' ? path.split('.') : path.map(String)).filter((p) => p !== '');
  let item: number | undefined;
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    if (/^\d+$/.test(part)) {
      if (i === parts.length - 1) item = Number(part) + 1;
      continue;
    }
    return item === undefined ? { field: part } : { field: part, item };
  }
  return null;
}

/**
 * A schema path in words: the last named part ('fields.ageBands.0' -> "Age bands (item 1)").
 * An empty path (a rule over the whole form) has no label: null.
 */
export function fieldLabel(path: readonly (string | number)[] | string): string | null {
  const named = fieldOfPath(path);
  if (!named) return null;
  const label = keyInWords(named.field);
  return named.item === undefined ? label : `${label} (item ${named.item})`;
}
