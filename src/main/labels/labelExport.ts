import type { LabelExport } from '../../shared/domain/labels';
import { toCsv } from '../../shared/csv';
import { labelRowsOfSet } from './labelRepository';
import { imageIdsInScope, labelImageInfos } from './labelImages';
import type { LabelStore } from './LabelStore';

const CURRENT_HEADER = [
  'image_id',
  'original_path',
  'patient_id',
  'predefined_split',
  'class_name',
  'source',
  'author',
  'labeled_at',
  'review_verdict',
  'review_class',
  'reviewer',
  'reviewed_at',
  'review_stale',
];
const HISTORY_HEADER = ['label_id', 'image_id', 'original_path', 'class_name', 'source', 'author', 'created_at', 'note', 'undoes', 'undone_by'];

/**
 * A set's labels as CSV (LF line ends, formulas defused): 'current' (one row per labelled
 * image, in import order, with its provenance and review) or 'history' (every row ever
 * written, oldest first, undo links included).
 */
export function exportLabelsCsv(store: LabelStore, idOrName: string, mode: 'current' | 'history' = 'current'): LabelExport {
  const set = store.requireSet(idOrName);
  const states = store.setState(set.id);
  if (mode === 'history') {
    const rows = labelRowsOfSet(store.db, set.id);
    const images = labelImageInfos(store.db, rows.map((r) => r.image_id));
    const cells = rows.map((r) => {
      const s = states.get(r.image_id)!;
      return [r.id, r.image_id, images.get(r.image_id)?.originalPath ?? '', r.class_name, r.source, r.author, r.created_at, r.note, s.undoes.get(r.id) ?? '', s.undoneBy.get(r.id) ?? ''];
    });
    return { labelSetId: set.id, rows: rows.length, csv: toCsv(HISTORY_HEADER, cells, { eol: '\n' }) };
  }
  const ids = imageIdsInScope(store.db, set.id).filter((id) => states.get(id)?.className != null);
  const images = labelImageInfos(store.db, ids);
  const cells = ids.map((id) => {
    const s = states.get(id)!;
    const img = images.get(id);
    const rv = s.review;
    return [
      id,
      img?.originalPath ?? '',
      img?.patientId ?? '',
      img?.predefinedSplit ?? '',
      s.className,
      s.top!.source,
      s.top!.author,
      s.top!.created_at,
      rv?.verdict ?? '',
      rv?.review_class ?? '',
      rv?.reviewer ?? '',
      rv?.created_at ?? '',
      rv ? (s.reviewStale ? 'yes' : 'no') : '',
    ];
  });
  return { labelSetId: set.id, rows: ids.length, csv: toCsv(CURRENT_HEADER, cells, { eol: '\n' }) };
}
