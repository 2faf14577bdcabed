/**
 * `npm run bench -- recommend [--sizes 1000,10000,100000] [--plans 2000] [--requests 200]`
 *
 * The recommendation engine at clinic scale on generated data: N patients (age band, sex,
 * 1-3 of 300 conditions), 2,000 plans (1-2 conditions each, attributes), about 3 plan
 * assignments per patient with outcomes drawn from a hidden patient x plan affinity. For
 * each mode: fit time, then p50 / p99 time to recommend the top 5 for one patient (with
 * reasons, over the plans for that patient's conditions, as the service asks), and memory.
 * The engine only: the database read that precedes a fit in the app is not timed here.
 */
import { performance } from 'node:perf_hooks';
import { fitRecommender, recommend, buildRatingMatrix, tfidfRows, CLINIC_WORDS, type EngineData, type EngineMode, type Triple } from '../src/main/careplans/engine';
import { seededRandom } from '../src/shared/random';
import { fmt, percentile } from './util';

const N_CONDITIONS = 300;

function generate(nPatients: number, nPlans: number, seed: number) {
  const rand = seededRandom(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  // Plans: 1-2 conditions, a setting and an intensity; a hidden quality per plan.
  const planConds: number[][] = [];
  const byCondition: number[][] = Array.from({ length: N_CONDITIONS }, () => []);
  for (let i = 0; i < nPlans; i++) {
    const c = [pick(N_CONDITIONS)];
    if (rand() < 0.4) c.push(pick(N_CONDITIONS));
    planConds.push(c);
    for (const x of c) byCondition[x]!.push(i);
  }
  const vocab = new Map<string, number>();
  const fid = (t: string) => vocab.get(t) ?? (vocab.set(t, vocab.size), vocab.size - 1);
  const planRows = planConds.map((c, i) => [...c.map((x) => fid(`cond:${x}`)), fid(`setting:${i % 4}`), fid(`intensity:${i % 3}`), fid(`age:${i % 3}`)]);
  const patientConds: number[][] = [];
  const contentRows: number[][] = [];
  const profileRows: number[][] = [];
  const triples: Triple[] = [];
  const quality = Float64Array.from({ length: nPlans }, () => rand());
  for (let u = 0; u < nPatients; u++) {
    const conds = Array.from({ length: 1 + pick(3) }, () => pick(N_CONDITIONS));
    const band = pick(3);
    patientConds.push(conds);
    contentRows.push([...conds.map((x) => vocab.get(`cond:${x}`) ?? -1).filter((f) => f >= 0), fid(`age:${band}`)]);
    profileRows.push([...conds.map((x) => x), N_CONDITIONS + band, N_CONDITIONS + 3 + (u % 2)]);
    for (let a = 0; a < 3; a++) {
      const options = byCondition[conds[pick(conds.length)]!]!;
      if (options.length === 0) continue;
      const i = options[pick(options.length)]!;
      const affinity = quality[i]! + ((band + i) % 3 === 0 ? 0.4 : 0) + (rand() - 0.5) * 0.6;
      triples.push({ user: u, item: i, value: Math.max(1, Math.min(5, Math.round(1 + affinity * 4))) });
    }
  }
  const itemFeatures = tfidfRows(planRows, vocab.size);
  const data: EngineData = {
    ratings: buildRatingMatrix(nPatients, nPlans, triples),
    scale: { min: 1, max: 5 },
    goodThreshold: 4,
    itemFeatures,
    userContent: tfidfRows(contentRows, vocab.size, itemFeatures.idf),
    userProfiles: tfidfRows(profileRows, N_CONDITIONS + 5),
    words: CLINIC_WORDS,
  };
  return { data, patientConds, byCondition };
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

export default async function bench(args: string[]): Promise<void> {
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  const sizes = opt('sizes', '1000,10000,100000').split(',').map(Number);
  const nPlans = Number(opt('plans', '2000'));
  const requests = Number(opt('requests', '200'));
  const modes: EngineMode[] = ['user', 'item', 'content', 'hybrid'];
  console.log(`plans ${nPlans}, ${requests} recommend requests per mode (top 5 with reasons), times in ms`);
  console.log('patients  mode      fit ms   rec p50   rec p99   heap used   rss');
  for (const n of sizes) {
    const t0 = performance.now();
    const { data, patientConds, byCondition } = generate(n, nPlans, 7);
    const genMs = performance.now() - t0;
    console.log(`${n}: generated ${data.ratings.nnz} assignments in ${fmt(genMs, 0)} ms`);
    const rand = seededRandom(11);
    for (const mode of modes) {
      (globalThis as { gc?: () => void }).gc?.();
      const f0 = performance.now();
      const model = fitRecommender(mode, data, { contentPrior: 0.5, minHistory: 1 });
      const fitMs = performance.now() - f0;
      const times: number[] = [];
      const scratch = new Float64Array(nPlans);
      for (let r = 0; r < requests; r++) {
        const u = Math.floor(rand() * n);
        // The service's first safety filter: plans for a condition the patient has.
        const candidates = [...new Set(patientConds[u]!.flatMap((c) => byCondition[c]!))];
        const s = performance.now();
        recommend(model, data, u, 5, { candidates, includeHad: true, scratch });
        times.push(performance.now() - s);
      }
      const mem = process.memoryUsage();
      console.log(
        `${String(n).padStart(8)}  ${mode.padEnd(8)} ${fmt(fitMs, 0).padStart(7)} ${fmt(percentile(times, 50), 2).padStart(9)} ${fmt(percentile(times, 99), 2).padStart(9)} ${mb(mem.heapUsed).padStart(11)} ${mb(mem.rss).padStart(7)}`,
      );
    }
  }
}
