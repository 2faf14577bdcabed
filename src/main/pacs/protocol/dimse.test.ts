import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../app/testing';
import { createDimseClient } from './dimse';
import { freePort, orthancAvailable, sharedDicomFiles, startOrthanc, type OrthancInstance } from './orthancHarness';
import { checkPart10 } from './part10';
import { copyWithNewUids, dcmtkAvailable } from './testSupport';
import type { DimseEndpoint, InstanceRef } from './types';

const skip = orthancAvailable();
if (skip) console.warn(`[pacs dimse tests] skipped: ${skip}`);

async function orthancInstances(o: OrthancInstance): Promise<{ id: string; ref: InstanceRef }[]> {
  const ids = (await (await fetch(`${o.baseUrl}/instances`)).json()) as string[];
  const out: { id: string; ref: InstanceRef }[] = [];
  for (const id of ids) {
    const tags = (await (await fetch(`${o.baseUrl}/instances/${id}/simplified-tags`)).json()) as Record<string, string>;
    out.push({ id, ref: { studyInstanceUid: tags.StudyInstanceUID!, seriesInstanceUid: tags.SeriesInstanceUID!, sopInstanceUid: tags.SOPInstanceUID! } });
  }
  return out;
}

function endpoint(o: OrthancInstance, extra: Partial<DimseEndpoint> = {}): DimseEndpoint {
  return { calledAet: o.aet, host: '127.0.0.1', port: o.dicomPort, callingAet: 'CARELENS', timeoutMs: 10_000, ...extra };
}

/** The data set bytes after the meta header (the meta header differs: ours is rebuilt). */
function datasetOf(part10: Buffer): Buffer {
  return part10.subarray(checkPart10(part10).datasetOffset);
}

describe.skipIf(skip !== null)('DIMSE client against a real Orthanc', () => {
  let orthanc: OrthancInstance;
  let all: { id: string; ref: InstanceRef }[];

  beforeAll(async () => {
    orthanc = await startOrthanc();
    await orthanc.uploadSome(sharedDicomFiles(SHARED_DATA));
    all = await orthancInstances(orthanc);
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('C-ECHOes, and reports a closed port', async () => {
    const ok = await createDimseClient(endpoint(orthanc)).echo();
    expect(ok).toMatchObject({ ok: true });
    const down = await createDimseClient(endpoint(orthanc, { port: await freePort() })).echo();
    expect(down.ok).toBe(false);
    expect(down.error).toMatch(/unreachable/);
  });

  it('C-FINDs studies by patient ID, name wildcard, date range and modality, then series and instances', async () => {
    const client = createDimseClient(endpoint(orthanc));
    const studies = await client.findStudies({});
    // Conformant UIDs only: the shared data holds one study whose "UID" is a 64-digit hex string, which Orthanc's C-FIND rewrites.
    const conformant = (uid: string): boolean => /^[0-9.]+$/.test(uid);
    const expectedStudies = new Set(all.map((i) => i.ref.studyInstanceUid).filter(conformant));
    expect(studies.filter((s) => expectedStudies.has(s.studyInstanceUid))).toHaveLength(expectedStudies.size);
    expect(studies).toHaveLength(new Set(all.map((i) => i.ref.studyInstanceUid)).size);
    const withId = studies.find((s) => s.patientId && s.patientName && s.studyDate && s.numberOfInstances)!;
    expect(withId.numberOfInstances).toBe(all.filter((i) => i.ref.studyInstanceUid === withId.studyInstanceUid).length);

    const byId = await client.findStudies({ patientId: withId.patientId });
    expect(byId.length).toBeGreaterThan(0);
    expect(byId.every((s) => s.patientId === withId.patientId)).toBe(true);
    const prefix = withId.patientName.slice(0, 3);
    const byName = await client.findStudies({ patientName: `${prefix}*` });
    expect(byName.map((s) => s.studyInstanceUid)).toContain(withId.studyInstanceUid);
    expect(byName.every((s) => s.patientName.toUpperCase().startsWith(prefix.toUpperCase()))).toBe(true);
    const byDate = await client.findStudies({ studyDateFrom: withId.studyDate, studyDateTo: withId.studyDate });
    expect(byDate.every((s) => s.studyDate === withId.studyDate)).toBe(true);
    expect(byDate.map((s) => s.studyInstanceUid)).toContain(withId.studyInstanceUid);
    const ct = await client.findStudies({ modality: 'CT' });
    expect(ct.length).toBeGreaterThan(0);
    expect(ct.every((s) => s.modalities.includes('CT'))).toBe(true);
    expect(await client.findStudies({ patientId: 'NO-SUCH-PATIENT-ID' })).toEqual([]);

    const series = await client.findSeries(withId.studyInstanceUid);
    const expected = new Set(all.filter((i) => i.ref.studyInstanceUid === withId.studyInstanceUid).map((i) => i.ref.seriesInstanceUid));
    expect(new Set(series.map((s) => s.seriesInstanceUid))).toEqual(expected);
    const instances = await client.findInstances(withId.studyInstanceUid);
    expect(instances.map((i) => i.sopInstanceUid).sort()).toEqual(all.filter((i) => i.ref.studyInstanceUid === withId.studyInstanceUid).map((i) => i.ref.sopInstanceUid).sort());
  });

  it('C-GETs instances in the transfer syntax Orthanc stores them in', async () => {
    const client = createDimseClient(endpoint(orthanc));
    const got = new Map<string, Buffer>();
    const failures = await client.fetchInstances(all.map((i) => i.ref), async (ref, part10) => void got.set(ref.sopInstanceUid, part10), { concurrency: 2 });
    expect(got.size + failures.length).toBe(all.length);
    // The shared data holds a few instances a C-GET cannot carry (no SOP class, a non-numeric UID, a transfer syntax
    // Orthanc 1.10 cannot negotiate, a SOP Class UID encoded as UN): each has a reason.
    expect(failures.length).toBeLessThanOrEqual(4);
    for (const f of failures) expect(f.reason).toMatch(/^Not retrieved: /);
    for (const { id, ref } of all) {
      const mine = got.get(ref.sopInstanceUid);
      if (!mine) continue;
      const file = Buffer.from(await (await fetch(`${orthanc.baseUrl}/instances/${id}/file`)).arrayBuffer());
      const bare = file.toString('latin1', 128, 132) !== 'DICM';
      expect(checkPart10(mine).sopInstanceUid).toBe(ref.sopInstanceUid);
      // No transcoding: the transfer syntax is the stored one (a bare data set has none to keep).
      if (!bare) expect(checkPart10(mine).transferSyntaxUid).toBe(checkPart10(file).transferSyntaxUid);
      // Orthanc's DCMTK re-encodes a data set it sends over DIMSE (sequence lengths, padding, group lengths,
      // re-deflation), so bytes may differ a little; the content size stays within 1 KB or 1 %.
      const a = datasetOf(mine).length;
      const b = bare ? file.length : datasetOf(file).length;
      expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(1024, b * 0.01));
    }
  });

  it('reports an instance the PACS does not hold, and still fetches the rest of its series', async () => {
    const client = createDimseClient(endpoint(orthanc));
    const real = all.find((i) => i.ref.sopInstanceUid.startsWith('1.'))!.ref;
    const missing = { ...real, sopInstanceUid: '1.2.3.4.5.6.7.8.9' };
    const seen: string[] = [];
    const failures = await client.fetchInstances([missing, real], async (ref) => void seen.push(ref.sopInstanceUid), {});
    expect(seen).toEqual([real.sopInstanceUid]);
    expect(failures).toEqual([{ ref: missing, reason: expect.stringMatching(/does not hold|did not send this instance/) as unknown }]);
  });

  it('stops at an abort with kind aborted', async () => {
    const client = createDimseClient(endpoint(orthanc));
    const ac = new AbortController();
    let calls = 0;
    const p = client.fetchInstances(
      all.map((i) => i.ref),
      async () => {
        if (++calls === 3) ac.abort();
      },
      { concurrency: 1, signal: ac.signal },
    );
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    expect(calls).toBeLessThan(all.length);
  });

  it.skipIf(dcmtkAvailable() !== null)('C-STOREs new instances as they are, and says which it could not', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-cstore-'));
    try {
      const files = sharedDicomFiles(SHARED_DATA).filter((f) => /CTImage\.dcm_(LittleEndianExplicit|JPEG2000Lossless|RLELossless)/.test(f));
      const copies = await copyWithNewUids(files.map((f) => ({ path: f, studyUid: 's', seriesUid: 'x' })), tmp);
      expect(copies.length).toBe(3);
      const bytes = copies.map((c) => fs.readFileSync(c));
      const res = await createDimseClient(endpoint(orthanc)).store([...bytes, Buffer.from('garbage')]);
      expect(res.stored.sort()).toEqual(bytes.map((b) => checkPart10(b).sopInstanceUid).sort());
      expect(res.failed).toHaveLength(1);
      for (const b of bytes) {
        const uid = checkPart10(b).sopInstanceUid;
        const ids = (await (await fetch(`${orthanc.baseUrl}/tools/find`, { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: uid } }) })).json()) as string[];
        expect(ids).toHaveLength(1);
        const file = Buffer.from(await (await fetch(`${orthanc.baseUrl}/instances/${ids[0]}/file`)).arrayBuffer());
        expect(datasetOf(file).equals(datasetOf(b))).toBe(true);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skip !== null)('DIMSE client: refusals and a PACS that dies', () => {
  it('reports a refused association (wrong called AE title)', async () => {
    const orthanc = await startOrthanc({ config: { DicomCheckCalledAet: true } });
    try {
      const res = await createDimseClient(endpoint(orthanc, { calledAet: 'NOT_ORTHANC' })).echo();
      expect(res.ok).toBe(false);
      expect(res.error).toMatch(/refused the association/);
      await expect(createDimseClient(endpoint(orthanc, { calledAet: 'NOT_ORTHANC' })).findStudies({})).rejects.toMatchObject({ kind: 'refused' });
    } finally {
      await orthanc.stop();
    }
  });

  it('returns a failure per unfetched instance when Orthanc is killed mid-C-GET', async () => {
    const orthanc = await startOrthanc();
    try {
      await orthanc.uploadSome(sharedDicomFiles(SHARED_DATA));
      const refs = (await orthancInstances(orthanc)).map((i) => i.ref);
      const got: Buffer[] = [];
      const failures = await createDimseClient(endpoint(orthanc, { timeoutMs: 5000 })).fetchInstances(
        refs,
        async (_r, b) => {
          got.push(b);
          if (got.length === 5) orthanc.kill();
        },
        { concurrency: 1 },
      );
      expect(got.length).toBeGreaterThanOrEqual(5);
      expect(got.length + failures.length).toBe(refs.length);
      expect(failures.filter((f) => /dropped|unreachable|failed/.test(f.reason)).length).toBeGreaterThan(0);
      for (const b of got) expect(() => checkPart10(b)).not.toThrow();
    } finally {
      await orthanc.stop();
    }
  });
});

describe.skipIf(skip !== null)('DIMSE client: C-MOVE to our own storage SCP', () => {
  it('moves a study to our loopback SCP, and says so when the PACS does not know our AE', async () => {
    const port = await freePort();
    const orthanc = await startOrthanc({ modalities: { CARELENS_MOVE: ['CLMOVE', '127.0.0.1', port] } });
    try {
      await orthanc.uploadSome(sharedDicomFiles(SHARED_DATA));
      const all = await orthancInstances(orthanc);
      const study = all.find((i) => i.ref.sopInstanceUid.startsWith('1.'))!.ref.studyInstanceUid;
      const refs = all.filter((i) => i.ref.studyInstanceUid === study).map((i) => i.ref);
      const got = new Map<string, Buffer>();
      const client = createDimseClient(endpoint(orthanc, { retrieve: 'move', moveDestination: { aet: 'CLMOVE', port } }));
      const failures = await client.fetchInstances(refs, async (ref, b) => void got.set(ref.sopInstanceUid, b), {});
      expect(failures).toEqual([]);
      expect([...got.keys()].sort()).toEqual(refs.map((r) => r.sopInstanceUid).sort());
      for (const b of got.values()) expect(() => checkPart10(b)).not.toThrow();

      const unknown = createDimseClient(endpoint(orthanc, { retrieve: 'move', moveDestination: { aet: 'NOBODY', port } }));
      const refused = await unknown.fetchInstances(refs, async () => undefined, {});
      expect(refused).toHaveLength(refs.length);
      expect(refused[0]!.reason).toMatch(/does not know our C-MOVE destination|did not send/);
    } finally {
      await orthanc.stop();
    }
  });
});
