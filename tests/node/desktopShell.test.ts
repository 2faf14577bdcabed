/**
 * The desktop shell without the Electron binary: the built main entry (out/main/index.js)
 * is loaded in Node with a stub `electron` module, and what it does with Electron's API is
 * checked: the hardened window, the CSP, navigation and new windows denied, one IPC handler
 * per contract channel behind the sender check, the store opened on the data folder, and a
 * clean shutdown. (tests/e2e/electron.spec.ts drives a real Electron where one exists.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames } from '../../src/shared/ipc/contract';
import { CSP } from '../../src/main/ipc/webHost';

const root = path.resolve(__dirname, '../..');
const entry = path.join(root, 'out/main/index.js');
const preload = path.join(root, 'out/preload/index.js');
const rendererHtml = path.join(root, 'out/renderer/index.html');
const appUrl = pathToFileURL(rendererHtml).href;

// ---------------------------------------------------------------------------------------
// The build under test

/** The newest modification time under `dir`, test files excluded (they are not bundled). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/**
 * `npm test` builds before vitest runs, so the bundle is normally fresh and used as it is.
 * Run alone (npx vitest), a missing bundle or one older than its sources is rebuilt first,
 * so the test never passes on yesterday's build; a failed build fails the test, saying so.
 */
function ensureBuilt(): void {
  const built = [entry, preload, rendererHtml].every((f) => fs.existsSync(f));
  const sources = Math.max(...['src/main', 'src/shared', 'src/preload'].map((d) => newestSource(path.join(root, d))), fs.statSync(path.join(root, 'electron.vite.config.ts')).mtimeMs);
  if (built && fs.statSync(entry).mtimeMs >= sources && fs.statSync(preload).mtimeMs >= sources) return;
  const bin = path.join(root, 'node_modules/.bin', process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite');
  const r = spawnSync(bin, ['build'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(entry)) {
    throw new Error(
      `The desktop shell test needs the built main entry (${path.relative(root, entry)}), which was ${built ? 'older than its sources' : 'missing'}, ` +
        `and \`electron-vite build\` failed (exit ${r.status ?? r.signal}):\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-3000)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// A stub of the electron module: records what the main process asks of it

type Listener = (...args: never[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, listener: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }
  once(name: string, listener: Listener): this {
    return this.on(name, listener);
  }
  emit(name: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(name) ?? []) (listener as (...a: unknown[]) => unknown)(...args);
  }
  /** The one listener for `name` (the test calls it as Electron would). */
  listener<F>(name: string): F {
    const all = this.listeners.get(name) ?? [];
    expect(all, `listeners for ${name}`).toHaveLength(1);
    return all[0] as F;
  }
}

function electronEvent() {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

type IpcHandler = (event: unknown, input: unknown) => Promise<unknown>;
interface Frame {
  url: string;
}

function createElectronStub(userData: string) {
  let nextId = 1;
  const opened: string[] = [];
  let menu: { template: Record<string, unknown>[] } | null = null;
  let quitResolve: () => void = () => {};
  const quitDone = new Promise<void>((resolve) => (quitResolve = resolve));

  class WebContents extends Emitter {
    readonly id = nextId++;
    readonly mainFrame: Frame = { url: '' };
    readonly sent: unknown[][] = [];
    destroyed = false;
    windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.windowOpenHandler = handler;
    }
    send(...args: unknown[]) {
      this.sent.push(args);
    }
    isDestroyed() {
      return this.destroyed;
    }
  }

  class BrowserWindow extends Emitter {
    static readonly all: BrowserWindow[] = [];
    static getAllWindows() {
      return BrowserWindow.all.filter((w) => !w.webContents.destroyed);
    }
    static fromWebContents(contents: unknown) {
      return BrowserWindow.all.find((w) => w.webContents === contents) ?? null;
    }
    readonly webContents = new WebContents();
    loaded: string | null = null;
    shown = false;
    constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
      super();
      BrowserWindow.all.push(this);
    }
    async loadFile(file: string) {
      this.loaded = file;
      this.webContents.mainFrame.url = pathToFileURL(file).href;
      this.emit('ready-to-show');
    }
    async loadURL(url: string) {
      this.loaded = url;
      this.webContents.mainFrame.url = url;
      this.emit('ready-to-show');
    }
    show() {
      this.shown = true;
    }
  }

  const app = Object.assign(new Emitter(), {
    quitCalls: 0,
    quitted: false,
    exitCodes: [] as number[],
    whenReady: () => Promise.resolve(),
    getPath(name: string) {
      if (name !== 'userData') throw new Error(`stub app.getPath(${name})`);
      return userData;
    },
    /** As Electron: before-quit (which may prevent it), then the windows close and the app quits. */
    quit() {
      app.quitCalls++;
      const event = electronEvent();
      app.emit('before-quit', event);
      if (event.defaultPrevented || app.quitted) return;
      app.quitted = true;
      for (const w of BrowserWindow.all) w.webContents.destroyed = true;
      app.emit('will-quit', electronEvent());
      quitResolve();
    },
    exit(code = 0) {
      app.exitCodes.push(code);
    },
  });

  const ipcHandlers = new Map<string, IpcHandler>();
  const webRequest = new Emitter();
  const electron = {
    app,
    BrowserWindow,
    ipcMain: {
      handle(channel: string, handler: IpcHandler) {
        if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        ipcHandlers.set(channel, handler);
      },
      removeHandler(channel: string) {
        ipcHandlers.delete(channel);
      },
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (listener: Listener) => webRequest.on('headers', listener) },
        setPermissionRequestHandler: (listener: Listener) => webRequest.on('permission', listener),
      },
    },
    safeStorage: {
      // No keychain here: the key comes from CARELENS_KEY.
      isEncryptionAvailable: () => false,
      getSelectedStorageBackend: () => 'basic_text',
      encryptString: () => {
        throw new Error('stub safeStorage: unavailable');
      },
      decryptString: () => {
        throw new Error('stub safeStorage: unavailable');
      },
    },
    shell: {
      openExternal: async (url: string) => {
        opened.push(url);
      },
    },
    dialog: {
      showMessageBox: async () => ({ response: 0 }),
      openDialogs: [] as unknown[][],
      async showOpenDialog(...args: unknown[]) {
        this.openDialogs.push(args);
        return { canceled: false, filePaths: ['/home/clinic/DICOM', '/media/usb/scans'] };
      },
    },
    Menu: {
      buildFromTemplate: (template: Record<string, unknown>[]) => ({ template }),
      setApplicationMenu: (m: typeof menu) => {
        menu = m;
      },
    },
    powerMonitor: new Emitter(),
  };
  return { electron, app, BrowserWindow, ipcHandlers, webRequest, opened, menu: () => menu, quitDone };
}

/** Requires the built entry with `require('electron')` answered by the stub. */
function loadWithStub(file: string, electron: unknown): { started: Promise<unknown> } {
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  loader._load = function (this: unknown, request, parent, isMain) {
    return request === 'electron' ? electron : original.call(this, request, parent, isMain);
  };
  try {
    return createRequire(import.meta.url)(file) as { started: Promise<unknown> };
  } finally {
    loader._load = original;
  }
}

// ---------------------------------------------------------------------------------------

interface Desktop {
  carelens: {
    core: { db: { open: boolean }; paths: { root: string }; events: { emit(name: string, payload: unknown): void } };
    close(): Promise<void>;
  };
}

describe('the desktop shell (built main entry, stub electron)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-shell-'));
  const dataDir = path.join(tmp, 'data');
  const userData = path.join(tmp, 'userData');
  const savedEnv = { ...process.env };
  let stub: ReturnType<typeof createElectronStub>;
  let desktop: Desktop;
  let closes = 0;

  const frameEvent = (frame: Frame | null, mainFrame: Frame | null = frame) => ({ senderFrame: frame, sender: { id: 1, mainFrame } });
  const invoke = (channel: string, event: unknown, input: unknown = {}) => {
    const handler = stub.ipcHandlers.get(channel);
    if (!handler) throw new Error(`no ipcMain handler for ${channel}`);
    return handler(event, input);
  };

  beforeAll(async () => {
    ensureBuilt();
    process.env.CARELENS_DATA_DIR = dataDir;
    process.env.CARELENS_KEY = 'a1'.repeat(32);
    process.env.XDG_CONFIG_HOME = path.join(tmp, 'config');
    delete process.env.ELECTRON_RENDERER_URL;
    stub = createElectronStub(userData);
    const started = await loadWithStub(entry, stub.electron).started;
    if (!started) throw new Error(`The desktop app did not start (app.exit(${stub.app.exitCodes.join(', ')})); its log is above.`);
    desktop = started as Desktop;
    const close = desktop.carelens.close.bind(desktop.carelens);
    desktop.carelens.close = () => {
      closes++;
      return close();
    };
  });

  afterAll(async () => {
    if (stub && !stub.app.quitted) {
      stub.app.quit();
      await stub.quitDone;
    }
    for (const key of ['CARELENS_DATA_DIR', 'CARELENS_KEY', 'XDG_CONFIG_HOME', 'ELECTRON_RENDERER_URL']) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
    for (const key of Object.keys(require.cache)) if (key.startsWith(path.join(root, 'out') + path.sep)) delete require.cache[key];
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens the encrypted store in the data folder it is given, not in userData', () => {
    expect(desktop.carelens.core.paths.root).toBe(dataDir);
    expect(desktop.carelens.core.db.open).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'carelens.db'))).toBe(true);
    expect(fs.existsSync(userData)).toBe(false);
    expect(stub.app.exitCodes).toEqual([]);
  });

  it('creates one window with the hardened preferences, the built preload and the built renderer', () => {
    expect(stub.BrowserWindow.all).toHaveLength(1);
    const win = stub.BrowserWindow.all[0]!;
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(win.options.webPreferences?.preload).toBe(preload);
    expect(win.loaded).toBe(rendererHtml);
    expect(win.shown).toBe(true);
  });

  it('puts the CSP on every response and refuses permission requests', () => {
    const onHeaders = stub.webRequest.listener<(details: unknown, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void>('headers');
    let answered: Record<string, string[]> | null = null;
    onHeaders({ url: appUrl, responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (answered = r.responseHeaders));
    expect(answered).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CSP] });
    const onPermission = stub.webRequest.listener<(contents: unknown, permission: string, cb: (granted: boolean) => void) => void>('permission');
    const granted: boolean[] = [];
    onPermission({}, 'media', (g) => granted.push(g));
    expect(granted).toEqual([false]);
  });

  it('denies navigation to another origin, webviews and every new window', () => {
    const contents = stub.BrowserWindow.all[0]!.webContents;
    const navigate = contents.listener<(event: ReturnType<typeof electronEvent>, url: string) => void>('will-navigate');
    const away = electronEvent();
    navigate(away, 'https://evil.example/login');
    expect(away.defaultPrevented).toBe(true);
    const within = electronEvent();
    navigate(within, appUrl);
    expect(within.defaultPrevented).toBe(false);
    const webview = electronEvent();
    contents.listener<(event: ReturnType<typeof electronEvent>) => void>('will-attach-webview')(webview);
    expect(webview.defaultPrevented).toBe(true);

    expect(contents.windowOpenHandler).not.toBeNull();
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'not a url' })).toEqual({ action: 'deny' });
    expect(stub.opened).toEqual([]);
    // An allow-listed documentation link opens in the system browser, never in a new window.
    expect(contents.windowOpenHandler!({ url: 'https://hl7.org/fhir/' })).toEqual({ action: 'deny' });
    expect(stub.opened).toEqual(['https://hl7.org/fhir/']);
  });

  it('handles every contract channel over ipcMain, answering only the app window', async () => {
    // Every contract channel, plus the native folder dialog (its own handler, tested below).
    expect([...stub.ipcHandlers.keys()].sort()).toEqual([...channelNames, 'carelens:pickFolders'].sort());
    const app: Frame = { url: appUrl };
    const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: 'Calls are accepted only from the CareLens window.' } };
    expect(await invoke('system:status', frameEvent({ url: 'https://evil.example/' }))).toEqual(forbidden);
    expect(await invoke('system:status', frameEvent(app, { url: appUrl }))).toEqual(forbidden); // a subframe
    expect(await invoke('system:status', frameEvent(null))).toEqual(forbidden);
    expect(await invoke('patients:list', frameEvent({ url: 'https://evil.example/' }))).toEqual(forbidden);

    // Before login the status names no data folder (only a signed-in administrator sees it).
    expect(await invoke('system:status', frameEvent(app))).toMatchObject({ ok: true, value: { app: 'CareLens', transport: 'electron', dataDir: null } });
    // The app's window reaches the dispatcher, whose gate then asks for a login.
    expect(await invoke('patients:list', frameEvent(app))).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('opens the native folder dialog over the app window, for the app window only', async () => {
    const win = stub.BrowserWindow.all[0]!;
    const app: Frame = win.webContents.mainFrame;
    const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: 'Calls are accepted only from the CareLens window.' } };
    expect(await invoke('carelens:pickFolders', { senderFrame: { url: 'https://evil.example/' }, sender: win.webContents })).toEqual(forbidden);
    expect(stub.electron.dialog.openDialogs).toEqual([]);
    expect(await invoke('carelens:pickFolders', { senderFrame: app, sender: win.webContents }, { title: 'Choose folders' })).toEqual({ ok: true, value: ['/home/clinic/DICOM', '/media/usb/scans'] });
    expect(stub.electron.dialog.openDialogs).toEqual([[win, { title: 'Choose folders', properties: ['openDirectory', 'multiSelections', 'createDirectory'] }]]);
  });

  it('pushes service events to the window and installs the menu whose Quit ends the app', () => {
    desktop.carelens.core.events.emit('auth:changed', {});
    expect(stub.BrowserWindow.all[0]!.webContents.sent).toContainEqual(['carelens:event', 'auth:changed', {}]);
    // Events that carry patient data reach only a signed-in window; nobody is signed in here.
    desktop.carelens.core.events.emit('imaging:progress' as never, { n: 1 } as never);
    expect(stub.BrowserWindow.all[0]!.webContents.sent.map((m: unknown[]) => m[1])).not.toContain('imaging:progress');
    const items = (stub.menu()?.template ?? []).flatMap((m) => [m, ...((m.submenu as Record<string, unknown>[] | undefined) ?? [])]);
    expect(items).toContainEqual({ role: 'quit' });
  });

  it('quitting (menu Quit, Cmd/Ctrl+Q) closes the services, then the app quits', async () => {
    const dbFile = path.join(dataDir, 'carelens.db');
    stub.app.quit();
    await stub.quitDone;
    expect(closes).toBe(1);
    expect(desktop.carelens.core.db.open).toBe(false);
    expect(stub.app.quitCalls).toBe(2); // the first is held back until the services are closed
    expect(stub.app.exitCodes).toEqual([]);
    expect(stub.ipcHandlers.size).toBe(0);
    // Closed for real: the WAL is checkpointed away, and what is on disk is not plain SQLite.
    expect(fs.existsSync(`${dbFile}-wal`)).toBe(false);
    expect(fs.readFileSync(dbFile).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
  });

  it('closing the last window quits the app, closing the services only once', () => {
    const calls = stub.app.quitCalls;
    stub.app.emit('window-all-closed');
    expect(stub.app.quitCalls).toBe(calls + 1);
    expect(closes).toBe(1);
  });
});
