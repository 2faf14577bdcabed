import { createHmac, randomBytes } from 'node:crypto';
import type { Settings } from '../core/settings';
import type { ReportCase, ReportImage } from '../../shared/domain/reports';

const SECRET_KEY = 'reports.pseudonymSecret';

/**
 * The per-installation secret behind every pseudonym. Made once (32 random bytes) and kept
 * in the settings table: the same patient then gets the same pseudonym on every export from
 * this workstation, and nobody without the database can reverse or recompute it.
 */
export function pseudonymSecret(settings: Settings): Buffer {
  return Buffer.from(settings.setIfAbsent(SECRET_KEY, randomBytes(32).toString('hex')), 'hex');
}

const BASE32 = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789';

/** Stable, keyed replacements for identifiers, UIDs and dates. */
export class Pseudonymizer {
  constructor(private readonly secret: Buffer) {}

  private mac(kind: string, value: string): Buffer {
    return createHmac('sha256', this.secret).update(`${kind}\u0000${value}`).digest();
  }

  /** A patient's pseudonym, e.g. "CL-7K2M9QX4TB": the same for the same patient every time. */
  patient(patientId: string): string {
    const mac = this.mac('patient', patientId);
    let out = '';
    for (let i = 0; i < 10; i++) out += BASE32[mac[i]! % BASE32.length];
    return `CL-${out}`;
  }

  /** A stable opaque id for any other record (study, image, diagnosis...). */
  id(kind: string, value: string): string {
    return this.mac(kind, value).subarray(0, 16).toString('hex');
  }

  /**
   * A DICOM UID remapped the same way every time: "2.25." + a 128-bit number from the HMAC,
   * the form PS3.5 B.2 gives for UUID-derived UIDs (at most 64 characters).
   */
  uid(uid: string): string {
    const mac = this.mac('uid', uid).subarray(0, 16);
    mac[0]! &= 0x7f; // keep it well under 2^128 so the decimal stays at most 39 digits
    return `2.25.${BigInt('0x' + mac.toString('hex')).toString(10)}`;
  }

  /** Days to shift every date of this patient by: -1..-730, the same for every export. */
  dateShiftDays(patientId: string): number {
    return -(1 + (this.mac('dateshift', patientId).readUInt32BE(0) % 730));
  }

  /**
   * Shifts a YYYY-MM-DD (or YYYYMMDD, or an ISO date-time) by the patient's days; keeps the form.
   * The ACR-NEMA YYYY.MM.DD that old DICOM DA values still hold (the importer reads it) is
   * shifted too and written as today's DA, YYYYMMDD. One separator throughout or none.
   */
  shiftDate(patientId: string, value: string | null): string | null {
    if (!value) return value;
    const m = /^(\d{4})([-.]?)(\d{2})\2(\d{2})(.*)$/.exec(value);
    if (!m) return null; // a date we cannot read is dropped, not leaked
    const dashed = m[2] === '-';
    const d = new Date(Date.UTC(Number(m[1]), Number(m[3]) - 1, Number(m[4])));
    if (Number.isNaN(d.getTime())) return null;
    d.setUTCDate(d.getUTCDate() + this.dateShiftDays(patientId));
    const iso = d.toISOString().slice(0, 10);
    return (dashed ? iso : iso.replace(/-/g, '')) + m[5];
  }
}

function deidImage(p: Pseudonymizer, patientId: string, image: ReportImage): ReportImage {
  return {
    ...image,
    id: p.id('image', image.id),
    sopInstanceUid: image.sopInstanceUid ? p.uid(image.sopInstanceUid) : null,
    sha256: null,
    labels: image.labels.map((l) => ({ ...l, createdAt: p.shiftDate(patientId, l.createdAt) ?? '' })),
  };
}

/**
 * The de-identified copy of a case: names and ids become pseudonyms, dates move by the
 * patient's fixed shift, UIDs are remapped, free text that may identify (notes, study and
 * series descriptions, accession numbers, review notes, care-plan reasons) is removed.
 * Clinician user names stay: they identify staff, not the patient, and the audit needs them.
 */
export function deidentifyCase(c: ReportCase, p: Pseudonymizer): ReportCase {
  const pid = c.patient.id;
  const shift = (v: string | null) => p.shiftDate(pid, v);
  const imageId = (v: string | null) => (v ? p.id('image', v) : null);
  const studyId = (v: string | null) => (v ? p.id('study', v) : null);
  const pseudonym = p.patient(pid);
  return {
    patient: { id: pseudonym, mrn: pseudonym, name: pseudonym, birthDate: shift(c.patient.birthDate), sex: c.patient.sex, notes: '' },
    studies: c.studies.map((s) => ({
      id: p.id('study', s.id),
      studyUid: s.studyUid ? p.uid(s.studyUid) : null,
      studyDate: shift(s.studyDate),
      description: '',
      accession: '',
      series: s.series.map((se) => ({
        ...se,
        id: p.id('series', se.id),
        seriesUid: se.seriesUid ? p.uid(se.seriesUid) : null,
        description: '',
        images: se.images.map((i) => deidImage(p, pid, i)),
      })),
    })),
    looseImages: c.looseImages.map((i) => deidImage(p, pid, i)),
    diagnoses: c.diagnoses.map((d) => ({
      ...d,
      id: p.id('diagnosis', d.id),
      imageId: imageId(d.imageId),
      studyId: studyId(d.studyId),
      createdAt: shift(d.createdAt) ?? '',
      review: d.review ? { ...d.review, at: shift(d.review.at), note: '' } : null,
    })),
    // Model cards describe the model, not the patient: kept as they are.
    modelVersions: c.modelVersions,
    carePlans: c.carePlans.map((cp) => ({
      ...cp,
      id: p.id('careplan', cp.id),
      reason: '',
      decidedAt: shift(cp.decidedAt),
      startDate: shift(cp.startDate),
    })),
    // Values and the author stay (staff, as above); ids and dates are pseudonymised like the rest.
    measurements: c.measurements.map((m) => ({
      ...m,
      id: p.id('measurement', m.id),
      imageId: p.id('image', m.imageId),
      studyId: studyId(m.studyId),
      createdAt: shift(m.createdAt) ?? '',
    })),
    deidentified: true,
    notes: c.notes,
  };
}
