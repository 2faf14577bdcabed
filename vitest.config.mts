import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

/**
 * Two projects: node-side code (main, cli, shared; real SQLite on :memory: and on files)
 * and the renderer (happy-dom). End-to-end specs are Playwright's (tests/e2e).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['src/main/**/*.test.ts', 'src/preload/**/*.test.ts', 'src/cli/**/*.test.ts', 'src/shared/**/*.test.ts', 'tests/node/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['src/renderer/**/*.test.ts'],
          setupFiles: ['src/renderer/src/test-setup.ts'],
        },
      },
    ],
  },
});
