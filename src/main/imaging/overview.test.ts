import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, value } from '../app/testing';
import type { App } from '../app/createApp';
import type { Actor } from '../../shared/domain/actor';
import type { ImagePage, ImagingPatient, ImagingSeries, ImagingStudy } from '../../shared/domain/imaging';
import type { Patient } from '../../shared/domain/patient';
import type { PatientOverview } from '../../shared/ipc/imaging';

const CLINICIAN: Actor = { id: 'u-cleo', username: 'cleo', role: 'clinician' };
const DICOM = path.join(SHARED_DATA, 'dicom');
const NORMAL = path.join(SHARED_DATA, 'images', 'pneumoniamnist', 'test', '0_normal');

const call = async <T>(app: App, channel: string, input: unknown): Promise<T> => value<T>(await callAs(app, channel, input, CLINICIAN));
/** Imports run as the system (a clinician may import only from allowed folders, which the shared data is not). */
const importAsSystem = async (app: App, input: unknown) => value(await callAs(app, 'imaging:import', input));

/** What opening a patient answered before the overview: the four calls the Images page made one after the other, and its choice of what to open. */
async function separately(app: App, patientId: string | null): Promise<PatientOverview> {
  const studies = await call<ImagingStudy[]>(app, 'imaging:studies', { patientId });
  const looseFilter = patientId ? { patientId, noSeries: true } : { unassigned: true, noSeries: true };
  const looseCount = (await call<ImagePage>(app, 'imaging:images', { ...looseFilter, limit: 1 })).total;
  const withSeries: PatientOverview['studies'] = [];
  for (const study of studies) withSeries.push({ study, series: await call<ImagingSeries[]>(app, 'imaging:series', { studyId: study.id }) });
  const out: PatientOverview = { studies: withSeries, looseCount, openStudyId: null, opened: null };
  if (studies.length === 1 && looseCount === 0) {
    out.openStudyId = studies[0]!.id;
    const series = withSeries[0]!.series;
    if (series.length === 1) out.opened = { kind: 'series', seriesId: series[0]!.id, page: await call<ImagePage>(app, 'imaging:images', { seriesId: series[0]!.id, limit: 20_000 }) };
  } else if (studies.length === 0 && looseCount > 0) {
    out.opened = { kind: 'loose', page: await call<ImagePage>(app, 'imaging:images', { ...looseFilter, limit: 20_000 }) };
  }
  return out;
}

describe('imaging:patientOverview over a real import', () => {
  let app: App & { dataDir: string };
  let patients: ImagingPatient[];
  /** A DICOM patient with one study, given PNGs too. */
  let mixedId: string;

  beforeAll(async () => {
    app = createTestApp({ onDisk: true });
    await importAsSystem(app, { paths: [DICOM] });
    // A patient with PNGs only, and a DICOM patient with PNGs beside their study.
    const pngs = fs.readdirSync(NORMAL).sort().slice(0, 5).map((f) => path.join(NORMAL, f));
    const loose = await call<Patient>(app, 'patients:create', { mrn: 'OV-LOOSE', name: 'Loose Only' });
    await importAsSystem(app, { paths: pngs.slice(0, 3), patientId: loose.mrn });
    const withStudy = (await call<ImagingPatient[]>(app, 'imaging:patients', {})).find((p) => p.patientId !== null && p.studies === 1 && p.images > 1)!; // not the CR (one image), which must stay a patient with one series
    mixedId = withStudy.patientId!;
    await importAsSystem(app, { paths: pngs.slice(3), patientId: mixedId });
    patients = await call<ImagingPatient[]>(app, 'imaging:patients', {});
  }, 120_000);
  afterAll(() => app.close());

  it('answers for every patient (and the unassigned images) what the separate channels answer, with the same choice of what to open', async () => {
    const kinds = new Set<string>();
    for (const p of patients) {
      const overview = await call<PatientOverview>(app, 'imaging:patientOverview', { patientId: p.patientId });
      expect(overview, p.name).toEqual(await separately(app, p.patientId));
      kinds.add(overview.opened?.kind ?? (overview.openStudyId ? 'study' : 'none'));
    }
    // Every branch of the choice was taken by some patient of the shared data.
    expect([...kinds].sort()).toEqual(['loose', 'none', 'series', 'study']);
  });

  it('opens the CR of the performance target at once: its only series, with its image', async () => {
    const cr = { patientId: app.core.db.prepare("SELECT patient_id FROM images WHERE original_path LIKE '%/RG1_J2KI.dcm'").pluck().get() as string };
    const overview = await call<PatientOverview>(app, 'imaging:patientOverview', { patientId: cr.patientId });
    expect(overview.studies).toHaveLength(1);
    expect(overview.openStudyId).toBe(overview.studies[0]!.study.id);
    expect(overview.opened).toMatchObject({ kind: 'series', seriesId: overview.studies[0]!.series[0]!.id });
    expect(overview.opened!.page.items.map((i) => [i.columns, i.rows])).toContainEqual([1841, 1955]);
  });

  it('opens the images without a series of a patient who has no study; not when they also have one', async () => {
    const loose = patients.find((p) => p.mrn === 'OV-LOOSE')!;
    const overview = await call<PatientOverview>(app, 'imaging:patientOverview', { patientId: loose.patientId });
    expect(overview).toMatchObject({ studies: [], looseCount: 3, openStudyId: null, opened: { kind: 'loose', page: { total: 3 } } });
    expect(overview.opened!.page.items.every((i) => i.format === 'png' && i.seriesId === null && i.patientId === loose.patientId)).toBe(true);
    const both = await call<PatientOverview>(app, 'imaging:patientOverview', { patientId: mixedId });
    expect(both).toMatchObject({ looseCount: 2, openStudyId: null, opened: null });
    expect(both.studies).toHaveLength(1);
  });

  it('is one audited read naming the patient', async () => {
    const cr = patients.find((p) => p.patientId !== null)!;
    const rows = () => app.core.db.prepare("SELECT kind, outcome, patient_ids FROM audit_log WHERE channel = 'imaging:patientOverview'").all() as { kind: string; outcome: string; patient_ids: string }[];
    const before = rows().length;
    await call(app, 'imaging:patientOverview', { patientId: cr.patientId });
    const after = rows();
    expect(after).toHaveLength(before + 1);
    expect(after[after.length - 1]).toMatchObject({ kind: 'read', outcome: 'ok' });
    expect(JSON.parse(after[after.length - 1]!.patient_ids)).toEqual([cr.patientId]);
  });

  it('answers an unknown patient with nothing, and refuses bad input', async () => {
    expect(await call<PatientOverview>(app, 'imaging:patientOverview', { patientId: 'no-such-patient' })).toEqual({ studies: [], looseCount: 0, openStudyId: null, opened: null });
    for (const input of [{}, { patientId: 42 }, { patientId: '' }, { patientId: null, extra: 1 }]) {
      const r = await callAs(app, 'imaging:patientOverview', input, CLINICIAN);
      expect(r, JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });
});
