#!/usr/bin/env node
// `npm test`: every check CareLens has, in order, with one summary line at the end.
// typecheck -> lint -> build -> vitest (node + renderer) -> Playwright (Debian's Chromium
// through the web host; the Electron spec skips itself where no Electron binary exists).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/snap/bin/chromium'].find(
  (p) => p && fs.existsSync(p),
);
if (!chromium) {
  console.error(`npm test needs a Chromium for the end-to-end tests, and none was found.
Get one with:   sudo apt-get update && sudo apt-get install -y chromium     (Debian/Ubuntu)
or point to any Chromium/Chrome build:   CHROMIUM_PATH=/path/to/chromium npm test
(Do not use \`npx playwright install\`: CareLens tests use the system's browser.)`);
  process.exit(1);
}
process.env.CHROMIUM_PATH = chromium;

const started = Date.now();
const results = fs.mkdtempSync(path.join(root, 'test-results-'));
const steps = [];
let failed = false;

function run(name, cmd, args, { env = {} } = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  steps.push({ name, ok, seconds: (Date.now() - t0) / 1000 });
  if (!ok) failed = true;
  return ok;
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
run('typecheck (node)', npx, ['tsc', '--noEmit', '-p', 'tsconfig.node.json']);
run('typecheck (renderer)', npx, ['vue-tsc', '--noEmit', '-p', 'tsconfig.web.json']);
run('typecheck (end-to-end specs)', npx, ['tsc', '--noEmit', '-p', 'tsconfig.e2e.json']);
run('lint', npx, ['eslint', '.', '--max-warnings=-1']);
const built = run('build', npx, ['electron-vite', 'build']);
const vitestJson = path.join(results, 'vitest.json');
run('unit and integration tests (vitest)', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
const e2eJson = path.join(results, 'e2e.json');
if (built) {
  run('end-to-end tests (Playwright, Chromium at ' + chromium + ')', npx, ['playwright', 'test', '--reporter=list,json'], {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson },
  });
} else {
  console.error('Skipping end-to-end tests: the build failed.');
}

let passed = 0;
let failedTests = 0;
let skipped = 0;
try {
  const v = JSON.parse(fs.readFileSync(vitestJson, 'utf8'));
  passed += v.numPassedTests ?? 0;
  failedTests += v.numFailedTests ?? 0;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
} catch {
  console.error('No vitest results were written.');
}
try {
  const e = JSON.parse(fs.readFileSync(e2eJson, 'utf8'));
  passed += (e.stats?.expected ?? 0) + (e.stats?.flaky ?? 0);
  if (e.stats?.flaky) console.log(`\nNote: ${e.stats.flaky} end-to-end test(s) failed once and passed on the retry (flaky): see the Playwright output above.`);
  failedTests += e.stats?.unexpected ?? 0;
  skipped += e.stats?.skipped ?? 0;
} catch {
  console.error('No Playwright results were written.');
}
fs.rmSync(results, { recursive: true, force: true });

console.log('\n=== summary');
for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds.toFixed(1)} s)`);
console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (failed && failedTests === 0) failedTests = steps.filter((s) => !s.ok).length;
console.log(`${passed} passed, ${failedTests} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
