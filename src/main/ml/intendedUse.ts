/**
 * A version's intended use: what its training images were (modality, body part,
 * photometric interpretation, colour, format, size), from their traits as the worker read
 * them while training, with the label set and classes it learnt.
 */
import type { IntendedUse } from '../../shared/domain/ml';
import type { LabelSetRef } from '../labels/ports';
import type { ImageTraits } from './imageTraits';

const sorted = (xs: Iterable<string | null>) => [...new Set([...xs].filter((x): x is string => !!x))].sort();

/** The intended use from the training split's traits; null when there were none. */
export function intendedUseOf(traits: readonly ImageTraits[], set: Pick<LabelSetRef, 'id' | 'name' | 'classes'>): IntendedUse | null {
  if (traits.length === 0) return null;
  return {
    images: traits.length,
    modalities: sorted(traits.map((t) => t.modality)),
    imagesWithoutModality: traits.filter((t) => !t.modality).length,
    bodyParts: sorted(traits.map((t) => t.bodyPart)),
    imagesWithoutBodyPart: traits.filter((t) => !t.bodyPart).length,
    photometric: sorted(traits.map((t) => t.photometric)),
    colour: (['grey', 'colour'] as const).filter((c) => traits.some((t) => t.colour === c)),
    formats: sorted(traits.map((t) => t.format)),
    size: {
      minWidth: Math.min(...traits.map((t) => t.width)),
      maxWidth: Math.max(...traits.map((t) => t.width)),
      minHeight: Math.min(...traits.map((t) => t.height)),
      maxHeight: Math.max(...traits.map((t) => t.height)),
    },
    labelSetId: set.id,
    labelSetName: set.name,
    classes: [...set.classes],
  };
}
