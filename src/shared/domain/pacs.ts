/**
 * The PACS feature's vocabulary: nodes (a clinic's PACS or a research archive), what a query
 * finds, a retrieve's progress and summary, and what a send wrote. Pure TypeScript.
 */
import type { ImportSummary } from './imaging';

export type PacsProtocol = 'dicomweb' | 'dimse';

/**
 * A PACS node as the UI and the CLI see it. Secrets (the password, the bearer token) are
 * never returned: only whether one is stored.
 */
export interface PacsNode {
  id: string;
  name: string;
  dicomweb: null | {
    baseUrl: string;
    auth: 'none' | 'basic' | 'bearer';
    /** The basic-auth user name (not a secret); null for none / bearer. */
    user: string | null;
    hasSecret: boolean;
    /** A CA certificate (PEM) is stored for https. */
    hasCa: boolean;
  };
  dimse: null | { calledAet: string; host: string; port: number; callingAet: string; retrieve: 'get' | 'move'; movePort: number | null };
  /** A research archive: only de-identified copies may be sent to it. */
  research: boolean;
  createdAt: string;
  createdBy: string;
}

/**
 * A PACS failure for people as a key (the renderer's `pacs.error.<key>`) and parameters, sent
 * beside the English text (which the CLI and logs keep). `detail` is the technical cause as
 * the PACS or the network stack said it (not translated).
 */
export interface PacsMessage {
  key: string;
  params?: Record<string, string | number>;
}

/** "Test connection": each protocol's answer and how long it took (null: not configured). */
export interface PacsEchoReport {
  dimse: { ok: boolean; ms: number; error?: string; errorNote?: PacsMessage } | null;
  dicomweb: { ok: boolean; ms: number; error?: string; errorNote?: PacsMessage } | null;
}

/** A study a PACS query found. `patientId` is the PACS's patient ID (the MRN). */
export interface PacsStudy {
  studyInstanceUid: string;
  patientId: string;
  patientName: string;
  patientBirthDate: string;
  studyDate: string;
  studyDescription: string;
  accessionNumber: string;
  modalities: string[];
  numberOfSeries: number | null;
  numberOfInstances: number | null;
}

export interface PacsSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesNumber: number | null;
  seriesDescription: string;
  numberOfInstances: number | null;
}

export type RetrieveState = 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';

/** A retrieve's progress (the 'pacs:progress' event) and its stored record. */
export interface RetrieveStatus {
  retrieveId: string;
  nodeId: string;
  nodeName: string;
  via: PacsProtocol;
  studyUids: string[];
  seriesUids: string[];
  state: RetrieveState;
  phase: 'listing' | 'fetching' | 'finished';
  /** Instances the PACS lists for the request. */
  found: number;
  /** Of those, already in CareLens before this retrieve (not fetched again). */
  alreadyStored: number;
  /** Fetched and handed to the import in this run. */
  fetched: number;
  /** Instances that could not be fetched or imported. */
  failed: number;
  bytes: number;
  /** Instances per second and bytes per second over this run. */
  rate: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  /** The import (same report as a folder import) this retrieve fed. */
  importId: string | null;
  error: string | null;
  /** `error` as a key while CareLens keeps it in memory (absent after a restart: `error` is shown). */
  errorNote?: PacsMessage;
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
}

/** What `carelens pacs retrieve --json` prints: the import summary, plus what the PACS side saw. */
export interface RetrieveSummary extends ImportSummary {
  retrieveId: string;
  importId: string | null;
  state: RetrieveState;
  found: number;
  alreadyStored: number;
  fetched: number;
  /** The retrieved studies as CareLens now holds them (to open in the viewer). */
  retrievedStudies: { studyInstanceUid: string; studyId: string | null; patientId: string | null }[];
  /** CareLens patients the retrieve touched (for the audit trail). */
  patientIds: string[];
}

/** One reviewed diagnosis sent to a PACS. */
export interface SentFinding {
  diagnosisId: string;
  ok: boolean;
  /** The Comprehensive SR's SOP Instance UID, and the heatmap Secondary Capture's. */
  srSopInstanceUid: string | null;
  scSopInstanceUid: string | null;
  deidentified: boolean;
  error: string | null;
  /** `error` as a key, when it is a failure talking to the PACS. */
  errorNote?: PacsMessage;
}

export interface SendResult {
  nodeId: string;
  nodeName: string;
  via: PacsProtocol;
  sent: SentFinding[];
  /** CareLens patients whose findings were sent (for the audit trail). */
  patientIds: string[];
}
