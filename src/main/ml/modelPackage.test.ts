import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { callAs, createTestApp, SHARED_DATA, tempDir, value } from '../app/testing';
import type { App } from '../app/createApp';
import { NO_CARD_REASON, type ModelVersion, type TrainingRun } from '../../shared/domain/ml';
import type { ExportedPackage, FilePrediction, ImportedPackage } from '../../shared/ipc/ml';
import { seedMedMnist } from './testData';
import { loadPixels } from './trainer';

type TestApp = App & { dataDir: string };
const apps: TestApp[] = [];
const fresh = () => {
  const a = createTestApp({ onDisk: true });
  apps.push(a);
  return a;
};
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

const PNEUMONIA = path.join(SHARED_DATA, 'images', 'pneumoniamnist');
/** One real test image of each class, never seeded into the apps (seedMedMnist takes the first rows of each split). */
const probeImages = () => {
  const lines = fs.readFileSync(path.join(PNEUMONIA, 'labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const tests = lines.filter((l) => l.includes(',test,')).reverse();
  return [tests.find((l) => l.endsWith(',normal'))!, tests.find((l) => l.endsWith(',pneumonia'))!].map((l) => path.join(PNEUMONIA, l.split(',')[0]!));
};

const refusal = async (app: App, channel: string, input: unknown) => {
  const r = (await callAs(app, channel, input)) as { ok: boolean; error?: { code: string; message: string } };
  expect(r.ok).toBe(false);
  return r.error!;
};

/** Copies a package folder so one copy can be damaged. */
const copyDir = (from: string) => {
  const to = tempDir('carelens-pkg-');
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
  return to;
};

describe('model packages', () => {
  it('exports a trained version, imports it into a fresh data folder (inactive, with where it came from) and predicts the same probabilities', async () => {
    const a = fresh();
    seedMedMnist(a, { perClassPerSplit: 12 });
    const run = value<TrainingRun>(await callAs(a, 'ml:train', { labelSet: 'pneumoniamnist', epochs: 2, split: 'predefined', wait: true }));
    const source = value<ModelVersion>(await callAs(a, 'ml:version', { id: run.modelVersionId }));
    const out = path.join(tempDir(), 'package');
    const exported = value<ExportedPackage>(await callAs(a, 'ml:exportModel', { id: source.id, outDir: out }));
    const names = exported.files.map((f) => f.path).sort();
    expect(names).toEqual(['card.json', 'intended-use.json', 'model.json', 'ood.json', 'prediction.json', 'weights.bin']);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'carelens-model-package', formatVersion: 1, carelensVersion: a.core.version, modelVersionId: source.id });
    const prediction = JSON.parse(fs.readFileSync(path.join(out, 'prediction.json'), 'utf8'));
    expect(prediction).toMatchObject({ classes: ['normal', 'pneumonia'], inputSize: source.hyperParameters.inputSize, channels: source.hyperParameters.channels, temperature: source.metrics.temperature, ood: source.ood });
    // Exporting is audited.
    expect(a.core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE channel = 'ml:exportModel'").pluck().get()).toBe(1);

    // Refused into a folder that is not empty: nothing is overwritten.
    expect((await refusal(a, 'ml:exportModel', { id: source.id, outDir: out })).code).toBe('CONFLICT');

    const b = fresh();
    const imported = value<ImportedPackage>(await callAs(b, 'ml:importModel', { dir: out }));
    expect(imported).toMatchObject({ active: false, card: 'carelens', labelSetName: 'pneumoniamnist', classes: ['normal', 'pneumonia'], packageSha256: exported.packageSha256 });
    const v = value<ModelVersion>(await callAs(b, 'ml:version', { id: imported.id }));
    expect(v.provenance?.imported).toMatchObject({ card: 'carelens', by: 'system', packageSha256: exported.packageSha256, packageFormat: 1, source: { versionId: source.id, version: source.version } });
    expect(v.intendedUse).toEqual(source.intendedUse);
    expect(v.metrics.test).toEqual(source.metrics.test);
    expect(b.core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE channel = 'ml:importModel'").pluck().get()).toBe(1);
    // The same package twice is refused.
    expect((await refusal(b, 'ml:importModel', { dir: out })).code).toBe('CONFLICT');

    value(await callAs(a, 'ml:activate', { id: source.id, reason: 'unit test of model packages' }));
    value(await callAs(b, 'ml:activate', { id: v.id, reason: 'unit test of model packages' }));
    for (const file of probeImages()) {
      const pa = value<FilePrediction>(await callAs(a, 'ml:predictFile', { path: file }));
      const pb = value<FilePrediction>(await callAs(b, 'ml:predictFile', { path: file }));
      expect(pb.probabilities).toHaveLength(2);
      pb.probabilities.forEach((p, i) => expect(Math.abs(p - pa.probabilities[i]!)).toBeLessThan(1e-5));
      expect(pb.applicability).toEqual(pa.applicability);
      expect(Math.abs(pb.ood.score - pa.ood.score)).toBeLessThan(1e-3);
      expect(pb.ood.threshold).toBe(pa.ood.threshold);
    }

    // One changed byte in any file is refused, naming the file; nothing is registered.
    const c = fresh();
    for (const file of [...names, 'manifest.json']) {
      const copy = copyDir(out);
      const bytes = fs.readFileSync(path.join(copy, file));
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at]! ^ 0x01;
      fs.writeFileSync(path.join(copy, file), bytes);
      const err = await refusal(c, 'ml:importModel', { dir: copy });
      expect(err.code).toBe('VALIDATION');
      expect(err.message).toContain(`refused: ${file}:`);
    }
    // A missing file is named too.
    const missing = copyDir(out);
    fs.rmSync(path.join(missing, 'weights.bin'));
    expect((await refusal(c, 'ml:importModel', { dir: missing })).message).toContain('weights.bin: the file is missing');
    // A package from a newer format (consistently re-hashed) is refused as such.
    const newer = copyDir(out);
    const text = fs.readFileSync(path.join(newer, 'manifest.json'), 'utf8').replace('"formatVersion":1', '"formatVersion":2');
    fs.writeFileSync(path.join(newer, 'manifest.json'), text);
    expect((await refusal(c, 'ml:importModel', { dir: newer })).message).toMatch(/package format 2; this CareLens .* reads package formats up to 1/);
    expect(value<unknown[]>(await callAs(c, 'ml:versions', {}))).toEqual([]);

    // Fine-tuning in the fresh folder from the package: the card records where it started.
    seedMedMnist(c, { set: 'breastmnist', perClassPerSplit: 8 });
    const tuned = value<TrainingRun>(await callAs(c, 'ml:train', { labelSet: 'breastmnist', epochs: 3, split: 'predefined', from: out, wait: true }));
    const tv = value<ModelVersion>(await callAs(c, 'ml:version', { id: tuned.modelVersionId }));
    expect(tv.provenance?.startedFrom).toEqual({
      versionId: source.id,
      version: source.version,
      packageSha256: exported.packageSha256,
      architecture: source.architecture,
      classes: ['normal', 'pneumonia'],
      labelSetName: 'pneumoniamnist',
      trainingImages: source.intendedUse!.images,
      headReplaced: true,
      freezeEpochs: 2,
    });
    expect(tv.classes).toEqual(['malignant', 'normal_or_benign']);
    expect(tv.hyperParameters.inputSize).toBe(source.hyperParameters.inputSize);
    // An input size the source model cannot take is refused with the reason.
    const bad = await refusal(c, 'ml:train', { labelSet: 'breastmnist', epochs: 1, split: 'predefined', from: out, inputSize: source.hyperParameters.inputSize * 2, wait: true });
    expect(bad.message).toMatch(/whose input size is \d+; \d+ was asked for/);
  }, 240_000);

  it('imports a plain TF.js LayersModel (softmax output, sharded weights) with the classes and input given; intended use unknown puts every prediction out of scope', async () => {
    await tf.setBackend('cpu');
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.globalAveragePooling2d({}));
    m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    const dir = tempDir('carelens-plain-');
    // As tfjs's file saver writes it: model.json and a weights shard named in its manifest.
    await m.save(
      tf.io.withSaveHandler(async (art) => {
        const data = Buffer.from(art.weightData as ArrayBuffer);
        fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), data.subarray(0, 40));
        fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), data.subarray(40));
        fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: art.weightSpecs }] }));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const app = fresh();
    expect((await refusal(app, 'ml:importModel', { dir })).message).toMatch(/give its classes/);
    expect((await refusal(app, 'ml:importModel', { dir, classes: ['a', 'b'], inputSize: 32, channels: 1 })).message).toContain("the model's input is 28 x 28 x 1; expected 32 x 32 x 1");
    expect((await refusal(app, 'ml:importModel', { dir, classes: ['a', 'b', 'c'], inputSize: 28, channels: 1 })).message).toContain('the model has 2 outputs; 3 classes were given');
    const imported = value<ImportedPackage>(await callAs(app, 'ml:importModel', { dir, classes: ['normal', 'pneumonia'], inputSize: 28, channels: 1, labelSet: 'chest films (external)' }));
    expect(imported).toMatchObject({ active: false, card: 'none', architecture: 'imported', intendedUse: null, labelSetName: 'chest films (external)' });
    const v = value<ModelVersion>(await callAs(app, 'ml:version', { id: imported.id }));
    expect(v.provenance?.imported?.changes.join(' ')).toMatch(/softmax .* removed.*joined into weights.bin/s);
    // No test images here: activating it needs a reason, like a model below the clinic's minimum.
    expect(value<{ reasonRequired: boolean }>(await callAs(app, 'ml:activationCheck', { id: v.id })).reasonRequired).toBe(true);
    value(await callAs(app, 'ml:activate', { id: v.id, reason: 'unit test of a plain import' }));
    const [file] = probeImages();
    const p = value<FilePrediction>(await callAs(app, 'ml:predictFile', { path: file! }));
    expect(p.applicability).toEqual({ inScope: false, reasons: [NO_CARD_REASON] });
    // The imported model gives the original model's softmax (CareLens's softmax of its logits at temperature 1).
    const pixels = await loadPixels([file!], 28, 1);
    const expected = tf.tidy(() => Array.from((m.predict(tf.tensor4d(pixels, [1, 28, 28, 1])) as tf.Tensor).dataSync()));
    p.probabilities.forEach((q, i) => expect(Math.abs(q - expected[i]!)).toBeLessThan(1e-5));

    // A clinician records its intended use (once): from then on images are checked against it like any model's.
    const declared = { id: v.id, modalities: [], withoutModality: true, bodyParts: [], colour: ['grey'], formats: ['png'], minSize: 28, maxSize: 28, reason: 'the model card of the external model: PNG chest films' };
    expect((await refusal(app, 'ml:declareIntendedUse', { ...declared, withoutModality: false })).code).toBe('VALIDATION');
    const withUse = value<ModelVersion>(await callAs(app, 'ml:declareIntendedUse', declared));
    expect(withUse.intendedUse).toMatchObject({ images: 0, imagesWithoutModality: 1, colour: ['grey'], formats: ['png'], declared: { by: 'system', reason: declared.reason } });
    const after = value<FilePrediction>(await callAs(app, 'ml:predictFile', { path: file! }));
    expect(after.applicability.inScope).toBe(true);
    const ct = value<FilePrediction>(await callAs(app, 'ml:predictFile', { path: path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-CT-MONO2-8-abdo.dcm') }));
    expect(ct.applicability.inScope).toBe(false);
    expect((await refusal(app, 'ml:declareIntendedUse', declared)).code).toBe('CONFLICT');
  }, 120_000);
});
