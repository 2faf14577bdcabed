import type { Core } from '../core/Core';
import type { ImagingSeries } from '../../shared/domain/imaging';
import { SOURCE_PAGE_LIMIT, type PatientOverview } from '../../shared/ipc/imaging';
import type { ImagingService } from './ImagingService';

/**
 * `imaging:patientOverview`: what the Images page shows when a patient is opened, in one answer
 * (one round trip and one audit row instead of four). The lists are the ones the separate channels
 * answer (`imaging:studies`, `imaging:series`, `imaging:images`), and the choice of what to open is
 * the page's: the only study when the patient has no images without a series, then its series if
 * it has only one; the images without a series when the patient has no study; else nothing.
 * Everything is read in one transaction, so an import running meanwhile cannot make the counts and
 * the lists disagree.
 */
export function patientOverview(core: Core, service: ImagingService, patientId: string | null): PatientOverview {
  return core.db.transaction((): PatientOverview => {
    const studies = service.studies(patientId);
    const seriesOf = seriesByStudy(core, patientId);
    // The same filter the page used for the count and for the loose grid (a patient may be named by MRN there).
    const loose = patientId !== null ? { patientId, noSeries: true } : { unassigned: true, noSeries: true };
    const looseCount = service.images({ ...loose, limit: 1 }).total;
    const overview: PatientOverview = {
      studies: studies.map((study) => ({ study, series: seriesOf.get(study.id) ?? [] })),
      looseCount,
      openStudyId: null,
      opened: null,
    };
    if (studies.length === 1 && looseCount === 0) {
      const only = overview.studies[0]!;
      overview.openStudyId = only.study.id;
      if (only.series.length === 1) {
        const seriesId = only.series[0]!.id;
        overview.opened = { kind: 'series', seriesId, page: service.images({ seriesId, limit: SOURCE_PAGE_LIMIT }) };
      }
    } else if (studies.length === 0 && looseCount > 0) {
      overview.opened = { kind: 'loose', page: service.images({ ...loose, limit: SOURCE_PAGE_LIMIT }) };
    }
    return overview;
  })();
}

/** The series of every study of the patient (null: studies without a patient), per study, in `imaging:series` order. */
function seriesByStudy(core: Core, patientId: string | null): Map<string, ImagingSeries[]> {
  const rows = core.db
    .prepare(
      `SELECT se.study_id AS studyId, se.id, se.series_uid AS seriesUid, se.modality, se.body_part AS bodyPart, se.manufacturer, se.description, se.series_number AS seriesNumber,
         (SELECT COUNT(*) FROM images i WHERE i.series_id = se.id) AS images
       FROM series se JOIN studies s ON s.id = se.study_id
       WHERE s.patient_id IS ? ORDER BY se.series_number, se.created_at`,
    )
    .all(patientId) as (ImagingSeries & { studyId: string })[];
  const out = new Map<string, ImagingSeries[]>();
  for (const { studyId, ...series } of rows) {
    const list = out.get(studyId) ?? [];
    list.push(series);
    out.set(studyId, list);
  }
  return out;
}
