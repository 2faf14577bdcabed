import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ROOT,
  featureOf,
  foreignTableUses,
  importCircles,
  importGraph,
  isTestSupport,
  listFiles,
  overLongWithoutReason,
  sqlSourceFiles,
  tableOwners,
} from './architecture';

const read = (f: string) => fs.readFileSync(f, 'utf8');

describe('one owner per table (DESIGN.md "Who owns what")', () => {
  const owners = tableOwners();

  it('derives owners from the features that create the tables', () => {
    expect(owners.get('labels')).toBe('labels');
    expect(owners.get('images')).toBe('imaging');
    expect(owners.get('patients')).toBe('patients');
    expect(owners.get('audit_log')).toBe('audit');
    expect(owners.get('settings')).toBe('system');
  });

  it('fires on SQL that names another feature\'s table (planted example)', () => {
    const planted = "db.prepare('SELECT class_name FROM labels l JOIN images i ON i.id = l.image_id').all();";
    const found = foreignTableUses(path.join(ROOT, 'src/main/ml/planted.ts'), planted, 'ml', owners);
    expect(found.map((v) => `${v.table}:${v.owner}`)).toEqual(['labels:labels', 'images:imaging']);
    expect(foreignTableUses(path.join(ROOT, 'src/main/labels/planted.ts'), "db.prepare('SELECT * FROM labels')", 'labels', owners)).toEqual([]);
    // Outside any feature (db/, ipc/, the CLI) every feature's table is foreign.
    expect(foreignTableUses(path.join(ROOT, 'src/cli/planted.ts'), "db.prepare('DELETE FROM patients')", null, owners)).toHaveLength(1);
  });

  it('holds for every SQL string in src/main and src/cli', () => {
    const violations = sqlSourceFiles().flatMap((f) => foreignTableUses(f, read(f), featureOf(f), owners));
    expect(violations.map((v) => `${v.file}:${v.line} names ${v.table} (owned by ${v.owner})`)).toEqual([]);
  });
});

describe('imports', () => {
  it('finds a planted circle', () => {
    const a = path.join(ROOT, 'a.ts');
    const b = path.join(ROOT, 'b.ts');
    const c = path.join(ROOT, 'c.ts');
    expect(importCircles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(importCircles(new Map([[a, [b]], [b, [c]], [c, []]]))).toEqual([]);
  });

  it('form no circle in src/main (type-only imports included)', () => {
    const files = listFiles(path.join(ROOT, 'src/main'), (f) => f.endsWith('.ts'));
    expect(importCircles(importGraph(files))).toEqual([]);
  });

  it('never reach the composition root from a feature', () => {
    const files = listFiles(path.join(ROOT, 'src/main'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const graph = importGraph(files);
    // index.ts (the Electron entry) starts the app; nothing else in src/main may import it.
    const offenders = [...graph]
      .filter(([from, to]) => featureOf(from) !== 'app' && to.some((t) => featureOf(t) === 'app'))
      .map(([from]) => path.relative(ROOT, from))
      .filter((f) => f !== 'src/main/index.ts' && !isTestSupport(path.join(ROOT, f)));
    expect(offenders).toEqual([]);
  });

  it('reach another feature\'s data through its port, never its repository', () => {
    const repositoryOfOther = (from: string, to: string) => /Repository\.ts$/.test(to) && featureOf(to) !== featureOf(from);
    // Planted: imaging importing patients' repository is what the rule forbids.
    expect(repositoryOfOther(path.join(ROOT, 'src/main/imaging/X.ts'), path.join(ROOT, 'src/main/patients/patientRepository.ts'))).toBe(true);
    expect(repositoryOfOther(path.join(ROOT, 'src/main/patients/ports.ts'), path.join(ROOT, 'src/main/patients/patientRepository.ts'))).toBe(false);
    const files = listFiles(path.join(ROOT, 'src/main'), (f) => f.endsWith('.ts') && !isTestSupport(f));
    const offenders = [...importGraph(files)].flatMap(([from, to]) => to.filter((t) => repositoryOfOther(from, t)).map((t) => `${path.relative(ROOT, from)} -> ${path.relative(ROOT, t)}`));
    expect(offenders).toEqual([]);
  });

  it('never reach test support from production code', () => {
    const files = listFiles(path.join(ROOT, 'src'), (f) => f.endsWith('.ts') && !isTestSupport(f));
    const offenders = [...importGraph(files)].flatMap(([from, to]) => to.filter(isTestSupport).map((t) => `${path.relative(ROOT, from)} -> ${path.relative(ROOT, t)}`));
    expect(offenders).toEqual([]);
  });
});

describe('file size', () => {
  it('fires on a long file without a reason (planted example)', () => {
    const long = Array.from({ length: 460 }, (_, i) => `export const x${i} = ${i};`).join('\n');
    expect(overLongWithoutReason('x.ts', long)).toBe(460);
    expect(overLongWithoutReason('x.ts', `// Over 450 lines: one generated table.\n${long}`)).toBeNull();
  });

  it('keeps src/main and src/renderer files under 450 lines unless they say why at the top', () => {
    const files = [
      ...listFiles(path.join(ROOT, 'src/main'), (f) => /\.(ts|vue)$/.test(f)),
      ...listFiles(path.join(ROOT, 'src/renderer'), (f) => /\.(ts|vue)$/.test(f)),
    ];
    const long = files.flatMap((f) => {
      const n = overLongWithoutReason(f, read(f));
      return n === null ? [] : [`${path.relative(ROOT, f)} (${n} lines)`];
    });
    expect(long).toEqual([]);
  });
});
