/**
 * An audit row in words for the Audit view: "Accepted a care plan for 张伟", "Viewed images of
 * Wang XiaoDong", "Exported a PDF report on Ada Lovelace"; outcomes, kinds and the recorded
 * input in words too, in the interface language (the `audit` catalogue area: one sentence per
 * channel, `audit.actions.<area>.<verb>.did` with the patients' names interpolated, `didNone`
 * when no patient is known). The channel stays in the row (and in the CSV export, for systems);
 * the view never shows it. Pure functions of the row and the active locale.
 */
import type { AuditEntry } from '../../../../shared/domain/trust';
import { actionWords } from '../../../../shared/ipc/actions';
import { fieldLabel } from '../../../../shared/ipc/fields';
import { i18n } from '../../i18n';

/** Who the page's patient ids are (AuditPage.patients). */
export type PatientNames = Record<string, { name: string; mrn: string }>;

const NAMES_SHOWN = 3;

function t(key: string, params: Record<string, unknown> = {}, plural?: number): string {
  return plural === undefined ? i18n.global.t(key, params) : i18n.global.t(key, params, plural);
}

function known(channel: string): boolean {
  return Object.prototype.hasOwnProperty.call(actionWords, channel);
}

/** What a channel lets someone do, completing "Tried to …" ("retire a care plan"); its entry is `audit.actions.<area>.<verb>`. */
export function actionDoes(channel: string): string {
  if (!known(channel)) return t('audit.unknownAction.does');
  const [area, verb] = channel.split(':');
  return t(`audit.actions.${area}.${verb}.does`);
}

/** A channel's own sentence, with the patients' names or (none known) without. */
function actionDid(channel: string, who: string): string {
  if (!known(channel)) return who ? t('audit.unknownAction.did', { patients: who }) : t('audit.unknownAction.didNone');
  const [area, verb] = channel.split(':');
  return who ? t(`audit.actions.${area}.${verb}.did`, { patients: who }) : t(`audit.actions.${area}.${verb}.didNone`);
}

/** "Ada Lovelace", "Ada Lovelace and Grace Hopper", "A, B, C and 4 more"; ids not on record are counted. */
export function patientNames(ids: readonly string[], names: PatientNames): string {
  const found = ids.filter((id) => names[id]).map((id) => names[id]!.name);
  const unknown = ids.length - found.length;
  const shown = found.slice(0, NAMES_SHOWN);
  const rest = found.length - shown.length + unknown;
  const sep = t('audit.names.separator');
  if (shown.length === 0) return unknown === 0 ? '' : t('audit.names.gone', { n: unknown }, unknown);
  if (rest === 0) return shown.length === 1 ? shown[0]! : t('audit.names.and', { list: shown.slice(0, -1).join(sep), last: shown[shown.length - 1] });
  return t('audit.names.andMore', { list: shown.join(sep), n: rest }, rest);
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
const ROLES = ['clinician', 'reviewer', 'admin', 'system', 'none'];

/** A refined sentence: its entry under `audit.did` (with `did` and `didNone`) and its parameters besides the patients; null for the channel's own. */
type Sentence = { key: string; params?: Record<string, unknown> } | null;

/** The sentence for what was done, refined by the input where one channel does several things. */
function didSentence(e: AuditEntry, input: Record<string, unknown>, many: boolean): Sentence {
  const plain = null;
  switch (e.channel) {
    case 'careplans:decide':
      return input.decision === 'decline' ? { key: 'declinedPlan' } : input.decision === 'accept' ? { key: 'acceptedPlan' } : plain;
    case 'careplans:retirePlan':
      return input.retired === false ? { key: 'restoredPlan' } : plain;
    case 'reports:export': {
      const format = FORMATS[String(input.format)];
      const deid = input.deidentify === true;
      if (many) return format ? { key: deid ? 'reportsManyDeidentified' : 'reportsMany', params: { format } } : plain;
      if (format) return { key: deid ? 'reportOneDeidentified' : 'reportOne', params: { format } };
      return { key: deid ? 'reportDeidentified' : 'report' };
    }
    case 'ml:review':
      return input.decision === 'override' ? { key: 'overrodeDiagnosis' } : input.decision === 'confirm' ? { key: 'confirmedDiagnosis' } : plain;
    case 'labels:skip':
      return input.skipped === false ? { key: 'unskipped' } : plain;
    case 'auth:createUser':
      if (typeof input.username !== 'string') return plain;
      return input.role ? { key: 'addedUserRole', params: { user: input.username, role: roleWords(String(input.role)) } } : { key: 'addedUser', params: { user: input.username } };
    case 'auth:updateUser': {
      const c = (input.changes ?? {}) as Record<string, unknown>;
      if (c.disabled === true) return { key: 'disabledUser' };
      if (c.disabled === false) return { key: 'enabledUser' };
      if (typeof c.role === 'string') return { key: 'changedRole', params: { role: ROLES.includes(c.role) ? roleWords(c.role) : t('audit.role.unknown') } };
      return plain;
    }
    default:
      return plain;
  }
}

/** What the row records, as a sentence with the patients' names; a refused or failed call says what was tried. */
export function describeEntry(e: AuditEntry, names: PatientNames): string {
  const recorded = recordedInput(e.detail);
  const who = patientNames(e.patientIds, names);
  if (e.outcome !== 'ok') {
    const action = actionDoes(e.channel);
    return who ? t('audit.triedWho', { action, patients: who }) : t('audit.tried', { action });
  }
  const s = didSentence(e, recorded?.input ?? {}, e.patientIds.length > 1);
  if (!s) return actionDid(e.channel, who);
  return who ? t(`audit.did.${s.key}.did`, { ...s.params, patients: who }) : t(`audit.did.${s.key}.didNone`, s.params ?? {});
}

const OUTCOMES = ['ok', 'FORBIDDEN', 'UNAUTHENTICATED', 'LOCKED', 'VALIDATION', 'NOT_FOUND', 'CONFLICT', 'CANCELLED', 'UNSUPPORTED', 'INTERNAL'];

/** The outcome in words: "Done", "Refused: not allowed for this role", … */
export function outcomeWords(outcome: string): string {
  return OUTCOMES.includes(outcome) ? t(`audit.outcome.${outcome}`) : t('audit.outcome.failed');
}

const KINDS = ['read', 'change', 'ml', 'export', 'auth', 'none'];

/** The kind of action in words. */
export function kindWords(kind: string): string {
  return KINDS.includes(kind) ? t(`audit.kind.${kind}`) : t('audit.kind.unknown');
}

/** A role in words ("Clinician"; "Not signed in" for an anonymous call). */
export function roleWords(role: string): string {
  return ROLES.includes(role) ? t(`audit.role.${role}`) : role;
}

/** A recorded field's name in words: the audit area's word for it, else the shared words (fields.ts). */
function fieldWords(key: string): string {
  const own = `audit.field.${key}`;
  return i18n.global.te(own, 'en') ? t(own) : (fieldLabel(key) ?? key);
}

function valueInWords(value: unknown, names: PatientNames): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? t('audit.value.yes') : t('audit.value.no');
  if (typeof value === 'string') {
    if (value === '[redacted]') return t('audit.value.redacted');
    // A patient named by CareLens id or by MRN (both are accepted as input).
    const p = names[value] ?? Object.values(names).find((n) => n.mrn === value);
    return p ? t('audit.value.patient', { name: p.name, mrn: p.mrn }) : value;
  }
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? t('audit.value.none') : value.map((v) => valueInWords(v, names)).join(t('audit.names.separator'));
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => t('audit.value.pair', { label: fieldWords(k), value: valueInWords(v, names) }))
    .join(t('audit.value.pairSeparator'));
}

/** The recorded input as labelled lines ("Patient: Ada Lovelace (MRN A1)"), never a schema key; null when the detail cannot be read. */
export function detailLines(detail: string, names: PatientNames): { label: string; value: string }[] | null {
  const recorded = recordedInput(detail);
  if (!recorded) return null;
  const lines = Object.entries(recorded.input).map(([k, v]) => ({ label: fieldWords(k), value: valueInWords(v, names) }));
  if (recorded.error) lines.push({ label: t('audit.detail.message'), value: channelsInWords(recorded.error) });
  return lines;
}

/** Rows written before messages were in words may name a channel ("cannot use careplans:retirePlan"): say its words instead. */
export function channelsInWords(message: string): string {
  return message.replace(/\b[a-z]+:[a-z][A-Za-z]+\b/g, (name) => (known(name) ? t('audit.quoted', { action: actionDoes(name) }) : name));
}
