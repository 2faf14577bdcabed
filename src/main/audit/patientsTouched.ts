import type { Db } from '../db/connection';
import { patientIdsOfImages, patientIdsOfSeries, patientIdsOfStudies } from '../imaging/ports';
import { patientIdsByIdOrMrn } from '../patients/ports';

const MAX_NODES = 5000;
const MAX_PATIENTS = 1000;
/** References taken from one call's input (hostile input stays cheap) and from its result (a page of up to 1,000 records). */
const MAX_INPUT_REFS = 200;
const MAX_RESULT_REFS = 1000;

type Refs = { patients: Set<string>; images: Set<string>; studies: Set<string>; series: Set<string>; limit: number };

function addString(refs: Refs, set: Set<string>, value: unknown): void {
  if (typeof value === 'string' && value.length > 0 && value.length <= 128 && set.size < refs.limit) set.add(value);
}

function addAll(refs: Refs, set: Set<string>, value: unknown): void {
  if (Array.isArray(value)) for (const v of value.slice(0, refs.limit)) addString(refs, set, v);
  else addString(refs, set, value);
}

/** Collects the references a call's input or result carries (bounded: inputs can be hostile). */
function walk(value: unknown, refs: Refs, budget: { nodes: number }, depth: number, patientChannel: boolean): void {
  if (depth > 5 || budget.nodes <= 0 || value === null || typeof value !== 'object') return;
  // Bytes (a viewer frame's pixels) hold no references; Object.entries would list every byte.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  budget.nodes--;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 1000)) walk(item, refs, budget, depth + 1, patientChannel);
    return;
  }
  const obj = value as Record<string, unknown>;
  // A patient record (a result of patients:*): it has an MRN and a name beside its id.
  if (typeof obj.id === 'string' && typeof obj.mrn === 'string' && typeof obj.name === 'string') addString(refs, refs.patients, obj.id);
  if (patientChannel && depth === 0) {
    addString(refs, refs.patients, obj.id);
    addString(refs, refs.patients, obj.mrn);
  }
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'patientId' || key === 'patientIds' || key === 'patient_id' || key === 'patient') addAll(refs, refs.patients, v);
    else if (key === 'imageId' || key === 'imageIds') addAll(refs, refs.images, v);
    else if (key === 'studyId' || key === 'studyIds') addAll(refs, refs.studies, v);
    else if (key === 'seriesId' || key === 'seriesIds') addAll(refs, refs.series, v);
    else if (v !== null && typeof v === 'object') walk(v, refs, budget, depth + 1, false);
  }
}

/**
 * The CareLens ids of the patients a call touched, from its input (patient ids or MRNs,
 * image/study/series ids resolved to their patient) and its result (patient records,
 * `patientId` fields). This is what lets the Audit view answer "who saw this patient".
 */
export function patientsTouched(db: Db, channel: string, input: unknown, result: unknown): string[] {
  const refs: Refs = { patients: new Set(), images: new Set(), studies: new Set(), series: new Set(), limit: MAX_INPUT_REFS };
  const patientChannel = channel.startsWith('patients:');
  walk(input, refs, { nodes: MAX_NODES }, 0, patientChannel);
  refs.limit = MAX_INPUT_REFS + MAX_RESULT_REFS;
  walk(result, refs, { nodes: MAX_NODES }, 0, false);
  const out = new Set<string>();
  const add = (ids: Set<string>, patientOf: Map<string, string | null>) => {
    for (const ref of ids) {
      const pid = patientOf.get(ref);
      if (pid) out.add(pid);
    }
  };
  if (refs.patients.size > 0) add(refs.patients, patientIdsByIdOrMrn(db, [...refs.patients]));
  if (refs.images.size > 0) add(refs.images, patientIdsOfImages(db, [...refs.images]));
  if (refs.studies.size > 0) add(refs.studies, patientIdsOfStudies(db, [...refs.studies]));
  if (refs.series.size > 0) add(refs.series, patientIdsOfSeries(db, [...refs.series]));
  return [...out].slice(0, MAX_PATIENTS);
}

const SECRET_KEY = /pass(word)?|secret|token|^key$|apikey|passphrase/i;

/** The input as recorded: secrets replaced, long strings and arrays cut, depth bounded. */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > 200 ? value.slice(0, 200) + '…' : value;
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' || typeof value === 'function' ? String(value) : value;
  if (depth >= 4) return '[…]';
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((v) => redactForAudit(v, depth + 1));
    if (value.length > 20) items.push(`[… ${value.length - 20} more]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (n++ >= 30) {
      out['…'] = 'more fields';
      break;
    }
    const key = k.length > 60 ? k.slice(0, 60) + '…' : k;
    out[key] = SECRET_KEY.test(k) ? '[redacted]' : redactForAudit(v, depth + 1);
  }
  return out;
}
