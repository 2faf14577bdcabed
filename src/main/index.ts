/**
 * The Electron composition root: builds the app's services on Electron's userData
 * folder, registers the IPC transport and opens the window. Everything it builds runs
 * in plain Node as well (see app/createApp.ts); only this file, platform/ and
 * ipc/electron.ts import electron.
 */
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import path from 'node:path';
import { createApp, type App } from './app/createApp';
import { consoleLogger, type Logger } from './core/logger';
import { nameBackend } from './ml/backend';
import { resolveDataDir } from './core/paths';
import { registerElectronIpc, registerFolderDialog } from './ipc/electron';
import { electronKeychain } from './platform/keychain';
import { installTrustMenu, lockOnSystemLock } from './platform/trustMenu';
import { createMainWindow, hardenSession } from './platform/window';

/** The running desktop app. */
export interface Desktop {
  carelens: App;
  window: BrowserWindow;
}

function dataDirFromArgs(argv: string[]): string | null {
  const i = argv.indexOf('--data-dir');
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : null;
}

/**
 * Starts CareLens in Electron: services on the data folder (--data-dir, CARELENS_DATA_DIR,
 * else userData), the IPC transport, the hardened window. Resolves once the window has
 * loaded. Quitting, however it starts (the last window closed, the menu's Quit or its
 * accelerator), closes the services once before the process ends.
 */
export async function startDesktop(logger: Logger): Promise<Desktop> {
  await app.whenReady();
  hardenSession(Boolean(process.env.ELECTRON_RENDERER_URL));
  const dataDir = resolveDataDir(dataDirFromArgs(process.argv) ?? process.env.CARELENS_DATA_DIR ?? app.getPath('userData'));
  const carelens = createApp({ dataDir, runtime: 'electron', logger, keychain: electronKeychain() });
  let backendTimer: NodeJS.Timeout | undefined;
  let unregisterIpc: (() => void) | undefined;
  let closing: Promise<void> | null = null;
  let closed = false;
  const closeServices = () =>
    (closing ??= (async () => {
      clearTimeout(backendTimer);
      unregisterIpc?.();
      await carelens.close();
    })());
  // app.quit() emits before-quit but never window-all-closed: close the database and the
  // workers here, then quit for real (the second before-quit finds them closed).
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void closeServices()
      .catch((err: unknown) => logger.error('CareLens did not close cleanly', err))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
  app.on('window-all-closed', () => app.quit());
  try {
    installTrustMenu(carelens.dispatch);
    lockOnSystemLock(carelens.dispatch);
    const devUrl = process.env.ELECTRON_RENDERER_URL;
    const appOrigins = devUrl ? [new URL(devUrl).origin] : ['file://'];
    const unregisterChannels = registerElectronIpc(
      ipcMain,
      carelens.dispatch,
      carelens.core.events,
      appOrigins,
      () => BrowserWindow.getAllWindows().map((w) => w.webContents),
      (session, name) => carelens.features.trust.service.mayReceiveEvents(session, name),
    );
    // The Import page's native folder picker (the web host browses through system:browseFolder instead).
    const unregisterDialog = registerFolderDialog(ipcMain, appOrigins, (contents, options) => {
      const owner = BrowserWindow.fromWebContents(contents);
      return owner ? dialog.showOpenDialog(owner, options) : dialog.showOpenDialog(options);
    });
    unregisterIpc = () => {
      unregisterDialog();
      unregisterChannels();
    };
    const window = createMainWindow(path.join(__dirname, '../preload/index.js'), appOrigins);
    if (devUrl) await window.loadURL(devUrl);
    else await window.loadFile(path.join(__dirname, '../renderer/index.html'));
    // The ML backend loads after the window is up, so the status bar can name it.
    backendTimer = setTimeout(() => {
      nameBackend(logger)
        .then((info) => carelens.features.setBackend(info))
        .catch((err: Error) => carelens.features.setBackend({ name: null, detail: `no backend: ${err.message}` }));
    }, 1000);
    return { carelens, window };
  } catch (err) {
    await closeServices().catch(() => undefined);
    throw err;
  }
}

const logger = consoleLogger('carelens-main');
/** The entry: Electron runs this bundle; a test loads it with a stub electron and awaits this. */
export const started: Promise<Desktop | null> = startDesktop(logger).catch((err: unknown) => {
  logger.error('CareLens could not start', err);
  app.exit(1);
  return null;
});
