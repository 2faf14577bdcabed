import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import type { Diagnosis } from '../../../../shared/domain/ml';
import type { PacsNode } from '../../../../shared/domain/pacs';
import { setApi } from '../../api';
import { useAuthStore } from '../../stores/auth';
import SendToPacs from './SendToPacs.vue';

const ok = <T>(value: T) => ({ ok: true as const, value });
const REVIEW = { decision: 'overridden' as const, className: 'normal', reason: 'Clear lungs', by: 'carol', at: '2026-01-02T10:00:00.000Z' };

function diagnosis(over: Partial<Diagnosis> = {}): Diagnosis {
  return {
    id: 'd1', imageId: 'i1', modelVersionId: 'v1', modelVersion: 3, classes: ['normal', 'pneumonia'], probabilities: [0.13, 0.87], predictedClass: 'pneumonia', confidence: 0.87, threshold: 0.8, uncertain: false,
    applicability: { inScope: true, reasons: [] }, ood: { score: 0.1, threshold: 1, flagged: false, method: 'test' }, heatmap: { width: 1, height: 1, values: [0] }, createdAt: '2026-01-02T09:00:00.000Z', createdBy: 'carol', review: null,
    ...over,
  };
}

const node = (over: Partial<PacsNode> = {}): PacsNode => ({ id: 'n1', name: 'Hospital PACS', dicomweb: { baseUrl: 'http://127.0.0.1:1', auth: 'none', user: null, hasSecret: false, hasCa: false }, dimse: null, research: false, createdAt: '', createdBy: 'admin', ...over });

function mountWith(d: Diagnosis, nodes: PacsNode[], send = vi.fn(async () => ok({ nodeId: 'n1', nodeName: 'Hospital PACS', via: 'dicomweb', sent: [{ diagnosisId: d.id, ok: true, srSopInstanceUid: '2.25.1', scSopInstanceUid: '2.25.2', deidentified: false, error: null }], patientIds: [] }))) {
  setApi({ pacs: { nodes: vi.fn(async () => ok(nodes)), send } } as unknown as Api);
  const auth = useAuthStore();
  auth.can = () => true;
  return { w: mount(SendToPacs, { props: { diagnosis: d } }), send };
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

describe('Send to PACS', () => {
  it('is off for an unreviewed finding', async () => {
    const { w } = mountWith(diagnosis(), [node()]);
    await flushPromises();
    expect(w.get('[data-testid=action-send-pacs]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid=action-send-pacs]').attributes('title')).toContain('Review the finding first');
  });

  it('shows what will be written, then sends the reviewed finding', async () => {
    const { w, send } = mountWith(diagnosis({ review: REVIEW }), [node()]);
    await flushPromises();
    await w.get('[data-testid=action-send-pacs]').trigger('click');
    const preview = w.get('[role=group]').text();
    expect(preview).toContain('finding normal');
    expect(preview).toContain('model version 3');
    expect(preview).toContain('overridden by carol');
    expect(preview).toContain('DECISION SUPPORT - NOT FOR DIAGNOSIS');
    await w.get('[data-testid=send-pacs-confirm]').trigger('click');
    await flushPromises();
    expect(send).toHaveBeenCalledWith({ nodeId: 'n1', diagnosisIds: ['d1'] });
    expect(w.get('[data-testid=send-pacs-done]').text()).toContain('Sent to Hospital PACS');
  });

  it('sends de-identified copies to a research PACS', async () => {
    const { w, send } = mountWith(diagnosis({ review: REVIEW }), [node({ id: 'r1', name: 'Research', research: true })]);
    await flushPromises();
    await w.get('[data-testid=action-send-pacs]').trigger('click');
    await w.get('[data-testid=send-pacs-confirm]').trigger('click');
    await flushPromises();
    expect(send).toHaveBeenCalledWith({ nodeId: 'r1', diagnosisIds: ['d1'], deidentify: true });
  });
});
