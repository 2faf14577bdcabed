/**
 * An audit row in words for the Audit view: "Accepted a care plan for 张伟", "Viewed images of
 * Wang XiaoDong", "Exported a PDF report on Ada Lovelace"; outcomes, kinds and the recorded
 * input in words too. The channel stays in the row (and in the CSV export, for systems); the
 * view never shows it. Pure functions.
 */
import type { AuditEntry } from '../../../../shared/domain/trust';
import { actionWords, wordsFor } from '../../../../shared/ipc/actions';
import { fieldLabel } from '../../../../shared/ipc/fields';

/** Who the page's patient ids are (AuditPage.patients). */
export type PatientNames = Record<string, { name: string; mrn: string }>;

const NAMES_SHOWN = 3;

/** "Ada Lovelace", "Ada Lovelace and Grace Hopper", "A, B, C and 4 more"; ids not on record are counted. */
export function patientNames(ids: readonly string[], names: PatientNames): string {
  const known = ids.filter((id) => names[id]).map((id) => names[id]!.name);
  const unknown = ids.length - known.length;
  const shown = known.slice(0, NAMES_SHOWN);
  const rest = known.length - shown.length + unknown;
  if (shown.length === 0) return unknown === 0 ? '' : unknown === 1 ? 'a patient no longer on record' : `${unknown} patients no longer on record`;
  if (rest === 0) return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
  return `${shown.join(', ')} and ${rest} more`;
}

/** Puts names into a sentence's `{patients}` (see src/shared/ipc/actions.ts). */
export function withPatients(sentence: string, names: string): string {
  const m = /(\s+(?:of|for|on|about|to|from|in|with)|:)?\s*\{patients(?:\|([^}]*))?\}/.exec(sentence);
  if (!m) return names ? `${sentence}: ${names}` : sentence;
  if (names) return sentence.replace(m[0], `${m[1] ?? ''} ${names}`);
  if (m[2]) return sentence.replace(m[0], `${m[1] ?? ''} ${m[2]}`);
  return sentence.replace(m[0], '');
}

/** The call's recorded input (passwords already redacted), or null when the detail is cut or not JSON. */
export function recordedInput(detail: string): { input: Record<string, unknown>; error: string | null } | null {
  try {
    const parsed = JSON.parse(detail) as { input?: unknown; error?: unknown };
    const input = parsed.input && typeof parsed.input === 'object' && !Array.isArray(parsed.input) ? (parsed.input as Record<string, unknown>) : {};
    return { input, error: typeof parsed.error === 'string' ? parsed.error : null };
  } catch {
    return null;
  }
}

const FORMATS: Record<string, string> = { pdf: 'PDF', csv: 'CSV', fhir: 'FHIR R4' };
const ROLE_TITLES: Record<string, string> = { clinician: 'Clinician', reviewer: 'Reviewer', admin: 'Administrator', system: 'System (command line)', none: 'Not signed in' };

/** The sentence for what was done, refined by the input where one channel does several things. */
function didSentence(e: AuditEntry, input: Record<string, unknown>, many: boolean): string {
  switch (e.channel) {
    case 'careplans:decide':
      return input.decision === 'decline' ? 'Declined a care plan for {patients|a patient}' : input.decision === 'accept' ? 'Accepted a care plan for {patients|a patient}' : wordsFor(e.channel).did;
    case 'careplans:retirePlan':
      return input.retired === false ? 'Brought back a retired care plan' : wordsFor(e.channel).did;
    case 'reports:export': {
      const format = FORMATS[String(input.format)] ?? '';
      const deid = input.deidentify === true ? ' (de-identified)' : '';
      return `Exported ${many ? `${format} reports`.trim() : format ? `a ${format} report` : 'a report'}${deid} on {patients|patients}`;
    }
    case 'ml:review':
      return input.decision === 'override' ? 'Overrode a diagnosis of {patients|a patient}' : input.decision === 'confirm' ? 'Confirmed a diagnosis of {patients|a patient}' : wordsFor(e.channel).did;
    case 'labels:skip':
      return input.skipped === false ? 'Brought back an image of {patients|a patient} set aside before' : wordsFor(e.channel).did;
    case 'auth:createUser':
      return typeof input.username === 'string' ? `Added the user account ${input.username}${input.role ? ` (${ROLE_TITLES[String(input.role)] ?? 'unknown role'})` : ''}` : wordsFor(e.channel).did;
    case 'auth:updateUser': {
      const c = (input.changes ?? {}) as Record<string, unknown>;
      if (c.disabled === true) return 'Disabled a user account';
      if (c.disabled === false) return 'Enabled a user account';
      if (typeof c.role === 'string') return `Changed a user account's role to ${ROLE_TITLES[c.role] ?? 'an unknown role'}`;
      return wordsFor(e.channel).did;
    }
    default:
      return wordsFor(e.channel).did;
  }
}

/** What the row records, as a sentence with the patients' names; a refused or failed call says what was tried. */
export function describeEntry(e: AuditEntry, names: PatientNames): string {
  const recorded = recordedInput(e.detail);
  const who = patientNames(e.patientIds, names);
  if (e.outcome !== 'ok') {
    const tried = `Tried to ${wordsFor(e.channel).does}`;
    return who ? `${tried} (${who})` : tried;
  }
  return withPatients(didSentence(e, recorded?.input ?? {}, e.patientIds.length > 1), who);
}

/** The outcome in words: "Done", "Refused: not allowed for this role", … */
export function outcomeWords(outcome: string): string {
  const words: Record<string, string> = {
    ok: 'Done',
    FORBIDDEN: 'Refused: not allowed for this role',
    UNAUTHENTICATED: 'Refused: not signed in',
    LOCKED: 'Refused: CareLens was locked',
    VALIDATION: 'Refused: the form was not filled in correctly',
    NOT_FOUND: 'Not found',
    CONFLICT: 'Refused: it conflicts with what is on record',
    CANCELLED: 'Cancelled',
    UNSUPPORTED: 'Not possible here',
    INTERNAL: 'Failed inside CareLens',
  };
  return words[outcome] ?? 'Failed';
}

/** The kind of action in words. */
export function kindWords(kind: string): string {
  return { read: 'Read', change: 'Change', ml: 'Model', export: 'Export', auth: 'Sign-in', none: 'Other' }[kind] ?? 'Unknown action';
}

/** A role in words ("Clinician"; "Not signed in" for an anonymous call). */
export function roleWords(role: string): string {
  return ROLE_TITLES[role] ?? role;
}

function valueInWords(value: unknown, names: PatientNames): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') {
    if (value === '[redacted]') return 'hidden (never recorded)';
    // A patient named by CareLens id or by MRN (both are accepted as input).
    const p = names[value] ?? Object.values(names).find((n) => n.mrn === value);
    return p ? `${p.name} (MRN ${p.mrn})` : value;
  }
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => valueInWords(v, names)).join(', ');
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${fieldLabel(k) ?? k}: ${valueInWords(v, names)}`)
    .join('; ');
}

/** The recorded input as labelled lines ("Patient: Ada Lovelace (MRN A1)"), never a schema key; null when the detail cannot be read. */
export function detailLines(detail: string, names: PatientNames): { label: string; value: string }[] | null {
  const recorded = recordedInput(detail);
  if (!recorded) return null;
  const lines = Object.entries(recorded.input).map(([k, v]) => ({ label: fieldLabel(k) ?? 'Input', value: valueInWords(v, names) }));
  if (recorded.error) lines.push({ label: 'Message', value: channelsInWords(recorded.error) });
  return lines;
}

/** Rows written before messages were in words may name a channel ("cannot use careplans:retirePlan"): say its words instead. */
export function channelsInWords(message: string): string {
  return message.replace(/\b[a-z]+:[a-z][A-Za-z]+\b/g, (name) => (Object.prototype.hasOwnProperty.call(actionWords, name) ? `"${wordsFor(name).does}"` : name));
}
