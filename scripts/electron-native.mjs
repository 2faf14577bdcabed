#!/usr/bin/env node
// Builds a copy of the SQLite native module for Electron's ABI in .electron-native/, so
// the Node build in node_modules (used by tests and the CLI) is never rebuilt back and
// forth. The app loads it through better-sqlite3's `nativeBinding` option when it runs
// in Electron (src/main/db/connection.ts). Needs Electron's headers (fetched by node-gyp).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const pkgDir = path.dirname(require.resolve('better-sqlite3-multiple-ciphers/package.json'));
const pkgVersion = require('better-sqlite3-multiple-ciphers/package.json').version;
const target = path.join(root, '.electron-native', `electron-${electronVersion}`, 'better-sqlite3-multiple-ciphers');
const binding = path.join(target, 'build', 'Release', 'better_sqlite3.node');
const stamp = path.join(target, '.carelens-stamp');

if (fs.existsSync(binding) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === pkgVersion) process.exit(0);
console.log(`Building the SQLite module for Electron ${electronVersion} (once)...`);
fs.rmSync(target, { recursive: true, force: true });
fs.cpSync(pkgDir, target, { recursive: true, filter: (src) => !src.includes(`${path.sep}build${path.sep}`) });
const nodeGyp = path.join(path.dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
const r = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], {
  cwd: target,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error('Could not build the SQLite module for Electron (node-gyp needs Electron headers from the internet, and a C++ compiler).');
  process.exit(1);
}
fs.writeFileSync(stamp, pkgVersion);
