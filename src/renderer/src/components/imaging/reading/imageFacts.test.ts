import { describe, expect, it } from 'vitest';
import type { DicomTagRow } from '../../../../../shared/domain/imaging';
import { factsFromTags, isoDate } from './imageFacts';

const row = (tag: string, value: string, depth = 0): DicomTagRow => ({ tag, name: '', vr: '', value, depth });

describe('factsFromTags', () => {
  it('reads patient, study, series and orientation from the top level', () => {
    const f = factsFromTags([
      row('(0010,0010)', 'Doe^Jane^^'),
      row('(0010,0020)', 'PID-7'),
      row('(0008,0020)', '19930224'),
      row('(0008,1030)', 'CT CHEST'),
      row('(0020,0011)', '3'),
      row('(0008,103E)', 'AXIAL 5mm'),
      row('(0008,0060)', 'CT'),
      row('(0020,0037)', '1\\0\\0\\0\\1\\0'),
    ]);
    expect(f).toEqual({ patientName: 'Doe Jane', patientId: 'PID-7', studyDate: '1993-02-24', studyDescription: 'CT CHEST', seriesNumber: '3', seriesDescription: 'AXIAL 5mm', modality: 'CT', orientation: [1, 0, 0, 0, 1, 0] });
  });

  it('takes an enhanced file\'s per-frame orientation when the top level has none, and nothing from a PNG', () => {
    expect(factsFromTags([row('(5200,9230)', 'sequence of 2 item(s)'), row('(0020,0037)', '0\\1\\0\\0\\0\\-1', 2)]).orientation).toEqual([0, 1, 0, 0, 0, -1]);
    expect(factsFromTags([])).toEqual({ patientName: '', patientId: '', studyDate: '', studyDescription: '', seriesNumber: '', seriesDescription: '', modality: '', orientation: null });
  });

  it('reads the old dotted date form and refuses what is not a date', () => {
    expect(isoDate('1993.02.24')).toBe('1993-02-24');
    expect(isoDate('24/02/1993')).toBe('');
  });
});
