/**
 * The Electron composition root: builds the app's services on Electron's userData
 * folder, registers the IPC transport and opens the window. Everything it builds runs
 * in plain Node as well (see app/createApp.ts); only this file, platform/ and
 * ipc/electron.ts import electron.
 */
import { app, BrowserWindow, ipcMain } from 'electron';
import path from 'node:path';
import { createApp } from './app/createApp';
import { consoleLogger } from './core/logger';
import { nameBackend } from './ml/backend';
import { resolveDataDir } from './core/paths';
import { registerElectronIpc } from './ipc/electron';
import { electronKeychain } from './platform/keychain';
import { installTrustMenu, lockOnSystemLock } from './platform/trustMenu';
import { createMainWindow, hardenSession } from './platform/window';

const logger = consoleLogger('carelens-main');

function dataDirFromArgs(argv: string[]): string | null {
  const i = argv.indexOf('--data-dir');
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : null;
}

async function main(): Promise<void> {
  await app.whenReady();
  hardenSession();
  const dataDir = resolveDataDir(dataDirFromArgs(process.argv) ?? process.env.CARELENS_DATA_DIR ?? app.getPath('userData'));
  const carelens = createApp({ dataDir, runtime: 'electron', logger, keychain: electronKeychain() });
  installTrustMenu(carelens.dispatch);
  lockOnSystemLock(carelens.dispatch);
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const appOrigins = devUrl ? [new URL(devUrl).origin] : ['file://'];
  registerElectronIpc(ipcMain, carelens.dispatch, carelens.core.events, appOrigins, () => BrowserWindow.getAllWindows().map((w) => w.webContents));
  const win = createMainWindow(path.join(__dirname, '../preload/index.js'), appOrigins);
  if (devUrl) await win.loadURL(devUrl);
  else await win.loadFile(path.join(__dirname, '../renderer/index.html'));
  // The ML backend loads after the window is up, so the status bar can name it.
  setTimeout(() => {
    nameBackend(logger)
      .then((info) => carelens.features.setBackend(info))
      .catch((err: Error) => carelens.features.setBackend({ name: null, detail: `no backend: ${err.message}` }));
  }, 1000);
  app.on('window-all-closed', () => {
    void carelens.close().finally(() => app.quit());
  });
}

main().catch((err) => {
  logger.error('CareLens could not start', err);
  app.exit(1);
});
