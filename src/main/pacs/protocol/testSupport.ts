/**
 * Test and bench support for the PACS protocol tests (never imported by production code):
 * new copies of instances with fresh UIDs (dcmtk's dcmodify, which keeps every other byte
 * as it was), and a tiny fake DICOMweb server on 127.0.0.1 that misbehaves on purpose.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function dcmtkAvailable(tool = 'dcmodify'): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(':')) {
    if (fs.existsSync(path.join(dir, tool))) return null;
  }
  return `dcmtk's ${tool} is not installed (apt-get install dcmtk)`;
}

/** A new 2.25 UID (PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/**
 * Copies files into outDir with new Study/Series/SOP Instance UIDs (one new study UID per
 * original study, one new series UID per original series), so a PACS holds them as new
 * instances. Files dcmodify cannot rewrite are skipped. Returns the written paths.
 */
export async function copyWithNewUids(files: { path: string; studyUid: string; seriesUid: string }[], outDir: string): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const studyMap = new Map<string, string>();
  const seriesMap = new Map<string, string>();
  const out: string[] = [];
  for (const [i, f] of files.entries()) {
    const study = studyMap.get(f.studyUid) ?? newUid();
    studyMap.set(f.studyUid, study);
    const series = seriesMap.get(f.seriesUid) ?? newUid();
    seriesMap.set(f.seriesUid, series);
    const target = path.join(outDir, `${i}.dcm`);
    fs.copyFileSync(f.path, target);
    try {
      await run('dcmodify', ['-nb', '-q', '-m', `(0020,000d)=${study}`, '-m', `(0020,000e)=${series}`, '-m', `(0008,0018)=${newUid()}`, target]);
      out.push(target);
    } catch {
      fs.rmSync(target, { force: true });
    }
  }
  return out;
}

export interface FakeServer {
  url: string;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 whose handler decides every answer. */
export async function fakeHttpServer(handler: http.RequestListener): Promise<FakeServer> {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
