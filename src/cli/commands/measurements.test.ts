/**
 * The "done when": `carelens measurements add` on a DICOM image with Pixel Spacing
 * returns the length in mm equal to the pixel length times the spacing, with a NON-SQUARE
 * spacing (a copy of a real CT whose (0028,0030) dcmtk's dcmodify rewrote).
 */
import { hasTool } from '../../main/imaging/fixtures/dicomBytes';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

const CT = path.join(SHARED_DATA, 'dicom', 'cornerstonejs_cornerstone3D', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');

const DCMTK = hasTool('dcmodify');
if (!DCMTK) console.log('measurements CLI test skipped: dcmtk (dcmodify) is missing, and it writes the non-square Pixel Spacing');

describe('carelens measurements', () => {
  it.skipIf(!DCMTK)('add --length on a CT with non-square Pixel Spacing prints the pixel length times the spacing; list shows it', async () => {
    const dataDir = tempDir('carelens-cli-measure-');
    const folder = tempDir('carelens-cli-measure-in-');
    const file = path.join(folder, 'ct.dcm');
    fs.copyFileSync(CT, file);
    // Rows 0.8 mm apart, columns 0.35 mm apart.
    execFileSync('dcmodify', ['-nb', '-m', '(0028,0030)=0.8\\0.35', file]);
    expect((await runCli(['import', folder, '--json', '--data-dir', dataDir])).code).toBe(0);
    const images = JSON.parse((await runCli(['images', 'list', '--json', '--data-dir', dataDir])).out) as { items: { id: string }[] };
    const imageId = images.items[0]!.id;

    const across = await runCli(['measurements', 'add', '--image', imageId, '--length', '100,200,300,200', '--json', '--data-dir', dataDir]);
    expect(across.code).toBe(0);
    const a = JSON.parse(across.out) as Record<string, unknown>;
    expect(Object.keys(a)).toEqual(['id', 'kind', 'valueMm', 'spacing', 'spacingSource']);
    expect(a).toMatchObject({ kind: 'length', spacing: [0.8, 0.35], spacingSource: 'PixelSpacing' });
    expect(a.valueMm).toBeCloseTo(200 * 0.35, 9);

    const down = JSON.parse((await runCli(['measurements', 'add', '--image', imageId, '--frame', '0', '--length', '50,10,50,110', '--json', '--data-dir', dataDir])).out) as { valueMm: number };
    expect(down.valueMm).toBeCloseTo(100 * 0.8, 9);

    const probe = JSON.parse((await runCli(['measurements', 'add', '--image', imageId, '--probe', '256,256', '--json', '--data-dir', dataDir])).out) as Record<string, unknown>;
    expect(Object.keys(probe)).toEqual(['id', 'kind', 'raw', 'value', 'unit']);
    expect(probe.unit).toBe('HU');
    expect(probe.value).toBe((probe.raw as number) - 1024);

    const rect = JSON.parse((await runCli(['measurements', 'add', '--image', imageId, '--rect', '200,200,240,220', '--json', '--data-dir', dataDir])).out) as Record<string, number>;
    expect(rect).toMatchObject({ kind: 'rectangle', count: 41 * 21, areaPx: 800, unit: 'HU', spacingSource: 'PixelSpacing' });
    expect(rect.areaMm2).toBeCloseTo(800 * 0.8 * 0.35, 9);

    const angle = JSON.parse((await runCli(['measurements', 'add', '--image', imageId, '--angle', '20,10,10,10,10,20', '--json', '--data-dir', dataDir])).out) as { angleDeg: number };
    expect(angle.angleDeg).toBeCloseTo(90, 9);

    const listed = await runCli(['measurements', 'list', '--image', imageId, '--json', '--data-dir', dataDir]);
    expect(listed.code).toBe(0);
    const items = JSON.parse(listed.out) as { id: string; kind: string }[];
    expect(items.map((m) => m.kind)).toEqual(['length', 'length', 'probe', 'rectangle', 'angle']);
    expect(items[0]!.id).toBe(a.id);

    const readable = await runCli(['measurements', 'list', '--image', imageId, '--data-dir', dataDir]);
    expect(readable.out.split('\n')[0]).toMatch(/length +70 mm \(200 px\) +\[Pixel Spacing 0\.8 x 0\.35 mm\] +system /);
    expect(readable.out).toContain('5 measurement(s)');

    // The spacing every length above used, as the viewer draws with it.
    const cal = await runCli(['measurements', 'calibration', '--image', imageId, '--json', '--data-dir', dataDir]);
    expect(JSON.parse(cal.out)).toEqual({ spacing: [0.8, 0.35], source: 'PixelSpacing' });
    expect((await runCli(['measurements', 'calibration', '--image', imageId, '--data-dir', dataDir])).out).toBe('Pixel Spacing 0.8 x 0.35 mm (between rows x between columns)\n');
    expect((await runCli(['measurements', 'calibration', '--image', 'no-such-image', '--data-dir', dataDir])).code).toBe(1);

    // Outside the 512 x 512 image: a clear error, exit 1, nothing stored.
    const outside = await runCli(['measurements', 'add', '--image', imageId, '--length', '0,0,600,0', '--data-dir', dataDir]);
    expect(outside.code).toBe(1);
    expect(outside.err).toMatch(/lies outside image .* 512 x 512 pixels/);
    expect(JSON.parse((await runCli(['measurements', 'list', '--image', imageId, '--json', '--data-dir', dataDir])).out)).toHaveLength(5);
  }, 120_000);

  it('exits 2 with the usage for a malformed command line', async () => {
    expect((await runCli(['measurements', 'add', '--image', 'x', '--length', '1,2,3'])).code).toBe(2);
    expect((await runCli(['measurements', 'add', '--image', 'x', '--length', '1,2,3,4', '--probe', '1,2'])).code).toBe(2);
    expect((await runCli(['measurements', 'add', '--length', '1,2,3,4'])).code).toBe(2);
    expect((await runCli(['measurements', 'frobnicate'])).code).toBe(2);
    expect((await runCli(['measurements', 'calibration'])).code).toBe(2);
  });
});
