/**
 * The main process's checks on a prediction (applicability, out-of-distribution) in the
 * interface language. Each applicability reason travels as English text (kept for the CLI and
 * for rows stored before keys existed) and as a key with parameters (`applicability.notes`);
 * the renderer words the keyed form, falling back to the English text when a row has none.
 */
import type { Diagnosis, MlMessage } from '../../../../shared/domain/ml';
import { i18n } from '../../i18n';

type Checked = Pick<Diagnosis, 'applicability' | 'ood'>;

/** Parameters that are themselves lists of codes or words are joined in the active language. */
function words(m: MlMessage): string {
  const { t } = i18n.global;
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(m.params ?? {})) params[k] = v;
  // Colours are words to translate ("grey and colour"); other lists are codes or data ("CR or DX").
  const colour = m.key === 'colour';
  for (const [k, list] of Object.entries(m.lists ?? {})) {
    params[k] = joinList(colour ? list.map((c) => t(`ml.colour.${c}`)) : list, colour ? 'and' : 'or');
  }
  if (m.key === 'modalityOther' || m.key === 'modalityMissing') params.trained = trainedOn(m);
  return t(`ml.applicability.${m.key}`, params);
}

/** "CR or DX", "grey and colour": the last two joined by a word, the rest by the list separator. */
function joinList(xs: readonly string[], join: 'or' | 'and'): string {
  const { t } = i18n.global;
  if (xs.length <= 1) return xs[0] ?? '';
  return t(`ml.applicability.${join}`, { list: xs.slice(0, -1).join(t('ml.listSeparator')), last: xs.at(-1)! });
}

/** What the training images were: "CR images", "PNG images without a modality", or both. */
function trainedOn(m: MlMessage): string {
  const { t } = i18n.global;
  const parts: string[] = [];
  const modalities = m.lists?.trainedModalities ?? [];
  const formats = m.lists?.trainedFormats ?? [];
  if (modalities.length) parts.push(t('ml.applicability.trainedModalities', { list: joinList(modalities, 'or') }));
  if (formats.length) parts.push(t('ml.applicability.trainedNoModality', { list: joinList(formats, 'or') }));
  return joinList(parts, 'or');
}

/** All applicability reasons (out-of-scope first, then notes), worded. */
export function applicabilityReasons(d: Checked): string[] {
  const notes = d.applicability.notes;
  return notes && notes.length === d.applicability.reasons.length ? notes.map(words) : d.applicability.reasons;
}

/**
 * The OOD methods a version records (src/main/ml/oodFeatures.ts), by their stored English
 * name; a method not listed here is shown as stored.
 */
const OOD_METHODS: Record<string, string> = {
  'Mahalanobis distance (Lee et al. 2018) on the pooled last convolutional features': 'last',
  'Mahalanobis distance (Lee et al. 2018) on the pooled features of every convolutional stage': 'all',
};

function oodMethod(method: string): string {
  const key = OOD_METHODS[method];
  return key ? i18n.global.t(`ml.oodMethod.${key}`) : method;
}

/** Why a prediction is outside the model's training (out of scope or out of distribution); empty when it is neither. */
export function outsideReasons(d: Checked): string[] {
  const { t } = i18n.global;
  const reasons: string[] = [];
  if (!d.applicability.inScope) {
    const all = applicabilityReasons(d);
    reasons.push(...(all.length ? all : [t('ml.panel.notKind')]));
  }
  if (d.ood.flagged) reasons.push(t('ml.panel.ood', { score: d.ood.score.toFixed(2), threshold: d.ood.threshold.toFixed(2), method: oodMethod(d.ood.method) }));
  return reasons;
}
