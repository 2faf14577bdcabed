#!/usr/bin/env node
// `npm start`: builds CareLens and opens the desktop app. Where the Electron binary is
// absent (it is fetched on first use and some machines cannot fetch it), it says so and
// starts the loopback web host instead, printing the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const require = createRequire(import.meta.url);
const passThrough = process.argv.slice(2);

const build = spawnSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['electron-vite', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.error('CareLens did not build; see the errors above.');
  process.exit(1);
}

function electronBinary() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const bin = path.join(dir, 'dist', rel);
    return fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
if (electron) {
  // Native modules must match Electron's ABI: build a separate copy once (see docs/packaging.md).
  const prep = spawnSync(process.execPath, [path.join(root, 'scripts', 'electron-native.mjs')], { stdio: 'inherit' });
  if (prep.status !== 0) process.exit(prep.status ?? 1);
  const child = spawn(electron, ['.', ...passThrough], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`CareLens could not find the Electron binary on this machine (node_modules/electron has no
downloaded build: Electron fetches it from the internet on first use, and this machine could not).
Starting the CareLens web host instead: the same app, served on this computer only (127.0.0.1) with a
one-time token. Open the URL below in Chromium, Chrome or Firefox. To get the desktop window, run
\`node node_modules/electron/install.js\` on a machine with internet access, then \`npm start\` again.
`);
  const child = spawn(process.execPath, [path.join(root, 'bin', 'carelens.js'), 'serve', ...passThrough], { stdio: 'inherit' });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}
