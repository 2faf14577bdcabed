/// <reference types="fhir" />
import { hasNoId } from '../../shared/domain/patient';
import { createHash } from 'node:crypto';
import type { ReportCase, ReportDiagnosis, ReportImage, ReportMeasurement, ReportModelVersion } from '../../shared/domain/reports';
import { FHIR_WORDS, type FhirWords } from './dataWords';
import type { ReportLanguage } from './pdf/words';

const SYS_MRN = 'urn:carelens:mrn';
const SYS_PSEUDONYM = 'urn:carelens:pseudonym';
const SYS_PATIENT_ID = 'urn:carelens:patient';
const SYS_MODEL = 'urn:carelens:model-version';
const SYS_USER = 'urn:carelens:user';
const SYS_DICOM_UID = 'urn:dicom:uid';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const UCUM = 'http://unitsofmeasure.org';
const SYS_MEASUREMENT = 'urn:carelens:measurement';

/** A UUID made from a record's kind and id, so the same case gives the same bundle. */
function uuidFor(kind: string, id: string): string {
  const h = createHash('sha256').update(`${kind}\u0000${id}`).digest('hex');
  // Version 8 (custom) UUID layout with the RFC 4122 variant.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function gender(sex: string): fhir4.Patient['gender'] {
  return sex === 'F' ? 'female' : sex === 'M' ? 'male' : sex === 'O' ? 'other' : 'unknown';
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

interface Entry {
  fullUrl: string;
  resource: fhir4.FhirResource;
}

/**
 * A case as a FHIR R4 Bundle (type collection): Patient, one ImagingStudy per study, a Device
 * per model version (the model card in its notes), an Observation per diagnosis (device =
 * the model, confidence and the uncertain flag as components), a DiagnosticReport per study
 * with findings (the clinician's confirmation or override in its conclusion), a Practitioner
 * per CareLens user who reviewed, decided or measured, an Observation per measurement (UCUM units
 * mm, mm2, deg, [hnsf'U]) and a CarePlan for every accepted plan.
 */
export function caseToBundle(c: ReportCase, exportedAt: string, language: ReportLanguage = 'en'): fhir4.Bundle {
  // Free text (`text`, notes, conclusions) is in the export's language; codes and the code systems' displays are not.
  const w = FHIR_WORDS[language] ?? FHIR_WORDS.en;
  const entries: Entry[] = [];
  const add = (kind: string, id: string, resource: fhir4.FhirResource): string => {
    const uuid = uuidFor(kind, id);
    resource.id = uuid;
    const fullUrl = `urn:uuid:${uuid}`;
    entries.push({ fullUrl, resource });
    return fullUrl;
  };
  const security: fhir4.Coding[] = c.deidentified ? [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'PSEUDED', display: 'pseudonymized' }] : [];
  const meta = (): fhir4.Meta | undefined => (security.length > 0 ? { security } : undefined);

  const patient: fhir4.Patient = {
    resourceType: 'Patient',
    ...(meta() ? { meta: meta() } : {}),
    identifier: c.deidentified
      ? [{ system: SYS_PSEUDONYM, value: c.patient.id }]
      : [
          // A patient registered from DICOM without a Patient ID has no MRN: its NO-ID key is not sent as one.
          ...(hasNoId(c.patient) ? [] : [{ system: SYS_MRN, value: c.patient.mrn, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }]),
          { system: SYS_PATIENT_ID, value: c.patient.id },
        ],
    ...(c.deidentified ? {} : { name: [{ text: c.patient.name }] }),
    gender: gender(c.patient.sex),
    ...(c.patient.birthDate ? { birthDate: c.patient.birthDate } : {}),
  };
  const patientRef = add('Patient', c.patient.id, patient);
  const subject: fhir4.Reference = { reference: patientRef };

  const practitioners = new Map<string, string>();
  const practitioner = (username: string | null): fhir4.Reference | undefined => {
    if (!username) return undefined;
    let ref = practitioners.get(username);
    if (!ref) {
      ref = add('Practitioner', username, { resourceType: 'Practitioner', identifier: [{ system: SYS_USER, value: username }], name: [{ text: username }] });
      practitioners.set(username, ref);
    }
    return { reference: ref, display: username };
  };

  const studyRefs = new Map<string, string>();
  for (const study of c.studies) {
    const series = study.series
      .filter((s): s is typeof s & { seriesUid: string } => Boolean(s.seriesUid))
      .map(
        (s): fhir4.ImagingStudySeries => ({
          uid: s.seriesUid,
          ...(s.seriesNumber !== null ? { number: s.seriesNumber } : {}),
          modality: { system: DCM, code: s.modality || 'OT' },
          ...(s.description ? { description: s.description } : {}),
          numberOfInstances: s.images.length,
          ...(s.bodyPart ? { bodySite: { display: s.bodyPart } } : {}),
        }),
      );
    const resource: fhir4.ImagingStudy = {
      resourceType: 'ImagingStudy',
      ...(meta() ? { meta: meta() } : {}),
      status: 'available',
      subject,
      ...(study.studyUid ? { identifier: [{ system: SYS_DICOM_UID, value: `urn:oid:${study.studyUid}` }] } : {}),
      ...(study.studyDate ? { started: study.studyDate } : {}),
      ...(study.description ? { description: study.description } : {}),
      numberOfSeries: study.series.length,
      numberOfInstances: study.series.reduce((n, s) => n + s.images.length, 0),
      ...(series.length > 0 ? { series } : {}),
    };
    studyRefs.set(study.id, add('ImagingStudy', study.id, resource));
  }
  const studyOfImage = new Map<string, string>();
  for (const study of c.studies) for (const s of study.series) for (const i of s.images) studyOfImage.set(i.id, study.id);

  const deviceRefs = new Map<string, string>();
  for (const m of c.modelVersions) deviceRefs.set(m.id, add('Device', m.id, modelDevice(m, w)));

  const observationsByStudy = new Map<string, { ref: string; d: ReportDiagnosis }[]>();
  for (const d of c.diagnoses) {
    const studyId = d.studyId ?? (d.imageId ? studyOfImage.get(d.imageId) : undefined) ?? '';
    const studyRef = studyRefs.get(studyId);
    const device = d.modelVersionId ? deviceRefs.get(d.modelVersionId) : undefined;
    const reviewed = d.review && d.review.status !== 'pending';
    const components: fhir4.ObservationComponent[] = [
      {
        code: { text: w.confidence },
        valueQuantity: { value: Number(d.confidence.toFixed(4)), unit: 'probability', system: 'http://unitsofmeasure.org', code: '1' },
      },
      { code: { text: w.uncertainFlag }, valueBoolean: d.uncertain },
      ...d.probabilities.map(
        (p): fhir4.ObservationComponent => ({
          code: { text: w.probabilityOf(p.className) },
          valueQuantity: { value: Number(p.probability.toFixed(4)), unit: 'probability', system: 'http://unitsofmeasure.org', code: '1' },
        }),
      ),
    ];
    const obs: fhir4.Observation = {
      resourceType: 'Observation',
      ...(meta() ? { meta: meta() } : {}),
      status: reviewed ? 'final' : 'preliminary',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging', display: 'Imaging' }] }],
      code: { text: w.finding },
      subject,
      ...(d.createdAt ? { effectiveDateTime: d.createdAt } : {}),
      valueCodeableConcept: { text: d.finding },
      ...(d.uncertain ? { interpretation: [{ text: w.checkImages }] } : {}),
      ...(device ? { device: { reference: device } } : {}),
      ...(studyRef ? { derivedFrom: [{ reference: studyRef }] } : {}),
      component: components,
      note: [{ text: w.observationNote(pct(d.confidence), d.review?.note ?? null) }],
    };
    const ref = add('Observation', d.id, obs);
    const list = observationsByStudy.get(studyId) ?? [];
    list.push({ ref, d });
    observationsByStudy.set(studyId, list);
  }

  for (const [studyId, list] of observationsByStudy) {
    const studyRef = studyRefs.get(studyId);
    const reviewers = [...new Set(list.map((x) => x.d.review?.by).filter((b): b is string => Boolean(b)))];
    const allReviewed = list.every((x) => x.d.review && x.d.review.status !== 'pending');
    const conclusion = list.map(({ d }) => {
      const r = d.review;
      if (!r || r.status === 'pending') return w.notReviewed(d.finding, pct(d.confidence), d.uncertain);
      if (r.status === 'confirmed') return w.confirmed(d.finding, pct(d.confidence), r.by ?? w.unknown);
      return w.overridden(d.finding, pct(d.confidence), r.by ?? w.unknown, r.finalClass ?? w.unknown);
    });
    const report: fhir4.DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      ...(meta() ? { meta: meta() } : {}),
      status: allReviewed ? 'final' : 'preliminary',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
      code: { text: w.reportCode },
      subject,
      issued: exportedAt,
      ...(reviewers.length > 0 ? { resultsInterpreter: reviewers.map((r) => practitioner(r)!) } : {}),
      result: list.map((x) => ({ reference: x.ref })),
      ...(studyRef ? { imagingStudy: [{ reference: studyRef }] } : {}),
      conclusion: w.conclusion(conclusion),
    };
    add('DiagnosticReport', `${studyId}:${list.map((x) => x.d.id).join(',')}`, report);
  }

  // One Observation per measurement: the patient, the study of its image, who measured and when.
  const images = new Map<string, ReportImage>([...c.studies.flatMap((st) => st.series.flatMap((se) => se.images)), ...c.looseImages].map((i) => [i.id, i]));
  for (const m of c.measurements) {
    const studyRef = studyRefs.get(m.studyId ?? studyOfImage.get(m.imageId) ?? '');
    const performer = practitioner(m.createdBy);
    add('Observation', `measurement:${m.id}`, {
      resourceType: 'Observation',
      ...(meta() ? { meta: meta() } : {}),
      identifier: [{ system: SYS_MEASUREMENT, value: m.id }],
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging', display: 'Imaging' }] }],
      code: { coding: [{ system: SYS_MEASUREMENT, code: m.kind }], text: w.measurement[m.kind] },
      subject,
      ...(m.createdAt ? { effectiveDateTime: m.createdAt } : {}),
      ...(performer ? { performer: [performer] } : {}),
      ...(studyRef ? { derivedFrom: [{ reference: studyRef }] } : {}),
      ...measurementValue(m, w),
      note: [{ text: w.measurementNote({ spacing: spacingWords(m, w), image: imageWords(images.get(m.imageId), m.imageId), frame: (images.get(m.imageId)?.frames ?? 1) > 1 ? m.frame + 1 : null }) }],
    });
  }

  for (const plan of c.carePlans) {
    if (plan.status !== 'accepted' && plan.status !== 'completed') continue;
    const author = practitioner(plan.decidedBy);
    const carePlan: fhir4.CarePlan = {
      resourceType: 'CarePlan',
      ...(meta() ? { meta: meta() } : {}),
      status: plan.status === 'completed' ? 'completed' : 'active',
      intent: 'plan',
      title: plan.planName,
      ...(plan.reason ? { description: plan.reason } : {}),
      subject,
      ...(plan.startDate ? { period: { start: plan.startDate } } : {}),
      ...(plan.decidedAt ? { created: plan.decidedAt } : {}),
      ...(author ? { author } : {}),
      ...(plan.steps.length > 0 ? { activity: plan.steps.map((step) => ({ detail: { status: 'not-started' as const, description: step } })) } : {}),
    };
    add('CarePlan', plan.id, carePlan);
  }

  return {
    resourceType: 'Bundle',
    id: uuidFor('Bundle', `${c.patient.id}:${exportedAt}`),
    language,
    ...(meta() ? { meta: meta() } : {}),
    type: 'collection',
    timestamp: exportedAt,
    entry: entries,
  };
}

/** A quantity in UCUM: `code` is the UCUM code, `unit` what a person reads. */
function quantity(value: number, unit: string, code: string): fhir4.Quantity {
  return { value: Number(value.toFixed(4)), unit, system: UCUM, code };
}

/** The unit of modality values: Hounsfield units for CT ([hnsf'U]), else a plain number (1). */
function modalityQuantity(value: number, unit: string): fhir4.Quantity {
  return unit === 'HU' ? quantity(value, 'HU', "[hnsf'U]") : quantity(value, '1', '1');
}

/**
 * A measurement's value: a length in mm (or in pixels, UCUM annotation {pixel}, when
 * uncalibrated), an angle in deg, a probe's modality value with its stored value as a component,
 * a region's mean with SD, min, max, pixel count and area (mm2, or {pixel2}) as components.
 */
function measurementValue(m: ReportMeasurement, w: FhirWords): Pick<fhir4.Observation, 'valueQuantity' | 'component'> {
  if (m.kind === 'length') return { valueQuantity: m.valueMm !== null ? quantity(m.valueMm, 'mm', 'mm') : quantity(m.valuePx ?? 0, 'pixel', '{pixel}') };
  if (m.kind === 'angle') return { valueQuantity: quantity(m.angleDeg ?? 0, 'deg', 'deg') };
  if (m.kind === 'probe') {
    const p = m.probe ?? { raw: 0, value: 0 };
    return { valueQuantity: modalityQuantity(p.value, m.unit), component: [{ code: { text: w.storedValue }, valueQuantity: quantity(p.raw, '1', '1') }] };
  }
  const s = m.stats ?? { mean: 0, sd: 0, min: 0, max: 0, count: 0, areaPx: 0, areaMm2: null };
  return {
    valueQuantity: modalityQuantity(s.mean, m.unit),
    component: [
      { code: { text: w.mean }, valueQuantity: modalityQuantity(s.mean, m.unit) },
      { code: { text: w.sd }, valueQuantity: modalityQuantity(s.sd, m.unit) },
      { code: { text: w.min }, valueQuantity: modalityQuantity(s.min, m.unit) },
      { code: { text: w.max }, valueQuantity: modalityQuantity(s.max, m.unit) },
      { code: { text: w.pixelCount }, valueQuantity: quantity(s.count, 'pixels', '{pixel}') },
      { code: { text: w.area }, valueQuantity: s.areaMm2 !== null ? quantity(s.areaMm2, 'mm2', 'mm2') : quantity(s.areaPx, 'pixel2', '{pixel2}') },
    ],
  };
}

function spacingWords(m: ReportMeasurement, w: FhirWords): string | null {
  if (!m.spacing || !m.spacingSource) return null;
  return `${w.spacingSource[m.spacingSource]} ${m.spacing[0]} x ${m.spacing[1]} mm (rows x columns)`;
}

function imageWords(image: ReportImage | undefined, imageId: string): string {
  if (!image) return imageId;
  return [image.modality || image.format.toUpperCase(), image.instanceNumber !== null ? `#${image.instanceNumber}` : '', image.sopInstanceUid ? `(SOP Instance UID ${image.sopInstanceUid})` : ''].filter(Boolean).join(' ');
}

function modelDevice(m: ReportModelVersion, w: FhirWords): fhir4.Device {
  const test = m.metrics.filter((x) => x.split === 'test');
  const card = w.card({
    architecture: m.architecture,
    classes: m.classes,
    data: m.dataSummary || null,
    metrics: test.length > 0 ? test.map((x) => `${x.name} ${x.value.toFixed(3)}`).join(', ') : null,
    gaps: m.subgroupGaps.length > 0 ? m.subgroupGaps.join('; ') : null,
    intendedUse: m.intendedUse || null,
  });
  return {
    resourceType: 'Device',
    identifier: [{ system: SYS_MODEL, value: m.id }],
    deviceName: [{ name: m.name, type: 'model-name' }],
    type: { text: w.deviceType },
    version: [{ value: m.id }],
    note: [{ text: card }],
  };
}
