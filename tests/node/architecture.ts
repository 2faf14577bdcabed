/**
 * The structural rules of DESIGN.md "Who owns what", as functions over the source tree so
 * the test can run them on the real tree and on planted examples (to show each one fires).
 */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export function listFiles(dir: string, test: (file: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(p);
      } else if (test(p)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

/** The feature a file of src/main belongs to ('app', 'core', 'db', 'ipc' ... are not features). */
export function featureOf(file: string): string | null {
  const m = /^src\/main\/([^/]+)\//.exec(rel(file));
  return m ? m[1]! : null;
}

/** Tables each feature creates in its migrations.ts: the owner of a table is the feature that creates it. */
export function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>();
  for (const file of listFiles(path.join(ROOT, 'src/main'), (f) => f.endsWith(`${path.sep}migrations.ts`))) {
    const feature = featureOf(file);
    if (!feature || feature === 'db' || feature === 'app') continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)/g)) {
      const previous = owners.get(m[1]!);
      if (previous && previous !== feature) throw new Error(`Table ${m[1]} is created by both ${previous} and ${feature}`);
      owners.set(m[1]!, feature);
    }
  }
  return owners;
}

/** SQL keywords that name a table after them (upper case: the house style for SQL in strings). */
const TABLE_AFTER = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|ON)\s+([a-z_][a-z0-9_]*)\b/g;

export interface SqlViolation {
  file: string;
  line: number;
  table: string;
  owner: string;
}

/** Every place in `source` (a file of `feature`, or of a non-feature folder when null) whose SQL names another feature's table. */
export function foreignTableUses(file: string, source: string, feature: string | null, owners: Map<string, string>): SqlViolation[] {
  const found: SqlViolation[] = [];
  for (const m of source.matchAll(TABLE_AFTER)) {
    const owner = owners.get(m[1]!);
    if (owner && owner !== feature) found.push({ file: rel(file), line: source.slice(0, m.index).split('\n').length, table: m[1]!, owner });
  }
  return found;
}

/**
 * Test support: *.test.ts, fixtures/ and testdata/ folders, and test helpers named test*.ts
 * (testData.ts, testCase.ts, testImages.ts). They may build a whole app to make test data;
 * production code never imports them (checked).
 */
export function isTestSupport(file: string): boolean {
  const r = rel(file);
  return r.endsWith('.test.ts') || /\/(fixtures|testdata)\//.test(r) || /\/test[A-Z][^/]*\.ts$/.test(r);
}

/** Files whose SQL the ownership rule reads: production code of src/main and src/cli (tests may inspect any table). */
export function sqlSourceFiles(): string[] {
  return [
    ...listFiles(path.join(ROOT, 'src/main'), (f) => f.endsWith('.ts')),
    ...listFiles(path.join(ROOT, 'src/cli'), (f) => f.endsWith('.ts')),
  ].filter((f) => !f.endsWith('.test.ts') && !rel(f).startsWith('src/main/app/fixtures/'));
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

/** The local modules a file imports (type-only imports included: they tie modules together too). */
export function importsOf(file: string, source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (!spec || !spec.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), spec);
    const hit = [base, `${base}.ts`, `${base}.vue`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (hit) out.push(hit);
  }
  return out;
}

/** Strongly connected components with more than one file (or a file importing itself): the import circles. */
export function importCircles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) circles.push(component.map(rel).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return circles;
}

export function importGraph(files: string[]): Map<string, string[]> {
  return new Map(files.map((f) => [f, importsOf(f, fs.readFileSync(f, 'utf8'))]));
}

export const LINE_LIMIT = 450;

/** A file over the limit must say why on one of its first lines: a comment starting "Over 450 lines:". */
export function overLongWithoutReason(file: string, source: string): number | null {
  const lines = source.split('\n').length;
  if (lines <= LINE_LIMIT) return null;
  const head = source.split('\n').slice(0, 5).join('\n');
  return /Over 450 lines:/.test(head) ? null : lines;
}
