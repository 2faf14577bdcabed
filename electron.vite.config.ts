import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

/**
 * main: the Electron main process, the CLI and the worker threads share one Node build
 * (out/main), with npm dependencies left external (native modules, tfjs, codecs).
 * preload: sandboxed, so everything it imports is bundled in (externalizeDeps off).
 * renderer: the Vue app.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/cli/index.ts'),
          imagingWorker: resolve(__dirname, 'src/main/imaging/worker.ts'),
          mlWorker: resolve(__dirname, 'src/main/ml/worker.ts'),
        },
        // An optional dependency, so electron-vite does not externalize it by itself: where its
        // native binding installs (users' machines) it must stay a runtime import, never bundled.
        external: [/^@tensorflow\/tfjs-node(\/|$)/],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        external: ['electron'],
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: {
      // Cornerstone3D pulls in vtk.js, whose xmlbuilder2 extends Node's EventEmitter: without the
      // npm `events` package the browser build gets an empty module and throws at load.
      alias: { events: resolve(__dirname, 'node_modules/events/events.js') },
    },
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [
      vue(),
      {
        // The CSP has no 'unsafe-inline' for styles: Cornerstone's measurement text boxes set a
        // style="" attribute, which the policy blocks; the same declarations through CSSOM are allowed.
        name: 'carelens-cornerstone-csp',
        enforce: 'pre',
        transform(code: string, id: string) {
          if (!id.replace(/\\/g, '/').endsWith('@cornerstonejs/tools/dist/esm/drawingSvg/drawTextBox.js')) return null;
          const from = "textElement.setAttribute('style', combinedStyle);";
          if (!code.includes(from)) throw new Error('carelens-cornerstone-csp: drawTextBox.js changed; check its style attribute');
          return { code: code.replace(from, 'textElement.style.cssText = combinedStyle;'), map: null };
        },
      },
      {
        // `electron-vite dev` only: the dev server injects styles from script, which the
        // production policy in index.html refuses (see DEV_CSP in src/main/platform/window.ts).
        name: 'carelens-dev-csp',
        apply: 'serve',
        transformIndexHtml: (html: string) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
      },
    ],
  },
});
