import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../app/testing';
import { createDicomWebClient } from './dicomweb';
import { orthancAvailable, sharedDicomFiles, startOrthanc, type OrthancInstance } from './orthancHarness';
import { checkPart10 } from './part10';
import { copyWithNewUids, dcmtkAvailable, fakeHttpServer, type FakeServer } from './testSupport';
import { PacsError, type InstanceRef } from './types';

const skip = orthancAvailable();
if (skip) console.warn(`[pacs dicomweb tests] skipped: ${skip}`);

/** Every instance Orthanc holds, by its REST API (the reference the client is checked against). */
async function orthancInstances(o: OrthancInstance): Promise<{ id: string; ref: InstanceRef }[]> {
  const ids = (await (await fetch(`${o.baseUrl}/instances`)).json()) as string[];
  const out: { id: string; ref: InstanceRef }[] = [];
  for (const id of ids) {
    const tags = (await (await fetch(`${o.baseUrl}/instances/${id}/simplified-tags`)).json()) as Record<string, string>;
    out.push({ id, ref: { studyInstanceUid: tags.StudyInstanceUID!, seriesInstanceUid: tags.SeriesInstanceUID!, sopInstanceUid: tags.SOPInstanceUID! } });
  }
  return out;
}

describe.skipIf(skip !== null)('DICOMweb client against a real Orthanc', () => {
  let orthanc: OrthancInstance;
  let all: { id: string; ref: InstanceRef }[];

  beforeAll(async () => {
    orthanc = await startOrthanc();
    const up = await orthanc.uploadSome(sharedDicomFiles(SHARED_DATA));
    expect(up.stored.length).toBeGreaterThan(40);
    all = await orthancInstances(orthanc);
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('echoes, and reports a PACS that is down', async () => {
    const ok = await createDicomWebClient({ baseUrl: orthanc.dicomWebUrl }).echo();
    expect(ok.ok).toBe(true);
    expect(ok.ms).toBeGreaterThanOrEqual(0);
    const down = await createDicomWebClient({ baseUrl: 'http://127.0.0.1:9/dicom-web', timeoutMs: 2000 }).echo();
    expect(down.ok).toBe(false);
    expect(down.error).toMatch(/unreachable/);
  });

  it('queries studies by patient ID, name wildcard, date range and modality, then series and instances', async () => {
    const client = createDicomWebClient({ baseUrl: orthanc.dicomWebUrl });
    const studies = await client.findStudies({});
    const studyUids = new Set(all.map((i) => i.ref.studyInstanceUid));
    expect(new Set(studies.map((s) => s.studyInstanceUid))).toEqual(studyUids);

    const withId = studies.find((s) => s.patientId && s.patientName && s.studyDate)!;
    const byId = await client.findStudies({ patientId: withId.patientId });
    expect(byId.length).toBeGreaterThan(0);
    expect(byId.every((s) => s.patientId === withId.patientId)).toBe(true);

    const prefix = withId.patientName.slice(0, 3);
    const byName = await client.findStudies({ patientName: `${prefix}*` });
    expect(byName.map((s) => s.studyInstanceUid)).toContain(withId.studyInstanceUid);
    expect(byName.every((s) => s.patientName.toUpperCase().startsWith(prefix.toUpperCase()))).toBe(true);

    const byDate = await client.findStudies({ studyDateFrom: withId.studyDate, studyDateTo: withId.studyDate });
    expect(byDate.map((s) => s.studyInstanceUid)).toContain(withId.studyInstanceUid);
    expect(byDate.every((s) => s.studyDate === withId.studyDate)).toBe(true);

    const ct = await client.findStudies({ modality: 'CT' });
    expect(ct.length).toBeGreaterThan(0);
    expect(ct.every((s) => s.modalities.includes('CT'))).toBe(true);
    expect(await client.findStudies({ patientId: 'NO-SUCH-PATIENT-ID' })).toEqual([]);

    const series = await client.findSeries(withId.studyInstanceUid);
    const expectedSeries = new Set(all.filter((i) => i.ref.studyInstanceUid === withId.studyInstanceUid).map((i) => i.ref.seriesInstanceUid));
    expect(new Set(series.map((s) => s.seriesInstanceUid))).toEqual(expectedSeries);
    const instances = await client.findInstances(withId.studyInstanceUid);
    expect(instances.map((i) => i.sopInstanceUid).sort()).toEqual(all.filter((i) => i.ref.studyInstanceUid === withId.studyInstanceUid).map((i) => i.ref.sopInstanceUid).sort());
    const oneSeries = await client.findInstances(withId.studyInstanceUid, series[0]!.seriesInstanceUid);
    expect(oneSeries.every((i) => i.seriesInstanceUid === series[0]!.seriesInstanceUid)).toBe(true);
  });

  it('fetches every instance byte for byte as Orthanc stores it', async () => {
    const client = createDicomWebClient({ baseUrl: orthanc.dicomWebUrl });
    const got = new Map<string, Buffer>();
    const failures = await client.fetchInstances(
      all.map((i) => i.ref),
      async (ref, part10) => {
        got.set(ref.sopInstanceUid, part10);
      },
      { concurrency: 4 },
    );
    expect(failures).toEqual([]);
    expect(got.size).toBe(all.length);
    for (const { id, ref } of all) {
      const file = Buffer.from(await (await fetch(`${orthanc.baseUrl}/instances/${id}/file`)).arrayBuffer());
      const mine = got.get(ref.sopInstanceUid)!;
      const bare = file.length < 132 || file.toString('latin1', 128, 132) !== 'DICM';
      // Orthanc serves a bare data set as it was uploaded: the client wraps it in a meta header.
      if (bare) expect(mine.subarray(checkPart10(mine).datasetOffset).equals(file)).toBe(true);
      else expect(mine.equals(file)).toBe(true);
    }
  });

  it('sends a truncated copy of a real instance through the same check: refused', async () => {
    const client = createDicomWebClient({ baseUrl: orthanc.dicomWebUrl });
    const got: Buffer[] = [];
    await client.fetchInstances([all[0]!.ref], async (_r, b) => void got.push(b), {});
    expect(() => checkPart10(got[0]!.subarray(0, got[0]!.length - 10))).toThrow(/truncated/);
  });

  it('reports an instance the PACS does not have (404) as a failure, and fetches the rest', async () => {
    const client = createDicomWebClient({ baseUrl: orthanc.dicomWebUrl });
    const real = all[0]!.ref;
    const missing = { ...real, sopInstanceUid: '1.2.3.4.5.6.7.8.9' };
    const seen: string[] = [];
    const failures = await client.fetchInstances([missing, real], async (ref) => void seen.push(ref.sopInstanceUid), {});
    expect(seen).toEqual([real.sopInstanceUid]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.ref.sopInstanceUid).toBe(missing.sopInstanceUid);
    expect(failures[0]!.reason).toMatch(/HTTP 404/);
  });

  it('stops at an abort: rejects with kind aborted and calls onInstance no more', async () => {
    const client = createDicomWebClient({ baseUrl: orthanc.dicomWebUrl });
    const ac = new AbortController();
    let calls = 0;
    let afterAbort = 0;
    const p = client.fetchInstances(
      all.map((i) => i.ref),
      async () => {
        if (ac.signal.aborted) afterAbort++;
        if (++calls === 3) ac.abort();
      },
      { concurrency: 2, signal: ac.signal },
    );
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    expect(calls).toBeLessThan(all.length);
    expect(afterAbort).toBeLessThanOrEqual(1); // at most the one already in flight on the other lane
  });

  it.skipIf(dcmtkAvailable() !== null)('stores new instances with STOW-RS, which QIDO then finds', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-stow-'));
    try {
      const src = sharedDicomFiles(SHARED_DATA).find((f) => f.endsWith('CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'))!;
      const [copy] = await copyWithNewUids([{ path: src, studyUid: 'a', seriesUid: 'b' }], tmp);
      const bytes = fs.readFileSync(copy!);
      const info = checkPart10(bytes);
      const client = createDicomWebClient({ baseUrl: orthanc.dicomWebUrl });
      const res = await client.store([bytes, Buffer.from('not dicom at all')]);
      expect(res.stored).toEqual([info.sopInstanceUid]);
      expect(res.failed).toHaveLength(1);
      expect(res.failed[0]!.reason).toMatch(/DICM/);
      const tags = (await (await fetch(`${orthanc.baseUrl}/tools/find`, { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: info.sopInstanceUid } }) })).json()) as string[];
      expect(tags).toHaveLength(1);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skip !== null)('DICOMweb client when Orthanc dies mid-retrieve', () => {
  it('returns a failure per unfetched instance instead of throwing, with the instances before intact', async () => {
    const orthanc = await startOrthanc();
    try {
      await orthanc.uploadSome(sharedDicomFiles(SHARED_DATA));
      const client = createDicomWebClient({ baseUrl: orthanc.dicomWebUrl, timeoutMs: 5000 });
      const refs = (await orthancInstances(orthanc)).map((i) => i.ref);
      const got: Buffer[] = [];
      const failures = await client.fetchInstances(
        refs,
        async (_ref, part10) => {
          got.push(part10);
          if (got.length === 5) orthanc.kill();
        },
        { concurrency: 2 },
      );
      expect(got.length).toBeGreaterThanOrEqual(5);
      expect(got.length + failures.length).toBe(refs.length);
      expect(failures.length).toBeGreaterThan(0);
      for (const f of failures) expect(f.reason).toMatch(/unreachable|dropped|cut short|timeout|did not answer/);
      for (const b of got) expect(() => checkPart10(b)).not.toThrow();
    } finally {
      await orthanc.stop();
    }
  });
});

describe('DICOMweb client against a misbehaving server', () => {
  const sample = fs.readFileSync(path.join(SHARED_DATA, 'dicom/pydicom_pydicom-data/emri_small.dcm'));
  const ref: InstanceRef = { studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', sopInstanceUid: checkPart10(sample).sopInstanceUid };
  let server: FakeServer;
  let mode = '';
  beforeAll(async () => {
    server = await fakeHttpServer((req, res) => {
      const boundary = 'XyZ';
      const head = `--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`;
      const mp = { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` };
      if (mode === '500') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('database exploded');
      } else if (mode === '401') {
        res.writeHead(401).end();
      } else if (mode === 'notjson') {
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('<html>hello</html>');
      } else if (mode === 'noclose') {
        res.writeHead(200, mp).end(Buffer.concat([Buffer.from(head), sample]));
      } else if (mode === 'garbage') {
        res.writeHead(200, mp).end('this is not multipart at all');
      } else if (mode === 'truncated') {
        res.writeHead(200, mp).end(Buffer.concat([Buffer.from(head), sample.subarray(0, sample.length - 1000), Buffer.from(`\r\n--${boundary}--\r\n`)]));
      } else if (mode === 'dropped') {
        res.writeHead(200, mp);
        res.write(Buffer.concat([Buffer.from(head), sample.subarray(0, 5000)]));
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (mode === 'good') {
        // Tiny chunks: the delimiter straddles chunk borders.
        const all = Buffer.concat([Buffer.from(`preamble\r\n${head}`), sample, Buffer.from(`\r\n--${boundary}--\r\n`)]);
        res.writeHead(200, mp);
        let i = 0;
        const step = (): void => {
          if (i >= all.length) return void res.end();
          res.write(all.subarray(i, (i += 7)));
          setImmediate(step);
        };
        step();
      } else {
        res.writeHead(418).end();
      }
    });
  });
  afterAll(async () => server?.close());

  async function fetchOnce(): Promise<{ got: Buffer[]; reasons: string[] }> {
    const got: Buffer[] = [];
    const failures = await createDicomWebClient({ baseUrl: server.url, timeoutMs: 3000 }).fetchInstances([ref], async (_r, b) => void got.push(b), {});
    return { got, reasons: failures.map((f) => f.reason) };
  }

  it('reads a well-formed answer delivered in 7-byte chunks', async () => {
    mode = 'good';
    const r = await fetchOnce();
    expect(r.reasons).toEqual([]);
    expect(r.got).toHaveLength(1);
    expect(r.got[0]!.equals(sample)).toBe(true);
  });

  it.each([
    ['500', /HTTP 500.*database exploded/],
    ['401', /HTTP 401.*credentials/],
    ['noclose', /ended before its closing boundary/],
    ['garbage', /no part/],
    ['truncated', /truncated or malformed/],
    ['dropped', /dropped the connection|cut short|aborted/i],
  ])('turns a %s answer into a clear per-instance failure, never an instance', async (m, reason) => {
    mode = m;
    const r = await fetchOnce();
    expect(r.got).toEqual([]);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatch(reason);
  });

  it('throws a PacsError for a failed query', async () => {
    const client = createDicomWebClient({ baseUrl: server.url, timeoutMs: 3000 });
    mode = '500';
    await expect(client.findStudies({})).rejects.toMatchObject({ kind: 'http' });
    mode = '401';
    await expect(client.findStudies({})).rejects.toMatchObject({ kind: 'refused' });
    mode = 'notjson';
    const err = await client.findStudies({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PacsError);
    expect((err as PacsError).kind).toBe('malformed');
  });
});

describe('DICOMweb client: sign-in and https with the node\'s CA', () => {
  it('sends basic and bearer credentials', async () => {
    const seen: (string | undefined)[] = [];
    const server = await fakeHttpServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]');
    });
    try {
      await createDicomWebClient({ baseUrl: server.url, auth: { kind: 'basic', user: 'ann', password: 'pä:ss' } }).findStudies({});
      await createDicomWebClient({ baseUrl: server.url, auth: { kind: 'bearer', token: 'tok123' } }).findStudies({});
      await createDicomWebClient({ baseUrl: server.url }).findStudies({});
      expect(seen).toEqual([`Basic ${Buffer.from('ann:pä:ss').toString('base64')}`, 'Bearer tok123', undefined]);
    } finally {
      await server.close();
    }
  });

  const noOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return null;
    } catch {
      return 'openssl is not installed';
    }
  })();
  it.skipIf(noOpenssl !== null)('trusts an https PACS through the CA file, and refuses it without', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-tls-'));
    try {
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const baseUrl = `https://127.0.0.1:${port}/dicom-web`;
        expect(await createDicomWebClient({ baseUrl, caPem: fs.readFileSync(cert, 'utf8') }).echo()).toMatchObject({ ok: true });
        const untrusted = await createDicomWebClient({ baseUrl }).echo();
        expect(untrusted.ok).toBe(false);
        expect(untrusted.error).toMatch(/certificate was not accepted/);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
