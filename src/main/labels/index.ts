import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import { LabelService } from './LabelService';
import type { UncertaintySource } from './uncertainty';

export interface LabelsFeatureDeps {
  /** The active model's uncertainty per image (the ML feature's); "no model yet" by default. */
  uncertainty?: UncertaintySource;
}

/** Builds the labels feature: its service and the handlers for its channels. */
export function createLabelsFeature(core: Core, deps: LabelsFeatureDeps = {}) {
  const service = new LabelService(core, deps.uncertainty ? { uncertainty: deps.uncertainty } : {});
  /** Tells open views a label changed, then hands the result back. */
  const changed = <T extends { labelSetId: string }>(value: T, imageId: string | null): T => {
    core.events.emit('labels:changed', { labelSetId: value.labelSetId, imageId });
    return value;
  };
  const handlers: FeatureHandlers<'labels'> = {
    'labels:sets': () => service.listSets(),
    'labels:getSet': (i) => service.getSet(i.labelSetId),
    'labels:createSet': (i, ctx) => service.createSet(i, actorName(ctx)),
    'labels:updateSet': (i, ctx) => {
      const { labelSetId, ...changes } = i;
      const set = service.updateSet(labelSetId, changes, actorName(ctx));
      core.events.emit('labels:changed', { labelSetId: set.id, imageId: null });
      return set;
    },
    'labels:imports': () => service.importOptions(),
    'labels:queue': (i, ctx) => service.queue(i.labelSetId, i.filter, actorName(ctx), i),
    'labels:image': (i, ctx) => service.detail(i.labelSetId, i.imageId, actorName(ctx)),
    'labels:set': async (i, ctx) => changed(await service.setLabel(i.labelSetId, i.imageId, i.className, actorName(ctx), { note: i.note ?? '' }), i.imageId),
    'labels:clear': async (i, ctx) => changed(await service.clearLabel(i.labelSetId, i.imageId, actorName(ctx), i.note ?? ''), i.imageId),
    'labels:setMany': async (i, ctx) => changed(await service.setMany(i.labelSetId, i.imageIds, i.className, actorName(ctx), i.note ?? ''), null),
    'labels:undoMany': async (i, ctx) => changed(await service.undoMany(i.labelSetId, i.labelIds, actorName(ctx)), null),
    'labels:undo': async (i, ctx) => changed(await service.undo(i.labelSetId, i.imageId, actorName(ctx)), i.imageId),
    'labels:skip': (i, ctx) => service.skip(i.labelSetId, i.imageId, actorName(ctx), i.skipped),
    'labels:review': async (i, ctx) => changed(await service.review(i.labelSetId, i.imageId, actorName(ctx), i.className, i.note ?? ''), i.imageId),
    'labels:agreement': (i) => service.agreement(i.labelSetId),
    'labels:export': (i) => service.exportCsv(i.labelSetId, i.mode),
  };
  return { service, handlers };
}
