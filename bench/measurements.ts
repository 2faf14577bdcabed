/**
 * `npm run bench -- measurements [runs]`: what a measurement costs through the dispatcher (zod,
 * handler, audit append): a length (header only, cached after the first), a probe and a large
 * ellipse ROI (the frame decoded in the imaging decode worker, as `imaging:frame` gives it, then
 * the statistics), on a 512 x 512 CT and a 1841 x 1955 JPEG 2000 CR. Medians; the machine is shared.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/main/app/createApp';
import { silentLogger } from '../src/main/core/logger';
import { SYSTEM_ACTOR } from '../src/shared/domain/actor';
import { median, fmt } from './util';

const DATA = path.resolve(__dirname, '../../shared/data/dicom');
const FILES = {
  'CT 512x512 native': path.join(DATA, 'cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'),
  'CR 1841x1955 JPEG 2000': path.join(DATA, 'pydicom_pydicom-data/RG1_J2KI.dcm'),
};

export default async function measurementsBench(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 15);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-bench-measure-'));
  const input = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-bench-measure-in-'));
  const app = createApp({ dataDir: dir, runtime: 'cli', logger: silentLogger, databaseKey: { hex: '7'.repeat(64), source: 'env', where: 'bench' } });
  const ctx = { transport: 'cli' as const, actor: SYSTEM_ACTOR };
  try {
    for (const [name, file] of Object.entries(FILES)) fs.copyFileSync(file, path.join(input, `${name.split(' ')[0]}.dcm`));
    await app.call('imaging:import', { paths: [input] }, ctx);
    const page = (await app.call('imaging:images', { limit: 10 }, ctx)) as { ok: true; value: { items: { id: string; originalPath: string; columns: number; rows: number }[] } };
    for (const [name] of Object.entries(FILES)) {
      const image = page.value.items.find((i) => path.basename(i.originalPath) === `${name.split(' ')[0]}.dcm`)!;
      const { columns: w, rows: h } = image;
      const cases = {
        length: { kind: 'length', points: [[10, 10], [w - 10, h - 10]] },
        probe: { kind: 'probe', points: [[w / 2, h / 2]] },
        'ellipse (half the image)': { kind: 'ellipse', points: [[w / 4, h / 4], [(3 * w) / 4, (3 * h) / 4]] },
      };
      for (const [label, c] of Object.entries(cases)) {
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t = process.hrtime.bigint();
          const r = (await app.call('measurements:add', { imageId: image.id, ...c }, ctx)) as { ok: boolean; error?: { message: string } };
          times.push(Number(process.hrtime.bigint() - t) / 1e6);
          if (!r.ok) throw new Error(r.error!.message);
        }
        console.log(`${name}: measurements:add ${label}: median ${fmt(median(times))} ms, first ${fmt(times[0]!)} ms (${runs} runs)`);
      }
    }
  } finally {
    await app.close();
  }
}
