import fs from 'node:fs';

/** Flags that let Debian's Chromium run headless as root on a machine with no network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium, else other common names; null if none. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/snap/bin/chromium'];
  return candidates.find((p): p is string => Boolean(p) && fs.existsSync(p!)) ?? null;
}
