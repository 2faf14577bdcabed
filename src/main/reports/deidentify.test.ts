/**
 * Date shifting in de-identification: every form a date arrives in moves by the patient's
 * days, the ACR-NEMA YYYY.MM.DD included (written back as DA's YYYYMMDD), in the DICOM files
 * as in the reports; what cannot be read is dropped, never passed through.
 */
import fs from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../app/testing';
import { Pseudonymizer } from './deidentify';
import { deidentifyDicom } from './dicomDeid';

const p = new Pseudonymizer(Buffer.alloc(32, 7));
const PID = 'patient-1';

/** The date `days` after YYYY-MM-DD, by the calendar (independent of shiftDate's code). */
function plusDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('Pseudonymizer.shiftDate', () => {
  const days = p.dateShiftDays(PID);

  it('shifts YYYY-MM-DD, YYYYMMDD and date-times in their own form', () => {
    expect(days).toBeLessThan(0);
    expect(p.shiftDate(PID, '1993-02-24')).toBe(plusDays('1993-02-24', days));
    expect(p.shiftDate(PID, '19930224')).toBe(plusDays('1993-02-24', days).replaceAll('-', ''));
    expect(p.shiftDate(PID, '2026-01-02T10:11:12.000Z')).toBe(`${plusDays('2026-01-02', days)}T10:11:12.000Z`);
    expect(p.shiftDate(PID, '20260102101112.5+0100')).toBe(`${plusDays('2026-01-02', days).replaceAll('-', '')}101112.5+0100`);
  });

  it('shifts the ACR-NEMA YYYY.MM.DD and writes it as DA YYYYMMDD', () => {
    expect(p.shiftDate(PID, '1993.02.24')).toBe(plusDays('1993-02-24', days).replaceAll('-', ''));
    // The same day as the standard form: longitudinal order between old and new files holds.
    expect(p.shiftDate(PID, '1993.02.24')).toBe(p.shiftDate(PID, '19930224'));
  });

  it('drops what it cannot read (mixed separators, words) and keeps empty as empty', () => {
    expect(p.shiftDate(PID, '1993.02-24')).toBeNull();
    expect(p.shiftDate(PID, '1993/02/24')).toBeNull();
    expect(p.shiftDate(PID, 'yesterday')).toBeNull();
    expect(p.shiftDate(PID, '')).toBe('');
    expect(p.shiftDate(PID, null)).toBeNull();
  });
});

describe('DICOM de-identification of old dates', () => {
  it('shifts the YYYY.MM.DD dates of an ACR-NEMA-era file instead of emptying them', () => {
    // gdcm's CR: Instance Creation Date 1995.07.20, Acquisition Date 1993.02.24.
    const original = fs.readFileSync(path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-CR-MONO1-10-chest.dcm'));
    const before = dicomParser.parseDicom(new Uint8Array(original));
    expect(before.string('x00080022')).toBe('1993.02.24');
    const out = deidentifyDicom(original, { pseudonymizer: p, patientId: PID, pseudonym: p.patient(PID) });
    const after = dicomParser.parseDicom(new Uint8Array(out));
    const days = p.dateShiftDays(PID);
    expect(after.string('x00080022')).toBe(plusDays('1993-02-24', days).replaceAll('-', ''));
    expect(after.string('x00080012')).toBe(plusDays('1995-07-20', days).replaceAll('-', ''));
    expect(Buffer.from(out).toString('latin1')).not.toContain('1993.02.24');
  });
});
