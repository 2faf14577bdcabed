import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportStatus } from '../../../shared/domain/imaging';
import type { Api } from '../../../shared/ipc/contract';
import { setApi } from '../api';
import ImportView from './ImportView.vue';

const running: ImportStatus = {
  importId: 'imp1', state: 'running', phase: 'importing', found: 100, processed: 40, imported: 38, duplicates: 1, failed: 1, bytes: 2_000_000,
  rate: 20, etaSeconds: 3, startedAt: '2026-01-01T00:00:00Z', finishedAt: null, paths: ['/data/x'], labelSet: null, error: null,
};

function fakeApi() {
  let listener: ((s: ImportStatus) => void) | null = null;
  const imaging = {
    importStart: vi.fn(async () => ({ ok: true as const, value: running })),
    importCancel: vi.fn(async () => ({ ok: true as const, value: running })),
    imports: vi.fn(async () => ({ ok: true as const, value: [] })),
    importReport: vi.fn(async () => ({ ok: true as const, value: { status: { ...running, state: 'done', processed: 100 }, failures: [{ path: '/data/x/readme.txt', reason: 'not DICOM, PNG or JPEG' }], totalFailures: 1 } })),
  };
  const api = {
    imaging,
    on: vi.fn((_: string, cb: (s: ImportStatus) => void) => {
      listener = cb;
      return () => (listener = null);
    }),
  } as unknown as Api;
  return { api, imaging, push: (s: ImportStatus) => listener?.(s) };
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

describe('ImportView', () => {
  it('starts an import with the typed folders and options, shows live progress, then the report', async () => {
    const fake = fakeApi();
    setApi(fake.api);
    const wrapper = mount(ImportView);
    await flushPromises();
    await wrapper.get('[data-testid="import-paths"]').setValue('/data/x\n\n  /data/y  \n');
    await wrapper.get('[data-testid="import-labels"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.imaging.importStart).toHaveBeenCalledWith({ paths: ['/data/x', '/data/y'], labelsFromFolders: true });
    expect(wrapper.get('[data-testid="import-progress"]').attributes('aria-valuenow')).toBe('40');
    expect(wrapper.find('[data-testid="import-cancel"]').exists()).toBe(true);

    fake.push({ ...running, processed: 80, imported: 78 });
    await flushPromises();
    expect(wrapper.get('[data-testid="import-progress"]').attributes('aria-valuenow')).toBe('80');

    fake.push({ ...running, state: 'done', phase: 'finished', processed: 100 });
    await flushPromises();
    expect(fake.imaging.importReport).toHaveBeenCalledWith({ importId: 'imp1', limit: 2000 });
    expect(wrapper.get('[data-testid="import-report"]').text()).toContain('not DICOM, PNG or JPEG');
  });

  it('shows a refused start as an error and keeps the form', async () => {
    const fake = fakeApi();
    fake.imaging.importStart.mockResolvedValueOnce({ ok: false, error: { code: 'VALIDATION', message: 'Check the form: Give at least one folder.', issues: [{ path: 'paths', message: 'Give at least one folder' }] } } as never);
    setApi(fake.api);
    const wrapper = mount(ImportView);
    await wrapper.get('[data-testid="import-paths"]').setValue('x');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.text()).toContain('Give at least one folder');
    expect(wrapper.find('[data-testid="import-progress"]').exists()).toBe(false);
  });
});
