import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import type { Diagnosis } from '../../../../shared/domain/ml';
import { setApi } from '../../api';
import DiagnosisPanel from './DiagnosisPanel.vue';

function diagnosis(over: Partial<Diagnosis> = {}): Diagnosis {
  return {
    id: 'd1',
    imageId: 'i1',
    modelVersionId: 'v1',
    modelVersion: 1,
    classes: ['normal', 'pneumonia'],
    probabilities: [0.1, 0.9],
    predictedClass: 'pneumonia',
    confidence: 0.9,
    threshold: 0.8,
    uncertain: false,
    applicability: { inScope: true, reasons: [] },
    ood: { score: 0.1, threshold: 1, flagged: false, method: 'test' },
    heatmap: { width: 1, height: 1, values: [0] },
    createdAt: '2026-01-02T09:00:00.000Z',
    createdBy: 'carol',
    review: null,
    ...over,
  };
}

const ok = <T>(value: T) => ({ ok: true as const, value });

function panel(d: Diagnosis, api: Partial<Record<string, unknown>> = {}) {
  setApi({ ml: { review: vi.fn(async () => ok({ ...d, review: { decision: 'confirmed', className: d.predictedClass, reason: '', by: 'carol', at: '2026-01-02T10:00:00.000Z', labelId: null } })) }, ...api } as unknown as Api);
  return mount(DiagnosisPanel, { props: { diagnosis: d, image: null, patientId: 'p1', threshold: 0.8 } });
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

describe('DiagnosisPanel', () => {
  it('unreviewed output: confirm and override offered, both record actions off with the reason', () => {
    const w = panel(diagnosis());
    expect(w.get('h2').text()).toContain('Model suggestion: pneumonia');
    expect(w.find('[data-testid=confirm]').exists()).toBe(true);
    expect(w.find('[data-testid=outside-training]').exists()).toBe(false);
    expect(w.get('[data-testid=actions-blocked]').text()).toContain('Review the finding first');
    expect(w.get('[data-testid=action-problem-list]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid=action-label-set]').attributes('disabled')).toBeDefined();
  });

  it('output outside the model\'s training: the warning with its reasons, no confirm button, override only', () => {
    for (const over of [{ applicability: { inScope: false, reasons: ['The model was trained on PNG images; this image is a DICOM CT.'] } }, { ood: { score: 9, threshold: 2, flagged: true, method: 'test' } }]) {
      const w = panel(diagnosis(over));
      const box = w.get('[data-testid=outside-training]');
      expect(box.text()).toContain("Outside this model's training — not for clinical use");
      expect(box.findAll('li').length).toBe(1);
      expect(w.find('[data-testid=confirm]').exists()).toBe(false);
      expect(w.find('[data-testid=override]').exists()).toBe(true);
    }
  });

  it('confirming records the review; the actions then open, each a preview before anything is written', async () => {
    const conditionFromDiagnosis = vi.fn(async () =>
      ok({ patientId: 'p1', patientName: 'Grace Park', mrn: 'DX1', condition: { code: 'J18', words: 'pneumonia' }, source: 'diagnosis', notedBy: 'carol', fromDiagnosis: { diagnosisId: 'd1', decision: 'confirmed', className: 'pneumonia', reviewedBy: 'carol', reviewedAt: '2026-01-02T10:00:00.000Z' }, alreadyOnList: false }),
    );
    const addCondition = vi.fn();
    const d = diagnosis();
    const w = panel(d, { careplans: { conditionFromDiagnosis, addCondition } });
    await w.get('[data-testid=confirm]').trigger('click');
    await flushPromises();
    const reviewed = w.emitted('updated')![0]![0] as Diagnosis;
    expect(reviewed.review?.decision).toBe('confirmed');
    await w.setProps({ diagnosis: reviewed });
    expect(w.find('[data-testid=actions-blocked]').exists()).toBe(false);
    await w.get('[data-testid=action-problem-list]').trigger('click');
    await flushPromises();
    expect(conditionFromDiagnosis).toHaveBeenCalledWith({ diagnosisId: 'd1' });
    expect(w.get('[data-testid=problem-preview-condition]').text()).toBe('J18 pneumonia');
    expect(addCondition).not.toHaveBeenCalled();
  });
});
