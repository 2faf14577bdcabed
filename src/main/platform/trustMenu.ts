import { BrowserWindow, dialog, Menu, powerMonitor, type MenuItemConstructorOptions } from 'electron';
import type { Dispatch } from '../ipc/dispatch';

/**
 * The app menu's trust items: Lock (Ctrl/Cmd+L) and Back up now. Both go through the
 * dispatch table as the focused window's session, so the role check and the audit trail
 * apply exactly as for the UI's buttons.
 */
export function installTrustMenu(dispatch: Dispatch): void {
  const sessionOf = (win: BrowserWindow | undefined | null) => (win ? { transport: 'electron' as const, actor: null, sessionId: `window-${win.webContents.id}` } : null);
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'CareLens',
      submenu: [
        {
          label: 'Lock',
          accelerator: 'CmdOrCtrl+L',
          click: (_item, win) => {
            const ctx = sessionOf(win as BrowserWindow | undefined);
            if (ctx) void dispatch('auth:lock', {}, ctx);
          },
        },
        {
          label: 'Back up now',
          click: async (_item, win) => {
            const ctx = sessionOf(win as BrowserWindow | undefined);
            if (!ctx) return;
            const r = (await dispatch('auth:backup', {}, ctx)) as { ok: boolean; value?: { file: string }; error?: { message: string } };
            const message = r.ok ? `Backup written to ${r.value!.file}` : r.error!.message;
            await dialog.showMessageBox(win as BrowserWindow, { type: r.ok ? 'info' : 'warning', message });
          },
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Locks every window's session when the OS locks its screen or the machine sleeps. */
export function lockOnSystemLock(dispatch: Dispatch): void {
  const lockAll = () => {
    for (const win of BrowserWindow.getAllWindows()) {
      void dispatch('auth:lock', {}, { transport: 'electron', actor: null, sessionId: `window-${win.webContents.id}` });
    }
  };
  powerMonitor.on('lock-screen', lockAll);
  powerMonitor.on('suspend', lockAll);
}
