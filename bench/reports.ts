/**
 * `npm run bench -- reports [patients=100] [runs=3]`: a batch export of N generated patients,
 * each with a real DICOM file's study in the core tables, the stand-in ML and care-plan
 * providers of the tests, and a PNG thumbnail and heatmap, as PDF, CSV, FHIR and
 * de-identified FHIR. Prints the median wall time per format and per patient.
 */
import fs from 'node:fs';
import { createTestApp } from '../src/main/app/testing';
import { createReportsFeature } from '../src/main/reports';
import { PNG_XRAY, seedCase, testProviders } from '../src/main/reports/testCase';
import type { ExportRequest } from '../src/shared/ipc/reports';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export default async function bench(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 100);
  const runs = Number(args[1] ?? 3);
  const app = createTestApp({ onDisk: true });
  try {
    const seeded = Array.from({ length: n }, (_, i) => seedCase(app.core.db, { name: `Bench Patient ${i} 测试`, mrn: `BENCH-${i}`, birthDate: '1970-01-01', uidSuffix: `.${i}`, withPng: true }));
    const png = fs.readFileSync(PNG_XRAY);
    const reports = createReportsFeature(app.core, {
      providers: testProviders(seeded, { thumbnail: async (image) => (image.format === 'png' ? { data: png, windowCenter: null, windowWidth: null } : null), heatmap: async () => png }),
    });
    const cases: [string, Omit<ExportRequest, 'patients'>][] = [
      ['pdf', { format: 'pdf' }],
      ['pdf de-identified', { format: 'pdf', deidentify: true }],
      ['csv', { format: 'csv' }],
      ['fhir', { format: 'fhir' }],
      ['fhir de-identified', { format: 'fhir', deidentify: true }],
      ['fhir de-identified + DICOM', { format: 'fhir', deidentify: true, includeDicom: true }],
    ];
    for (const [label, request] of cases) {
      const times: number[] = [];
      let bytes = 0;
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const job = await reports.service.waitFor(reports.service.start({ ...request, patients: seeded.map((s) => s.patientId) }, 'bench').id);
        times.push(performance.now() - t0);
        if (job.state !== 'done' || job.failures.length > 0) throw new Error(`${label}: ${job.state} ${JSON.stringify(job.failures.slice(0, 2))}`);
        bytes = job.files.reduce((a, f) => a + f.bytes, 0);
      }
      const m = median(times);
      console.log(`${label.padEnd(28)} ${n} patients: median ${(m / 1000).toFixed(2)} s (${(m / n).toFixed(1)} ms/patient), runs ${times.map((t) => (t / 1000).toFixed(2)).join(' / ')} s, ${(bytes / 2 ** 20).toFixed(1)} MiB written`);
    }
  } finally {
    await app.close();
  }
}
