/**
 * Main-process messages the renderer translates: every message key src/main names (AppError
 * keys, validation keys, progress keys) is in the `errors` / `validation` / `progress`
 * catalogues of both locales, so the renderer never falls back to English for a key we ship;
 * every schema's own message has a key; every input field has a name in `validation.fields`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { channels } from '../../src/shared/ipc/contract';
import { customMessages } from '../../src/main/ipc/validationKeys';

const ROOT = path.resolve(__dirname, '..', '..');
const LOCALES_DIR = path.join(ROOT, 'src/renderer/src/locales');
const AREAS = ['errors', 'validation', 'progress'];

type Tree = { [k: string]: string | Tree };

function keysOf(locale: string): Set<string> {
  const out = new Set<string>();
  const walk = (tree: Tree, prefix: string) => {
    for (const [k, v] of Object.entries(tree)) {
      if (typeof v === 'string') out.add(`${prefix}.${k}`);
      else walk(v, `${prefix}.${k}`);
    }
  };
  for (const area of AREAS) {
    const file = path.join(LOCALES_DIR, locale, `${area}.json`);
    if (fs.existsSync(file)) walk(JSON.parse(fs.readFileSync(file, 'utf8')) as Tree, area);
  }
  return out;
}

function files(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

describe('main-process message keys', () => {
  const en = keysOf('en');
  const zh = keysOf('zh-CN');

  it('every key src/main names is in both catalogues', () => {
    const used = new Map<string, string>();
    for (const file of files(path.join(ROOT, 'src/main'))) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?<!getLogger\?\.\()'((?:errors|validation|progress)\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+)'/g)) {
        used.set(m[1]!, path.relative(ROOT, file));
      }
    }
    expect(used.size).toBeGreaterThan(150);
    expect([...used].filter(([k]) => !en.has(k)).map(([k, f]) => `${k} (${f})`), 'keys missing from en').toEqual([]);
    expect([...used].filter(([k]) => !zh.has(k)).map(([k, f]) => `${k} (${f})`), 'keys missing from zh-CN').toEqual([]);
  });

  it("a key's English text is the message it sits beside, placeholders where the message has values", () => {
    const catalogue = JSON.parse(fs.readFileSync(path.join(LOCALES_DIR, 'en', 'errors.json'), 'utf8')) as Tree;
    const textOf = (key: string): string | undefined => {
      let v: string | Tree | undefined = catalogue;
      for (const part of key.split('.').slice(1)) v = typeof v === 'object' ? v[part] : undefined;
      return typeof v === 'string' ? v : undefined;
    };
    const shape = (s: string) => s.replace(/\{'(.)'\}/g, '$1').replace(/\{\w+\}/g, '{}');
    const outside = "Outside this model's training — not for clinical use";
    let checked = 0;
    const wrong: string[] = [];
    for (const file of files(path.join(ROOT, 'src/main'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new AppError\(\s*'[A-Z_]+',\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`),\s*\{\s*key: '(errors\.[\w.]+)'/g)) {
        const literal = m[1]!;
        const message = literal.slice(1, -1).replace(/\\(.)/g, '$1').replace('${OUTSIDE_TRAINING}', outside).replace(/\$\{(?:[^{}]|\{[^{}]*\})*\}/g, '{}');
        const english = textOf(m[2]!);
        checked++;
        if (english === undefined || shape(english) !== message) wrong.push(`${m[2]}: ${english} ≠ ${message}`);
      }
    }
    expect(checked).toBeGreaterThan(120);
    expect(wrong).toEqual([]);
  });

  it("every schema's own message has a validation key", () => {
    const known = new Set(customMessages);
    const found: string[] = [];
    for (const file of files(path.join(ROOT, 'src/shared/ipc'))) {
      const text = fs.readFileSync(file, 'utf8');
      // `.min(1, 'Name is required')`, `.refine(fn, 'words')`, `message: 'words'`.
      for (const m of text.matchAll(/(?:message:\s*|\.(?:min|max|regex|length|refine|int|positive|nonnegative|email|url|gte|lte)\((?:[^()'"]|\([^()]*\))*?,\s*)(['"])((?:(?!\1).)+)\1/g)) {
        found.push(m[2]!);
      }
    }
    expect(found.length).toBeGreaterThan(50);
    expect([...new Set(found)].filter((m) => !known.has(m))).toEqual([]);
  });

  it('every input field of every channel has a name in validation.fields', () => {
    const fields = new Set<string>();
    const walk = (schema: unknown, depth: number): void => {
      const def = (schema as { _zod?: { def?: Record<string, unknown> } } | null)?._zod?.def;
      if (!def || depth > 12) return;
      if (def.shape) {
        for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
          fields.add(k);
          walk(v, depth + 1);
        }
      }
      for (const f of ['innerType', 'element', 'in', 'out', 'schema', 'valueType', 'left', 'right']) if (def[f]) walk(def[f], depth + 1);
      for (const f of ['options', 'items']) if (Array.isArray(def[f])) for (const o of def[f] as unknown[]) walk(o, depth + 1);
    };
    for (const c of Object.values(channels)) walk(c.input, 0);
    expect(fields.size).toBeGreaterThan(100);
    expect([...fields].filter((f) => !en.has(`validation.fields.${f}`) || !zh.has(`validation.fields.${f}`)).sort()).toEqual([]);
  });
});

describe('import failure reasons', () => {
  it("the renderer's table knows every fixed reason the import worker stores", () => {
    // The renderer's table, read as text (the node project does not compile renderer code).
    const table = [...fs.readFileSync(path.join(ROOT, 'src/renderer/src/importReasons.ts'), 'utf8').matchAll(/^\s*\[\/(.+)\/, '(progress\.[\w.]+)'\],$/gm)].map((m) => new RegExp(m[1]!));
    expect(table.length).toBeGreaterThan(20);
    const importReasonKey = (reason: string) => (table.some((re) => re.test(reason)) ? reason : null);
    const sources = ['importFiles.ts', 'containers.ts', 'ImportService.ts', 'BytesImport.ts'].map((f) => fs.readFileSync(path.join(ROOT, 'src/main/imaging', f), 'utf8')).join('\n');
    const reasons: string[] = [];
    for (const m of sources.matchAll(/(?:onError\([^,]+,|failure\(job,|refuse\(|fail\(|new ArchiveError\(|this\.end\(run, 'failed',)\s*('(?:[^'\\]|\\.)*'|`[^`]*`)/g)) {
      // A sample of each sentence: every ${...} becomes a number.
      reasons.push(m[1]!.slice(1, -1).replace(/\\(.)/g, '$1').replace(/\$\{(?:[^{}]|\{[^{}]*\})*\}/g, '7'));
    }
    expect(reasons.length).toBeGreaterThan(20);
    expect(reasons.filter((r) => importReasonKey(r) === null)).toEqual([]);
  });
});
