import { parseArgs } from 'node:util';
import type { Measurement, MeasurementKind } from '../../shared/domain/measurements';
import { measurementPointCount } from '../../shared/domain/measurements';
import { call, printJson, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

const KIND_OPTIONS: { option: string; kind: MeasurementKind; form: string }[] = [
  { option: 'length', kind: 'length', form: 'X1,Y1,X2,Y2' },
  { option: 'angle', kind: 'angle', form: 'X1,Y1,X2,Y2,X3,Y3 (the vertex second)' },
  { option: 'probe', kind: 'probe', form: 'X,Y' },
  { option: 'rect', kind: 'rectangle', form: 'X1,Y1,X2,Y2 (opposite corners)' },
  { option: 'ellipse', kind: 'ellipse', form: 'X1,Y1,X2,Y2 (corners of its bounding box)' },
];

/** "10,20,30.5,40" as [[10, 20], [30.5, 40]], checking the count for the kind. */
export function parsePoints(text: string, kind: MeasurementKind, option: string): [number, number][] {
  const parts = text.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  const need = measurementPointCount[kind] * 2;
  if (parts.length !== need || parts.some((s) => s === '') || numbers.some((n) => !Number.isFinite(n))) {
    throw new UsageError(`--${option} takes ${need} numbers separated by commas (pixel coordinates x,y: column, row), not "${text}"`);
  }
  const points: [number, number][] = [];
  for (let i = 0; i < numbers.length; i += 2) points.push([numbers[i]!, numbers[i + 1]!]);
  return points;
}

const round = (v: number | null, digits = 3): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** What `measurements add --json` prints for each kind: the issue's `{id, kind, valueMm, spacing, spacingSource}` for a length, the matching fields for the others. */
export function addJson(m: Measurement): Record<string, unknown> {
  const calibration = { spacing: m.spacing, spacingSource: m.spacingSource };
  switch (m.kind) {
    case 'length':
      return { id: m.id, kind: m.kind, valueMm: m.valueMm, ...calibration };
    case 'angle':
      return { id: m.id, kind: m.kind, angleDeg: m.angleDeg, ...calibration };
    case 'probe':
      return { id: m.id, kind: m.kind, raw: m.probe?.raw ?? null, value: m.probe?.value ?? null, unit: m.unit };
    default:
      return { id: m.id, kind: m.kind, ...m.stats, unit: m.unit, ...calibration };
  }
}

function spacingWords(m: Measurement): string {
  if (!m.spacing) return 'uncalibrated';
  return `${m.spacingSource === 'PixelSpacing' ? 'Pixel Spacing' : 'Imager Pixel Spacing'} ${m.spacing[0]} x ${m.spacing[1]} mm`;
}

/** One readable line per measurement. */
export function measurementLine(m: Measurement): string {
  const unit = m.unit ? ` ${m.unit}` : '';
  let value: string;
  if (m.kind === 'length') value = m.valueMm !== null ? `${round(m.valueMm, 2)} mm (${round(m.valuePx, 1)} px)` : `${round(m.valuePx, 1)} px`;
  else if (m.kind === 'angle') value = `${round(m.angleDeg, 1)}°`;
  else if (m.kind === 'probe') value = `${round(m.probe?.value ?? null, 2)}${unit} (stored value ${round(m.probe?.raw ?? null, 2)})`;
  else {
    const s = m.stats!;
    const area = s.areaMm2 !== null ? `${round(s.areaMm2, 1)} mm²` : `${round(s.areaPx, 1)} px²`;
    value = `mean ${round(s.mean, 1)}${unit}, SD ${round(s.sd, 1)}, min ${round(s.min, 1)}, max ${round(s.max, 1)}, ${s.count} px, area ${area}`;
  }
  return `${m.id}  frame ${m.frame}  ${m.kind.padEnd(9)} ${value}  [${spacingWords(m)}]  ${m.createdBy} ${m.createdAt}`;
}

async function add(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      image: { type: 'string' },
      frame: { type: 'string' },
      ...Object.fromEntries(KIND_OPTIONS.map((k) => [k.option, { type: 'string' as const }])),
    },
  });
  if (!values.image) throw new UsageError('give the image with --image ID');
  const given = KIND_OPTIONS.filter((k) => typeof (values as Record<string, unknown>)[k.option] === 'string');
  if (given.length !== 1) throw new UsageError('give exactly one of --length, --angle, --probe, --rect, --ellipse');
  const chosen = given[0]!;
  const frame = values.frame === undefined ? 0 : Number(values.frame);
  if (!Number.isInteger(frame) || frame < 0) throw new UsageError('--frame takes a frame number (0 is the first)');
  const points = parsePoints((values as Record<string, string>)[chosen.option]!, chosen.kind, chosen.option);
  const m = await call(ctx, 'measurements:add', { imageId: values.image, frame, kind: chosen.kind, points });
  if (ctx.json) printJson(ctx, addJson(m));
  else ctx.io.stdout.write(measurementLine(m) + '\n');
  return 0;
}

async function list(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { image: { type: 'string' }, frame: { type: 'string' } } });
  if (!values.image) throw new UsageError('give the image with --image ID');
  const frame = values.frame === undefined ? undefined : Number(values.frame);
  if (frame !== undefined && (!Number.isInteger(frame) || frame < 0)) throw new UsageError('--frame takes a frame number (0 is the first)');
  const items = await call(ctx, 'measurements:list', { imageId: values.image, ...(frame !== undefined ? { frame } : {}) });
  if (ctx.json) printJson(ctx, items);
  else {
    for (const m of items) ctx.io.stdout.write(measurementLine(m) + '\n');
    ctx.io.stdout.write(`${items.length} measurement(s)\n`);
  }
  return 0;
}

async function calibration(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { image: { type: 'string' } } });
  if (!values.image) throw new UsageError('give the image with --image ID');
  const c = await call(ctx, 'measurements:calibration', { imageId: values.image });
  if (ctx.json) printJson(ctx, c);
  else ctx.io.stdout.write(c.spacing ? `${c.source === 'PixelSpacing' ? 'Pixel Spacing' : 'Imager Pixel Spacing'} ${c.spacing[0]} x ${c.spacing[1]} mm (between rows x between columns)\n` : 'uncalibrated: no Pixel Spacing or Imager Pixel Spacing; lengths are in pixels\n');
  return 0;
}

async function remove(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('remove takes one measurement id');
  const r = await call(ctx, 'measurements:remove', { id: positionals[0]! });
  if (ctx.json) printJson(ctx, r);
  else ctx.io.stdout.write(`Removed measurement ${positionals[0]} (kept on record as removed).\n`);
  return 0;
}

async function measurementsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') return add(ctx, rest);
  if (sub === 'list') return list(ctx, rest);
  if (sub === 'calibration') return calibration(ctx, rest);
  if (sub === 'remove') return remove(ctx, rest);
  throw new UsageError(`unknown measurements command: ${sub ?? '(none)'}`);
}

/** The measurements feature's CLI command. */
export const measurementsCommands: CliCommand[] = [
  {
    name: 'measurements',
    summary: 'Measure on an image (length, angle, probe, rectangle/ellipse ROI) and list or remove measurements.',
    usage: [
      'carelens measurements add --image ID [--frame N] --length X1,Y1,X2,Y2 [--json]',
      `carelens measurements add --image ID [--frame N] (${KIND_OPTIONS.filter((k) => k.option !== 'length').map((k) => `--${k.option} ${k.form}`).join(' | ')}) [--json]`,
      'carelens measurements list --image ID [--frame N] [--json]',
      'carelens measurements remove <measurement-id> [--json]',
      'carelens measurements calibration --image ID [--json]   (the spacing lengths are measured with, and where it comes from)',
      'Coordinates are image pixels: x = column, y = row, the centre of the top-left pixel being 0,0.',
    ].join('\n'),
    run: measurementsCommand,
  },
];
