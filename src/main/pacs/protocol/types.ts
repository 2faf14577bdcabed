/**
 * PACS wire level: the types shared by the DICOMweb and DIMSE clients (engineer D1)
 * and the PACS service (engineer D2). Signatures here are stable: only ADD to this file.
 */

export interface DicomWebEndpoint { baseUrl: string; auth?: { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string }; caPem?: string; timeoutMs?: number }
export interface DimseEndpoint { calledAet: string; host: string; port: number; callingAet: string; timeoutMs?: number }
export interface EchoResult { ok: boolean; ms: number; error?: string }
export interface StudyQuery { patientName?: string; patientId?: string; accessionNumber?: string; modality?: string; studyDateFrom?: string; studyDateTo?: string; limit?: number } // dates YYYYMMDD
export interface StudyMatch { studyInstanceUid: string; patientId: string; patientName: string; patientBirthDate: string; studyDate: string; studyDescription: string; accessionNumber: string; modalities: string[]; numberOfSeries: number | null; numberOfInstances: number | null }
export interface SeriesMatch { studyInstanceUid: string; seriesInstanceUid: string; modality: string; seriesNumber: number | null; seriesDescription: string; numberOfInstances: number | null }
export interface InstanceRef { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string }
/** Called once per received instance with its complete Part-10 bytes; awaited (back-pressure). */
export type OnInstance = (ref: InstanceRef, part10: Buffer) => Promise<void>;
export interface FetchFailure { ref: Partial<InstanceRef>; reason: string }
export interface PacsClient {
  echo(): Promise<EchoResult>;
  findStudies(q: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]>;
  findSeries(studyUid: string, signal?: AbortSignal): Promise<SeriesMatch[]>;
  findInstances(studyUid: string, seriesUid?: string, signal?: AbortSignal): Promise<InstanceRef[]>;
  /** Fetches the given instances (bounded parallelism), calling onInstance for each; failures are returned, never thrown, except an abort. */
  fetchInstances(refs: InstanceRef[], onInstance: OnInstance, opts: { concurrency?: number; signal?: AbortSignal }): Promise<FetchFailure[]>;
  /** Stores Part-10 instances on the PACS (STOW-RS or C-STORE). */
  store(instances: Buffer[], signal?: AbortSignal): Promise<{ stored: string[]; failed: FetchFailure[] }>;
}
export class PacsError extends Error {
  constructor(message: string, readonly kind: 'unreachable' | 'timeout' | 'refused' | 'http' | 'malformed' | 'aborted' | 'association') {
    super(message);
    this.name = 'PacsError';
  }
}

/** Where the PACS sends instances on a C-MOVE: our own storage SCP (the PACS must know this AE title, host and port). */
export interface DimseMoveDestination { aet: string; port: number; host?: string }
// Added to DimseEndpoint (declaration merging): how fetchInstances retrieves over DIMSE.
export interface DimseEndpoint {
  /** 'get' (default): C-GET with C-STORE sub-operations on our association. 'move': C-MOVE to `moveDestination`, for a PACS that refuses C-GET. */
  retrieve?: 'get' | 'move';
  /** Our storage SCP for C-MOVE; listened on 127.0.0.1 (or host) at `port` for the length of each retrieve. */
  moveDestination?: DimseMoveDestination;
}
