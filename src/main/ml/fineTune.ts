/**
 * Fine-tuning (transfer learning), the tfjs half, run in the ml worker: the starting model
 * built from a saved one, with its classifier head replaced when the classes differ, and the
 * frozen-backbone training pass. Where it starts is decided on the main thread
 * (modelPackage.ts `withStartingPoint`).
 *
 * While the backbone is frozen only the head's variables are updated (the optimiser is
 * given just those), and every layer but dropout runs in inference mode, so batch
 * normalisation neither normalises by batch statistics nor moves its running statistics:
 * the backbone computes exactly the features the source model computed. After the frozen
 * epochs the whole model trains with the same optimiser object and learning rate.
 */
import type * as TfNs from '@tensorflow/tfjs';
import type { StartedFrom } from '../../shared/domain/ml';

type Tf = typeof TfNs;

/** What the worker needs to start from a saved model. */
export interface FineTuneInit {
  /** A folder with model.json and its weights (a version's artifacts or a verified package). */
  modelDir: string;
  /** Replace the last Dense layer by a fresh one with as many units as classes. */
  replaceHead: boolean;
  /** Epochs (from the first) in which only the head trains. */
  freezeEpochs: number;
  /** Seeds the new head's initialiser. */
  seed: number;
}

/** The starting point of a fine-tuning run, decided on the main thread: for the worker, and for the model card. */
export interface FineTuneStart {
  init: FineTuneInit;
  startedFrom: StartedFrom;
}

interface LayerJson {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

/**
 * The model training starts from: the loaded source model itself, or (head replaced) a copy
 * with the source's weights in every layer but the last and a fresh head (Glorot-uniform,
 * seeded; zero bias). Takes ownership of `source` (disposes it when it copies).
 */
export async function startingModel(tf: Tf, source: TfNs.LayersModel, init: Pick<FineTuneInit, 'replaceHead' | 'seed'>, classes: number): Promise<TfNs.LayersModel> {
  const last = source.layers.at(-1)!;
  if (!init.replaceHead) {
    const units = (last.outputShape as number[]).at(-1);
    if (units !== classes) {
      source.dispose();
      throw new Error(`the source model has ${units} outputs and the label set ${classes} classes`);
    }
    return source;
  }
  const topology = source.toJSON(null, false) as unknown as { class_name: string; config: { name: string; layers: LayerJson[] } };
  if (topology.class_name !== 'Sequential' || last.getClassName() !== 'Dense') {
    source.dispose();
    throw new Error('only a Sequential model ending in a Dense layer can have its classifier head replaced');
  }
  const layers = topology.config.layers;
  const oldHead = layers.at(-1)!;
  const head: LayerJson = {
    class_name: 'Dense',
    config: {
      ...oldHead.config,
      name: `head_${classes}_${Date.now().toString(36)}`,
      units: classes,
      activation: 'linear',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: init.seed } },
      bias_initializer: { class_name: 'Zeros', config: {} },
    },
  };
  const model = (await tf.models.modelFromJSON({
    modelTopology: { ...topology, config: { ...topology.config, layers: [...layers.slice(0, -1), head] } },
  } as unknown as TfNs.io.ModelJSON)) as TfNs.LayersModel;
  try {
    model.layers.slice(0, -1).forEach((layer, i) => layer.setWeights(source.layers[i]!.getWeights()));
  } finally {
    source.dispose();
  }
  return model;
}

/** The variables of the head (the last layer): all the optimiser updates while the backbone is frozen. */
export function headVariables(model: TfNs.LayersModel): TfNs.Variable[] {
  return model.layers.at(-1)!.trainableWeights.map((w) => w.read() as TfNs.Variable);
}

/** The forward pass while the backbone is frozen: every layer in inference mode except dropout (which still regularises the head). */
export function applyFrozenBackbone(model: TfNs.LayersModel, x: TfNs.Tensor): TfNs.Tensor {
  if (model.getClassName() !== 'Sequential') return model.apply(x, { training: false }) as TfNs.Tensor;
  let t = x;
  for (const layer of model.layers) t = layer.apply(t, { training: layer.getClassName() === 'Dropout' }) as TfNs.Tensor;
  return t;
}
