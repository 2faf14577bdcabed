/**
 * The DICOM Comprehensive SR a reviewed finding becomes on the PACS: same patient and study
 * as the source image, a new series; the finding, the model and its version, the calibrated
 * confidence, the reviewer and their decision, "Decision support, not for diagnosis", and a
 * reference to the source image. Codes: DCM where the standard has one, else CareLens's
 * private scheme 99CARELENS (PS3.16 8.2: private coding schemes start with 99).
 */
import { dicomDateTime, newUid, patientStudyModules, writePart10, type SourceInstance } from './part10';

export const COMPREHENSIVE_SR = '1.2.840.10008.5.1.4.1.1.88.33';
export const DECISION_SUPPORT = 'Decision support, not for diagnosis';

type Code = { value: string; scheme: string; meaning: string };
const CL = '99CARELENS';

const code = (c: Code) => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning });

export interface SrFinding {
  source: SourceInstance;
  /** The class the clinician settled on (confirmed, or their override), with a code when the class names a known condition. */
  finding: { className: string; code: Code | null };
  model: { name: string; version: string };
  /** What the model said: its class and calibrated confidence of that class (0..1). */
  prediction: { className: string; confidence: number };
  review: { decision: 'confirmed' | 'overridden'; className: string; reason: string; by: string; at: string };
  /** The heatmap Secondary Capture sent beside it, to reference (optional). */
  heatmap?: { sopClassUid: string; sopInstanceUid: string };
  now: Date;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
}

function textItem(rel: string, name: Code, value: string) {
  return { RelationshipType: rel, ValueType: 'TEXT', ConceptNameCodeSequence: [code(name)], TextValue: value.slice(0, 10_000) };
}

function imageItem(name: Code, sopClassUid: string, sopInstanceUid: string) {
  return { RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ConceptNameCodeSequence: [code(name)], ReferencedSOPSequence: [{ ReferencedSOPClassUID: sopClassUid, ReferencedSOPInstanceUID: sopInstanceUid }] };
}

/** The SR as Part-10 bytes, with its UIDs. */
export function buildFindingSr(f: SrFinding): { part10: Buffer; seriesInstanceUid: string; sopInstanceUid: string } {
  const seriesInstanceUid = f.seriesInstanceUid ?? newUid();
  const sopInstanceUid = f.sopInstanceUid ?? newUid();
  const { date, time } = dicomDateTime(f.now);
  const reviewedAt = new Date(f.review.at);
  const reviewed = Number.isNaN(reviewedAt.getTime()) ? dicomDateTime(f.now) : dicomDateTime(reviewedAt);
  const findingItem = f.finding.code
    ? { RelationshipType: 'CONTAINS', ValueType: 'CODE', ConceptNameCodeSequence: [code({ value: '121071', scheme: 'DCM', meaning: 'Finding' })], ConceptCodeSequence: [code(f.finding.code)] }
    : textItem('CONTAINS', { value: '121071', scheme: 'DCM', meaning: 'Finding' }, f.finding.className);
  const content = [
    // Who read it: the reviewing clinician is the observer of this report's content.
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'CODE', ConceptNameCodeSequence: [code({ value: '121005', scheme: 'DCM', meaning: 'Observer Type' })], ConceptCodeSequence: [code({ value: '121006', scheme: 'DCM', meaning: 'Person' })] },
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'PNAME', ConceptNameCodeSequence: [code({ value: '121008', scheme: 'DCM', meaning: 'Person Observer Name' })], PersonName: f.review.by },
    textItem('CONTAINS', { value: '121106', scheme: 'DCM', meaning: 'Comment' }, DECISION_SUPPORT),
    findingItem,
    textItem('CONTAINS', { value: 'FINDCLASS', scheme: CL, meaning: 'Finding class' }, f.finding.className),
    textItem('CONTAINS', { value: '111001', scheme: 'DCM', meaning: 'Algorithm Name' }, f.model.name),
    textItem('CONTAINS', { value: '111003', scheme: 'DCM', meaning: 'Algorithm Version' }, f.model.version),
    textItem('CONTAINS', { value: 'MODELCLASS', scheme: CL, meaning: 'Model predicted class' }, f.prediction.className),
    {
      RelationshipType: 'CONTAINS',
      ValueType: 'NUM',
      ConceptNameCodeSequence: [code({ value: 'CALCONF', scheme: CL, meaning: 'Calibrated confidence' })],
      MeasuredValueSequence: [{ NumericValue: Number(f.prediction.confidence.toFixed(4)), MeasurementUnitsCodeSequence: [code({ value: '1', scheme: 'UCUM', meaning: 'no units' })] }],
    },
    textItem('CONTAINS', { value: 'REVDECISION', scheme: CL, meaning: 'Clinician decision' }, f.review.decision),
    textItem('CONTAINS', { value: 'REVCLASS', scheme: CL, meaning: "Clinician's class" }, f.review.className),
    ...(f.review.reason.trim() ? [textItem('CONTAINS', { value: 'REVREASON', scheme: CL, meaning: 'Review reason' }, f.review.reason)] : []),
    { RelationshipType: 'CONTAINS', ValueType: 'DATETIME', ConceptNameCodeSequence: [code({ value: 'REVTIME', scheme: CL, meaning: 'Reviewed at' })], DateTime: `${reviewed.date}${reviewed.time}` },
    imageItem({ value: '121112', scheme: 'DCM', meaning: 'Source of Measurement' }, f.source.sopClassUid, f.source.sopInstanceUid),
    ...(f.heatmap ? [imageItem({ value: 'HEATMAP', scheme: CL, meaning: 'Model attention heatmap (decision support)' }, f.heatmap.sopClassUid, f.heatmap.sopInstanceUid)] : []),
  ];
  const dataset = {
    ...patientStudyModules(f.source),
    SOPClassUID: COMPREHENSIVE_SR,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'SR',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: 9901,
    SeriesDescription: `${DECISION_SUPPORT}: CareLens finding`,
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'CareLens',
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    CompletionFlag: 'COMPLETE',
    // The clinician reviewed the model's finding; nobody has verified this document as a report.
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: f.source.studyInstanceUid,
        ReferencedSeriesSequence: [{ SeriesInstanceUID: f.source.seriesInstanceUid, ReferencedSOPSequence: [{ ReferencedSOPClassUID: f.source.sopClassUid, ReferencedSOPInstanceUID: f.source.sopInstanceUid }] }],
      },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [code({ value: 'CLFINDING', scheme: CL, meaning: 'CareLens model finding, reviewed' })],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: content,
  };
  return { part10: writePart10(dataset), seriesInstanceUid, sopInstanceUid };
}
