/**
 * The interface language: vue-i18n (composition mode) with the catalogues in
 * `src/renderer/src/locales/<locale>/<area>.json`. Each file is one area of the app and its
 * keys live under the file's name: `patients.json` → `t('patients.title')`. Both locales have
 * the same files and keys (`locales.test.ts`). Data (names, class names, DICOM values) is
 * never translated; only the interface is.
 */
import { createI18n } from 'vue-i18n';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

interface Catalogue {
  [key: string]: string | Catalogue;
}

/** Folds `./en/patients.json` etc. into `{ patients: {...} }`. */
function catalogue(files: Record<string, { default: Catalogue } | Catalogue>): Catalogue {
  const out: Record<string, Catalogue> = {};
  for (const [file, mod] of Object.entries(files)) {
    const area = file.replace(/^.*\//, '').replace(/\.json$/, '');
    out[area] = 'default' in mod ? (mod.default as Catalogue) : mod;
  }
  return out;
}

export const messages: { [locale: string]: Catalogue } = {
  en: catalogue(import.meta.glob('../locales/en/*.json', { eager: true })),
  'zh-CN': catalogue(import.meta.glob('../locales/zh-CN/*.json', { eager: true })),
};

/** The supported locale closest to a BCP 47 tag list (the OS's in Electron, the browser's in the web host). */
export function matchLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export const i18n = createI18n({
  legacy: false,
  locale: 'en' as Locale,
  fallbackLocale: 'en',
  messages,
  missingWarn: false,
  fallbackWarn: false,
});

/** Switches the interface language and `<html lang>`. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}
