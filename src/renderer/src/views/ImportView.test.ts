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
    importReport: vi.fn(async () => ({
      ok: true as const,
      value: {
        status: { ...running, state: 'done', processed: 100 },
        failures: [{ path: '/data/x/readme.txt', reason: 'not DICOM, PNG or JPEG' }],
        totalFailures: 1,
        duplicates: [
          { path: '/data/x/copy.dcm', match: 'same-file', originalImageId: 'img1', originalPath: '/data/x/a.dcm', withinImport: true },
          { path: '/data/x/again.dcm', match: 'same-instance', originalImageId: 'img2', originalPath: '/old/b.dcm', withinImport: false },
        ],
        totalDuplicates: 2,
      },
    })),
  };
  const system = {
    browseFolder: vi.fn(async (input: { path?: string }) => ({
      ok: true as const,
      value: {
        path: input.path ?? '/home/ann',
        root: '/home/ann',
        parent: input.path ? '/home/ann' : null,
        crumbs: input.path ? [{ name: '~', path: '/home/ann', home: true }, { name: 'DICOM', path: '/home/ann/DICOM', home: false }] : [{ name: '~', path: '/home/ann', home: true }],
        places: [{ name: '~', path: '/home/ann', home: true }],
        entries: input.path ? [] : [{ name: 'DICOM', path: '/home/ann/DICOM', kind: 'folder' }],
        truncated: false,
        files: input.path ? 3 : 0,
      },
    })),
  };
  const api = {
    imaging,
    system,
    on: vi.fn((_: string, cb: (s: ImportStatus) => void) => {
      listener = cb;
      return () => (listener = null);
    }),
  } as unknown as Api;
  return { api, imaging, system, push: (s: ImportStatus) => listener?.(s) };
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
    expect(wrapper.get('[data-testid="import-report"]').text()).not.toContain('copy.dcm');

    // Duplicates, listed with the file they duplicate and where that one came from.
    await wrapper.get('[data-testid="report-filter-duplicates"]').setValue(true);
    const dupes = wrapper.findAll('[data-testid="report-row"]');
    expect(dupes.map((r) => r.attributes('data-kind'))).toEqual(['duplicate', 'duplicate']);
    expect(dupes[0]!.text()).toContain('Same file as /data/x/a.dcm');
    expect(dupes[0]!.text()).toContain('stored earlier in this import');
    expect(dupes[1]!.text()).toContain('Same image (SOP Instance UID) as /old/b.dcm');
    expect(dupes[1]!.text()).toContain('stored by an earlier import');
    await wrapper.get('[data-testid="report-filter-all"]').setValue(true);
    expect(wrapper.findAll('[data-testid="report-row"]')).toHaveLength(3);
  });

  it('says "No files found" for an empty folder, not a green "Finished"', async () => {
    const fake = fakeApi();
    const empty = { ...running, state: 'done' as const, phase: 'finished' as const, found: 0, processed: 0, imported: 0, duplicates: 0, failed: 0 };
    fake.imaging.importReport.mockResolvedValue({ ok: true, value: { status: empty, failures: [], totalFailures: 0, duplicates: [], totalDuplicates: 0 } } as never);
    setApi(fake.api);
    const wrapper = mount(ImportView);
    await flushPromises();
    await wrapper.get('[data-testid="import-paths"]').setValue('/data/empty');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    fake.push(empty);
    await flushPromises();
    expect(wrapper.get('[data-testid="import-state"]').attributes('data-state')).toBe('empty');
    expect(wrapper.get('[data-testid="import-state"]').text()).toContain('No files found');
    expect(wrapper.get('[data-testid="import-no-files"]').text()).toContain('/data/x');
    expect(wrapper.find('[data-testid="import-report-section"]').exists()).toBe(false);
  });

  it('browses folders in the page when there is no native dialog, and uses the native one when the preload has it', async () => {
    const fake = fakeApi();
    setApi(fake.api);
    const wrapper = mount(ImportView, { attachTo: document.body });
    await wrapper.get('[data-testid="import-browse"]').trigger('click');
    await flushPromises();
    expect(fake.system.browseFolder).toHaveBeenCalledWith({});
    expect(wrapper.get('[data-testid="folder-choose"]').text()).toContain('Home folder');
    await wrapper.get('[data-testid="folder-entry"]').trigger('click');
    await flushPromises();
    expect(fake.system.browseFolder).toHaveBeenLastCalledWith({ path: '/home/ann/DICOM' });
    expect(wrapper.get('[data-testid="folder-files"]').text()).toContain('3 files');
    // Keyboard: Backspace goes up, Esc closes without choosing.
    await wrapper.get('[data-testid="folder-list"]').trigger('keydown', { key: 'Backspace' });
    await flushPromises();
    expect(fake.system.browseFolder).toHaveBeenLastCalledWith({ path: '/home/ann' });
    await wrapper.get('[data-testid="folder-list"]').trigger('keydown', { key: 'Escape' });
    expect(wrapper.find('[data-testid="folder-browser"]').exists()).toBe(false);
    expect((wrapper.get('[data-testid="import-paths"]').element as HTMLTextAreaElement).value).toBe('');
    await wrapper.get('[data-testid="import-browse"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="folder-entry"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="folder-choose"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="folder-browser"]').exists()).toBe(false);
    expect((wrapper.get('[data-testid="import-paths"]').element as HTMLTextAreaElement).value).toBe('/home/ann/DICOM');
    wrapper.unmount();

    const pickFolders = vi.fn(async () => ({ ok: true as const, value: ['/home/ann/DICOM', '/media/usb'] }));
    setApi(Object.assign(fakeApi().api, { pickFolders }));
    const desktop = mount(ImportView);
    await desktop.get('[data-testid="import-paths"]').setValue('/home/ann/DICOM');
    await desktop.get('[data-testid="import-browse"]').trigger('click');
    await flushPromises();
    expect(pickFolders).toHaveBeenCalledOnce();
    expect(desktop.find('[data-testid="folder-browser"]').exists()).toBe(false);
    expect((desktop.get('[data-testid="import-paths"]').element as HTMLTextAreaElement).value).toBe('/home/ann/DICOM\n/media/usb');
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
