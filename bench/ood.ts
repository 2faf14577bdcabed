/**
 * `npm run bench -- ood [--quick] [--epochs N] [--seed N] [--natural DIR] [--sets a,b]`: how
 * well a model's out-of-distribution score separates its own held-out test images from
 * images of other data sets. For each of PneumoniaMNIST and BreastMNIST (28x28, predefined
 * split) it trains the `default` model as the ml worker does (trainer.train: the OOD
 * statistics on the training split, the threshold at the 95th percentile of the validation
 * split's scores), reloads the saved model folded for inference as diagnosis does, and
 * scores the model's own test split and every foreign set through the same prediction path
 * (inference.predictFiles). Prints, per foreign set and method, the AUROC of own test
 * (negative) against foreign (positive), the share of foreign images flagged at the
 * threshold, and the share the applicability check puts out of scope; and the false-alarm
 * rate on the model's own test split. Methods: Mahalanobis (CareLens's score), the max-softmax
 * baseline (Hendrycks & Gimpel 2017; 1 - max p after temperature scaling) and the energy
 * score (Liu et al. 2020; -logsumexp of the logits), the last two from the same logits.
 *
 * Foreign sets: the other MedMNIST set (all its images), DICOM files of ../shared/data/dicom
 * grouped by modality (first frame; files that do not decode are counted and left out), and
 * natural photographs: Debian's python3-skimage data folder (`apt-get download
 * python3-skimage && dpkg-deb -x python3-skimage_*.deb DIR`, then --natural
 * DIR/usr/lib/python3/dist-packages/skimage/data), each photograph whole plus 7 random square
 * crops (no npm package in node_modules ships photographs). Without it that row is skipped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { Codecs } from '../src/main/imaging/codecs';
import { toGray8 } from '../src/main/imaging/display';
import { decodeImageBytes } from '../src/main/imaging/pixels';
import { assessApplicability } from '../src/main/ml/applicability';
import { predictFiles } from '../src/main/ml/inference';
import { intendedUseOf } from '../src/main/ml/intendedUse';
import { fitTemperature, rocAuc } from '../src/main/ml/metrics';
import { foldForInference } from '../src/main/ml/models';
import { calibrateOod, fitMahalanobis, mahalanobisScores, percentile } from '../src/main/ml/ood';
import { featuresOf, loadOodStats, OOD_FEATURE_SET, type OodFeatureSet } from '../src/main/ml/oodFeatures';
import { defaultHyper, loadModel, loadPixels, train, type TrainItem } from '../src/main/ml/trainer';
import { seededRandom } from '../src/shared/random';
import { softmax } from '../src/shared/probabilities';
import { benchBackend, fmt } from './util';

const DATA = path.resolve(__dirname, '../../shared/data');
const NATURAL = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png', 'coins.png', 'hubble_deep_field.jpg', 'moon.png', 'motorcycle_left.png', 'motorcycle_right.png', 'rocket.jpg', 'brick.png', 'grass.png', 'gravel.png', 'page.png', 'text.png', 'clock_motion.png'];
const MICRO_FUNDUS = ['cell.png', 'ihc.png', 'retina.jpg', 'microaneurysms.png'];

interface Set {
  name: string;
  files: string[];
  note: string;
  /** A temporary folder the set's files were written to (removed at the end). */
  dir?: string;
}

function medMnist(set: string): { items: (TrainItem & { className: string })[]; classes: string[] } {
  const root = path.join(DATA, 'images', set);
  const rows = fs.readFileSync(path.join(root, 'labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  const classes = [...new Set(rows.map((r) => r[3]!))].sort();
  return { classes, items: rows.map((r, i) => ({ id: `${set}-${i}`, file: path.join(root, r[0]!), label: classes.indexOf(r[3]!), split: r[1] as TrainItem['split'], className: r[3]! })) };
}

/** DICOM files of the shared data with pixels, grouped: CT, MR, US, CR (chest radiographs), other. */
async function dicomSets(): Promise<Set[]> {
  const rows = fs.readFileSync(path.join(DATA, 'dicom', 'INDEX.tsv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split('\t'));
  const groups = new Map<string, string[]>();
  let failed = 0;
  const codecs = new Codecs();
  for (const r of rows) {
    const file = path.join(DATA, 'dicom', r[0]!);
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory() || /\.(zip|md)$|DICOMDIR$/.test(file)) continue;
    try {
      await decodeImageBytes(fs.readFileSync(file), 0, codecs);
    } catch {
      failed++;
      continue;
    }
    const m = (r[3] ?? '').replace(/ \(VR UN\)/, '');
    const g = ['CT', 'MR', 'US', 'CR'].includes(m) ? m : 'other (OT, SEG, no modality)';
    groups.set(g, [...(groups.get(g) ?? []), file]);
  }
  const names: Record<string, string> = { CT: 'DICOM CT', MR: 'DICOM MR', US: 'DICOM US', CR: 'DICOM CR (chest and other radiographs)' };
  return [...groups].map(([g, files]) => ({ name: names[g] ?? `DICOM ${g}`, files, note: `first frame; ${failed} files without decodable pixels left out of all DICOM rows` }));
}

/** Each photograph whole and as `crops` random square crops (at least a third of its short side), written as PNGs. */
async function photoSet(dir: string, names: string[], label: string, crops: number, seed: number): Promise<Set | null> {
  const found = names.map((n) => path.join(dir, n)).filter((f) => fs.existsSync(f));
  if (found.length === 0) return null;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-ood-photos-'));
  const random = seededRandom(seed);
  const files: string[] = [];
  for (const f of found) {
    files.push(f);
    const d = await decodeImageBytes(fs.readFileSync(f), 0, new Codecs());
    const rgba = (x: number, y: number): [number, number, number] => {
      if (d.samples === 3) {
        const i = (y * d.width + x) * 3;
        return [d.data[i]!, d.data[i + 1]!, d.data[i + 2]!];
      }
      return [0, 0, 0];
    };
    const grey = d.samples === 1 ? toGray8(d).data : null;
    for (let c = 0; c < crops; c++) {
      const short = Math.min(d.width, d.height);
      const s = Math.max(8, Math.floor(short / 3 + random() * (short - short / 3)));
      const x0 = Math.floor(random() * (d.width - s + 1));
      const y0 = Math.floor(random() * (d.height - s + 1));
      const png = new PNG({ width: s, height: s });
      for (let y = 0; y < s; y++) {
        for (let x = 0; x < s; x++) {
          const o = (y * s + x) * 4;
          const [r, g, b] = grey ? [grey[(y0 + y) * d.width + x0 + x]!, grey[(y0 + y) * d.width + x0 + x]!, grey[(y0 + y) * d.width + x0 + x]!] : rgba(x0 + x, y0 + y);
          png.data[o] = r;
          png.data[o + 1] = g;
          png.data[o + 2] = b;
          png.data[o + 3] = 255;
        }
      }
      const file = path.join(out, `${path.basename(f)}-${c}.png`);
      fs.writeFileSync(file, PNG.sync.write(png));
      files.push(file);
    }
  }
  return { name: label, files, note: `${found.length} photographs, each whole + ${crops} random crops`, dir: out };
}

const auc = (own: number[], foreign: number[]) => rocAuc([...own, ...foreign], [...own.map(() => false), ...foreign.map(() => true)]);

export default async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const seed = Number(arg('--seed') ?? 42);
  const epochs = Number(arg('--epochs') ?? (quick ? 4 : 15));
  const naturalDir = arg('--natural') ?? '/usr/lib/python3/dist-packages/skimage/data';
  const which = (arg('--sets') ?? 'pneumoniamnist,breastmnist').split(',');
  console.log(`backend: ${await benchBackend(args)}`);
  const dicom = await dicomSets();
  const natural = await photoSet(naturalDir, NATURAL, 'natural photographs (scikit-image data)', 7, seed);
  const micro = await photoSet(naturalDir, MICRO_FUNDUS, 'microscopy and fundus photographs (scikit-image data)', 7, seed + 1);
  if (!natural) console.log(`natural photographs: not measured (no ${naturalDir}; see the header of bench/ood.ts)`);

  for (const set of which) {
    const other = set === 'pneumoniamnist' ? 'breastmnist' : 'pneumoniamnist';
    const { items, classes } = medMnist(set);
    const hyper = defaultHyper('default', { epochs, seed });
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `carelens-ood-${set}-`));
    const counts = (['train', 'val', 'test'] as const).map((s) => `${s} ${items.filter((i) => i.split === s).length}`).join(', ');
    console.log(`\n== ${set}: default model, 28x28x1, ${epochs} epochs max (patience ${hyper.earlyStoppingPatience}), seed ${seed}; predefined split ${counts}`);
    const t0 = Date.now();
    const result = await train(tf, { runId: 'bench', architecture: 'default', classes, hyper, items, outDir }, () => {}, () => false);
    const temperature = fitTemperature(result.val.logits, result.val.labels);
    const testAcc = result.test.logits.filter((l, i) => l.indexOf(Math.max(...l)) === result.test.labels[i]).length / result.test.labels.length;
    const cal = calibrateOod(result.ood!.method, result.ood!.valScores, result.ood!.testScores)!;
    const use = intendedUseOf(result.trainTraits, { id: set, name: set, classes })!;
    const stats0 = loadOodStats(outDir)!;
    console.log(
      `trained in ${fmt((Date.now() - t0) / 1000)} s (best epoch ${result.bestEpoch}); test accuracy ${fmt(testAcc * 100)} %; OOD: ${stats0.dim} features, Ledoit-Wolf shrinkage ${fmt(stats0.shrinkage ?? 0, 3)}, threshold ${fmt(cal.threshold, 2)} (95th percentile of ${cal.validationImages} validation scores)`,
    );

    const trained = await loadModel(tf, outDir);
    const model = await foldForInference(tf, trained);
    if (model !== trained) trained.dispose();
    const stats = stats0;
    // The other feature set, for comparison: fitted the same way (training split; threshold on validation) on the folded model.
    const otherSet: OodFeatureSet = OOD_FEATURE_SET === 'last' ? 'all' : 'last';
    const featuresOfFiles = async (files: string[]) => featuresOf(tf, model, await loadPixels(files, 28, 1), [...files.keys()], 28, 1, otherSet);
    const trainItems = items.filter((i) => i.split === 'train');
    const trainF = await featuresOfFiles(trainItems.map((i) => i.file));
    const altStats = fitMahalanobis(trainF.data, trainItems.length, trainF.dim, trainItems.map((i) => i.label), classes.length, otherSet, otherSet);
    const altScores = async (files: string[]) => mahalanobisScores(altStats, (await featuresOfFiles(files)).data, files.length);
    const altThreshold = percentile(await altScores(items.filter((i) => i.split === 'val').map((i) => i.file)), 95);
    // For comparison only: where a 99th-percentile threshold would sit (CareLens uses the 95th).
    const t99 = percentile(result.ood!.valScores, 99);
    type Scored = { maha: number[]; alt: number[]; msp: number[]; energy: number[]; flagged: number; flagged99: number; altFlagged: number; outOfScope: number; either: number; n: number };
    const score = async (files: string[]): Promise<Scored> => {
      const alt = await altScores(files);
      const s: Scored = { maha: [], alt, msp: [], energy: [], flagged: 0, flagged99: 0, altFlagged: alt.filter((a) => a > altThreshold).length, outOfScope: 0, either: 0, n: files.length };
      for (let i = 0; i < files.length; i += 256) {
        for (const r of await predictFiles(tf, model, stats, files.slice(i, i + 256), 28, 1, false)) {
          const p = softmax(r.logits, temperature);
          const m = Math.max(...r.logits);
          s.maha.push(r.oodScore!);
          s.msp.push(1 - Math.max(...p));
          s.energy.push(-(m + Math.log(r.logits.reduce((a, l) => a + Math.exp(l - m), 0))));
          const flagged = r.oodScore! > cal.threshold;
          const out = !assessApplicability(use, r.traits).inScope;
          if (flagged) s.flagged++;
          if (r.oodScore! > t99) s.flagged99++;
          if (out) s.outOfScope++;
          if (flagged || out) s.either++;
        }
      }
      return s;
    };
    const ownTest = await score(items.filter((i) => i.split === 'test').map((i) => i.file));
    const pct = (k: number, n: number) => `${fmt((100 * k) / n)} %`;
    console.log(
      `own test split: ${ownTest.n} images; flagged at the threshold (false alarms; 5 % on validation by construction): ${pct(ownTest.flagged, ownTest.n)}; at a 99th-percentile threshold (${fmt(t99, 2)}) it would be ${pct(ownTest.flagged99, ownTest.n)}; out of scope: ${ownTest.outOfScope}`,
    );
    console.log(`comparison: Mahalanobis on '${otherSet}' features (${trainF.dim} features, shrinkage ${fmt(altStats.shrinkage, 3)}): own test flagged ${pct(ownTest.altFlagged, ownTest.n)} at its 95th-percentile threshold`);
    const foreign: Set[] = [
      { name: `${other} (all splits)`, files: medMnist(other).items.map((i) => i.file), note: 'PNG 28x28 grey, like the training images' },
      ...dicom,
      ...(natural ? [natural] : []),
      ...(micro ? [micro] : []),
    ];
    console.log(`foreign set | n | AUROC Mahalanobis ('${OOD_FEATURE_SET}', shipped) | AUROC Mahalanobis ('${otherSet}') | AUROC max-softmax | AUROC energy | flagged (95th) | flagged (99th) | flagged ('${otherSet}', 95th) | out of scope | flagged or out of scope`);
    for (const f of foreign) {
      const s = await score(f.files);
      console.log(
        `${f.name} | ${s.n} | ${fmt(auc(ownTest.maha, s.maha) ?? NaN, 3)} | ${fmt(auc(ownTest.alt, s.alt) ?? NaN, 3)} | ${fmt(auc(ownTest.msp, s.msp) ?? NaN, 3)} | ${fmt(auc(ownTest.energy, s.energy) ?? NaN, 3)} | ${pct(s.flagged, s.n)} | ${pct(s.flagged99, s.n)} | ${pct(s.altFlagged, s.n)} | ${pct(s.outOfScope, s.n)} | ${pct(s.either, s.n)}   (${f.note})`,
      );
    }
    model.dispose();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  for (const p of [natural, micro]) if (p?.dir) fs.rmSync(p.dir, { recursive: true, force: true });
}
