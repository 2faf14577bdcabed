import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import { MlService, type MlServiceOptions } from './MlService';

/**
 * Builds the ml feature: its service and the handlers for its channels. Other features call
 * `service.uncertainty(labelSetId, imageIds)` (label-next ordering).
 */
export function createMlFeature(core: Core, options: MlServiceOptions = {}) {
  const service = new MlService(core, options);
  const handlers: FeatureHandlers<'ml'> = {
    'ml:train': (i, ctx) => service.train(i, actorName(ctx)),
    'ml:inputProposal': (i) => service.inputProposal(i),
    'ml:cancel': (i) => service.cancel(i.runId),
    'ml:runs': () => service.runsList(),
    'ml:versions': (i) => service.versions(i.labelSet),
    'ml:version': (i) => service.version(i.id),
    'ml:activate': (i) => service.activate(i.id, i.reason),
    'ml:exportModel': (i, ctx) => service.exportModel(i.id, i.outDir, actorName(ctx)),
    'ml:importModel': (i, ctx) => service.importModel(i, actorName(ctx)),
    'ml:declareIntendedUse': (i, ctx) => service.declareIntendedUse(i, actorName(ctx)),
    'ml:activationCheck': (i) => service.activationCheck(i.id),
    'ml:minRecall': () => service.minRecall(),
    'ml:setMinRecall': (i) => service.setMinRecall(i.minClassRecall),
    'ml:diagnose': (i, ctx) => service.diagnose(i, actorName(ctx)),
    'ml:diagnoses': (i) => service.diagnoses(i.imageId, i.limit),
    'ml:review': (i, ctx) => service.review(i, actorName(ctx)),
    'ml:labelPreview': (i, ctx) => service.labelPreview(i, actorName(ctx)),
    'ml:addToLabelSet': (i, ctx) => service.addToLabelSet(i, actorName(ctx)),
    'ml:threshold': () => service.threshold(),
    'ml:setThreshold': (i) => service.setThreshold(i.threshold),
    'ml:image': (i) => service.displayImage(i.imageId, i.maxSize),
    'ml:predictFile': (i, ctx) => service.predictFile(i.path, actorName(ctx)),
  };
  return { service, handlers, dispose: () => service.dispose() };
}
