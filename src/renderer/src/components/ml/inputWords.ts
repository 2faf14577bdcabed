/** An input proposal in the interface language (the Train page and the model card). */
import { useI18n } from 'vue-i18n';
import { DATA_SET_CAPS, type InputProposal } from '../../../../shared/domain/mlInput';
import { formatPercent } from '../../format';

export function useProposalWords() {
  const { t } = useI18n();
  const channels = (c: number) => (c === 3 ? t('mlInput.rgb') : t('mlInput.grey'));
  /** What the data looked like, why this size, and how DICOM is normalised. */
  function reason(p: InputProposal): string {
    const modalities = p.modalities
      .slice(0, 3)
      .map((m) => m.modality || t('mlInput.noModality'))
      .join(t('ml.listSeparator'));
    const seen =
      p.medianWidth !== null
        ? t('mlInput.reason', { images: p.images, width: p.medianWidth, height: p.medianHeight ?? 0, short: p.medianShortSide ?? 0, grey: formatPercent(p.greyShare), modalities })
        : t('mlInput.noSizes', { images: p.images });
    const below = DATA_SET_CAPS.find(([b]) => p.images < b)?.[0] ?? 0;
    const limit = t(`mlInput.limit.${p.limitedBy}`, { fromMedian: p.sizeFromMedian, below, cap: p.dataSetCap });
    const dicom = p.dicomImages ? ` ${t('mlInput.dicom', { withWindow: p.dicomWithWindow, dicom: p.dicomImages })}` : '';
    return `${seen} ${limit}${dicom}`;
  }
  return { reason, channels };
}
