import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../../shared/domain/ml';
import { setLocale } from '../../i18n';
import { pacsMessage } from '../../stores/pacs';
import { applicabilityReasons, outsideReasons } from './mlWords';

type Checked = Pick<Diagnosis, 'applicability' | 'ood'>;
const notFlagged = { score: 0.1, threshold: 1, flagged: false, method: 'test' };

/** A CT for a model trained on DX images: the main process's English and its keyed form. */
const ct: Checked = {
  applicability: {
    inScope: false,
    reasons: ['The model was trained on DX images; this image is a DICOM CT.', 'The model was trained on images 28 x 28 pixels; this one is 512 x 512.'],
    notes: [
      { key: 'modalityOther', params: { format: 'DICOM', modality: 'CT' }, lists: { trainedModalities: ['DX', 'CR'], trainedFormats: [] } },
      { key: 'size', params: { width: '28', height: '28', w: 512, h: 512 } },
    ],
  },
  ood: notFlagged,
};

afterEach(() => setLocale('en'));

describe('applicability and OOD reasons in the interface language', () => {
  it('words the keyed reasons in English as the main process does', () => {
    expect(applicabilityReasons(ct)).toEqual(['The model was trained on DX or CR images; this image is a DICOM CT.', ct.applicability.reasons[1]]);
  });

  it('words them in Chinese, lists joined the Chinese way, codes and sizes kept', () => {
    setLocale('zh-CN');
    const [modality, size] = applicabilityReasons(ct);
    expect(modality).toBe('模型训练所用为 DX 或 CR 图像；此图像为 DICOM 格式的 CT。');
    expect(size).toContain('28 x 28');
    expect(size).toContain('512 x 512');
    expect(outsideReasons(ct)).toHaveLength(2);
  });

  it('translates colours, and falls back to the stored English when a row has no keys', () => {
    setLocale('zh-CN');
    const colour: Checked = { applicability: { inScope: false, reasons: ['x'], notes: [{ key: 'colour', lists: { trained: ['grey'], colour: ['colour'] } }] }, ood: notFlagged };
    expect(applicabilityReasons(colour)).toEqual(['模型训练所用为灰度图像；此图像为彩色。']);
    const old: Checked = { applicability: { inScope: false, reasons: ['The model was trained on DX images; this image is a DICOM CT.'] }, ood: notFlagged };
    expect(outsideReasons(old)).toEqual(['The model was trained on DX images; this image is a DICOM CT.']);
  });

  it('says an out-of-distribution image in words, with a known method translated', () => {
    setLocale('zh-CN');
    const ood: Checked = {
      applicability: { inScope: true, reasons: [] },
      ood: { score: 12.345, threshold: 3, flagged: true, method: 'Mahalanobis distance (Lee et al. 2018) on the pooled last convolutional features' },
    };
    const [reason] = outsideReasons(ood);
    expect(reason).toContain('12.35');
    expect(reason).toContain('马氏距离');
    expect(reason).not.toContain('Mahalanobis');
  });
});

describe('PACS failures', () => {
  it('are worded from their key, or shown as sent when they have none', () => {
    setLocale('zh-CN');
    expect(pacsMessage('The PACS "A" cannot be reached: ECONNREFUSED. Check…', { key: 'unreachable', params: { node: 'A', detail: 'ECONNREFUSED' } })).toBe(
      '无法连接 PACS“A”：ECONNREFUSED。请检查其是否在运行、地址是否正确。',
    );
    expect(pacsMessage('some English', undefined)).toBe('some English');
  });
});
