// Lint: TypeScript and Vue essentials, plus the process boundaries from DESIGN.md:
// electron only in the composition root, platform/, the Electron transport and the preload;
// node:* never in src/shared or the renderer.
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import { builtinModules } from 'node:module';
import vueI18n from '@intlify/eslint-plugin-vue-i18n';
import fs from 'node:fs';
import path from 'node:path';

// The catalogues are one file per area (locales/<locale>/<area>.json holds the keys under `<area>.`),
// a layout the vue-i18n lint plugin cannot read; it reads one file per locale, folded here from them.
function foldedCatalogues() {
  const from = path.resolve('src/renderer/src/locales');
  const to = path.resolve('node_modules/.cache/carelens-locales');
  fs.mkdirSync(to, { recursive: true });
  for (const locale of fs.readdirSync(from)) {
    const dir = path.join(from, locale);
    if (!fs.statSync(dir).isDirectory()) continue;
    const folded = {};
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) folded[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    fs.writeFileSync(path.join(to, `${locale}.json`), JSON.stringify(folded));
  }
  return `${to}/*.json`;
}

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noElectron = { name: 'electron', message: 'Only src/main/index.ts, src/main/platform/, src/main/ipc/electron.ts and the preload import electron (DESIGN.md).' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'test-results-*/**', 'playwright-report/**', '.electron-native/**', 'coverage/**', '.scratch/**', '.mlscratch/**', '**/.scratch/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    files: ['src/main/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/platform/**', 'src/main/ipc/electron.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [{ group: ['electron/*'], message: noElectron.message }] }] },
  },
  {
    files: ['src/shared/**/*.ts', 'src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...nodeBuiltins.map((name) => ({ name, message: 'src/shared and the renderer run without Node: no node:* imports (DESIGN.md).' }))],
        },
      ],
    },
  },
  // Every visible string of a template comes from the catalogues (src/renderer/src/locales):
  // raw text in a template fails, as do keys missing from a catalogue.
  {
    files: ['src/renderer/**/*.vue'],
    plugins: { '@intlify/vue-i18n': vueI18n },
    settings: { 'vue-i18n': { localeDir: { pattern: foldedCatalogues(), localeKey: 'file' }, messageSyntaxVersion: '^11.0.0' } },
    rules: {
      '@intlify/vue-i18n/no-raw-text': ['error', { ignorePattern: '^[-–—·•…×+=:/|()\\[\\]{}%#&*?!.,;0-9\\s◎▶■◀▲▼←→↑↓✓✕⌫]+$', ignoreText: ['CareLens', 'DICOM', 'FHIR', 'CSV', 'PDF', 'PACS', 'AE', 'W', 'L', 'HU', 'ID', 'MRN', 'OK'] }],
      '@intlify/vue-i18n/no-missing-keys': 'error',
    },
  },
);
