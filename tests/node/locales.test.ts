/**
 * The interface catalogues (src/renderer/src/locales/<locale>/<area>.json): both locales have
 * the same areas and keys, no message is empty, and every key is used by the code.
 * A key counts as used when the renderer or shared code names it in full, or builds it from a
 * template literal whose fixed start it begins with (`t(\`roles.${role}\`)` uses every `roles.*`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const LOCALES_DIR = path.join(ROOT, 'src/renderer/src/locales');
const LOCALES = ['en', 'zh-CN'];

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix: string, out: Map<string, string>): void {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else flatten(v, key, out);
  }
}

function keysOf(locale: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of fs.readdirSync(path.join(LOCALES_DIR, locale)).filter((f) => f.endsWith('.json')).sort()) {
    const area = file.replace(/\.json$/, '');
    flatten(JSON.parse(fs.readFileSync(path.join(LOCALES_DIR, locale, file), 'utf8')) as Tree, area, out);
  }
  return out;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'locales' && e.name !== 'node_modules') sources(p, out);
    } else if (/\.(ts|vue)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
  }
  return out;
}

describe('interface catalogues', () => {
  const catalogues: Record<string, Map<string, string>> = { en: keysOf('en'), 'zh-CN': keysOf('zh-CN') };
  const en = catalogues.en!;
  const zhCN = catalogues['zh-CN']!;

  it('both locales have the same areas and keys', () => {
    expect([...zhCN.keys()].filter((k) => !en.has(k)).sort(), 'keys only in zh-CN').toEqual([]);
    expect([...en.keys()].filter((k) => !zhCN.has(k)).sort(), 'keys only in en').toEqual([]);
  });

  it('no message is empty', () => {
    for (const l of LOCALES) {
      const empty = [...catalogues[l]!.entries()].filter(([, v]) => v.trim() === '').map(([k]) => k);
      expect(empty, `empty messages in ${l}`).toEqual([]);
    }
  });

  it('every key is used', () => {
    // src/main too: errors and progress events carry keys (errors.*, validation.*, progress.*) the renderer translates.
    const code = [...sources(path.join(ROOT, 'src/renderer/src')), ...sources(path.join(ROOT, 'src/shared')), ...sources(path.join(ROOT, 'src/main'))].join('\n');
    const prefixes = [...code.matchAll(/[`'"]([a-zA-Z0-9_.]+\.)\$\{/g)].map((m) => m[1] ?? '');
    const unused = [...en.keys()].filter(
      (k) => !code.includes(`'${k}'`) && !code.includes(`"${k}"`) && !code.includes(`\`${k}\``) && !prefixes.some((p) => k.startsWith(p)),
    );
    expect(unused, 'catalogue keys no code uses').toEqual([]);
  });
});
