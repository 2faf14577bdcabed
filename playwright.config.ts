import { defineConfig } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from './tests/e2e/chromium';

/**
 * End-to-end specs drive the real renderer in Debian's Chromium through the loopback web
 * host (never `npx playwright install`). Each spec starts its own host on a fresh data folder.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  // One retry: a spec that fails and then passes is reported as flaky by npm test's summary,
  // never silently. The specs train small models from scratch, so a test that assumes what a
  // model predicts is a race with the weights (two such assumptions were found and fixed).
  retries: 1,
  // A click or fill that waits longer than this has found a stuck page: fail it instead of
  // waiting for the whole test's timeout (ml.spec allows 10 minutes for slow machines).
  globalTimeout: 40 * 60_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/e2e.json' }]] : [['list']],
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1400, height: 900 },
    launchOptions: { executablePath: chromiumPath() ?? undefined, args: CHROMIUM_ARGS },
    screenshot: 'only-on-failure',
    actionTimeout: 60_000,
    trace: 'off',
  },
});
