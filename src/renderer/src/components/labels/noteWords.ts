/**
 * A label history row's note in the interface language. The notes CareLens itself writes are
 * English sentences stored with the row (by import, review, undo, class changes and the ML
 * review: src/main/imaging/BatchWriter.ts, src/main/labels/*, src/main/ml/findingToLabelSet.ts);
 * rows already stored keep them, so they are recognised here and worded through the `labels`
 * catalogue area. A note a person typed is shown as typed. Pure function of the note and the locale.
 */
import { i18n } from '../../i18n';
import { formatDateTime } from '../../format';

type Rule = [RegExp, (m: RegExpExecArray) => string];

const t = (key: string, params: Record<string, unknown>) => i18n.global.t(key, params);

const RULES: Rule[] = [
  [/^from folder (.+)$/, (m) => t('labels.note.fromFolder', { folder: m[1] })],
  [/^confirmed the label by (.+)$/, (m) => t('labels.note.confirmed', { user: m[1] })],
  [/^corrected "(.*)" \(by (.+)\)$/, (m) => t('labels.note.corrected', { name: m[1], user: m[2] })],
  [/^undo of #(\d+): back to the label set by (.+)$/, (m) => t('labels.note.undoBack', { n: m[1], user: m[2] })],
  [/^undo of #(\d+)$/, (m) => t('labels.note.undo', { n: m[1] })],
  [/^class "(.*)" renamed to "(.*)"$/, (m) => t('labels.note.renamed', { from: m[1], to: m[2] })],
  [/^class "(.*)" removed; label moved to "(.*)"$/, (m) => t('labels.note.removedMoved', { from: m[1], to: m[2] })],
  [/^class "(.*)" removed; label cleared$/, (m) => t('labels.note.removedCleared', { from: m[1] })],
  [
    /^from diagnosis (\S+) \(model v(.+?): (.+) (\d+(?:\.\d+)?%)\), (confirmed|overridden) by (.+?) at (\S+?)(?:: (.*))?$/,
    (m) =>
      t(m[8] ? 'labels.note.fromDiagnosisWhy' : 'labels.note.fromDiagnosis', {
        id: m[1],
        version: m[2],
        cls: m[3],
        confidence: m[4],
        decision: t(`labels.note.decision.${m[5]}`, {}),
        user: m[6],
        at: formatDateTime(m[7]),
        why: m[8] ?? '',
      }),
  ],
];

export function noteWords(note: string): string {
  for (const [re, word] of RULES) {
    const m = re.exec(note);
    if (m) return word(m);
  }
  return note;
}
