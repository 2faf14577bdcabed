/**
 * Reports in the language chosen at export: the PDF's headings, labels and decision-support
 * statement (pdftotext) with the CJK font embedded (pdffonts); FHIR free text in the language
 * while codes stay and the bundle still validates; the CSV header in the language, cells as codes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import JSONSchemaValidator from '@asymmetrik/fhir-json-schema-validator';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import { createReportsFeature } from '.';
import { PNG_XRAY, seedCase, testProviders, type SeededCase } from './testCase';
import { REPORT_WORDS } from './pdf/words';
import { FHIR_WORDS } from './dataWords';

let app: App;
afterEach(async () => {
  await app?.close();
});

function feature(seeded: SeededCase[]) {
  const png = fs.readFileSync(PNG_XRAY);
  return createReportsFeature(app.core, {
    providers: testProviders(seeded, { thumbnail: async (image) => (image.format === 'png' ? { data: png, windowCenter: null, windowWidth: null } : null), heatmap: async () => png }),
  });
}

const CJK = { name: '王小明', mrn: 'MRN-CN-0042', birthDate: '1984-03-15', sex: 'M' };

async function exportAs(format: 'pdf' | 'csv' | 'fhir', language?: 'en' | 'zh-CN') {
  app = createTestApp();
  const s = seedCase(app.core.db, { ...CJK, withPng: true });
  const reports = feature([s]);
  const job = await reports.service.waitFor(reports.service.start({ patients: [s.mrn], format, ...(language ? { language } : {}) }, 'dr.chen').id);
  expect(job.state).toBe('done');
  return job.files.find((f) => f.kind === format)!.path;
}

describe('reports in the chosen language', () => {
  it('zh-CN PDF: Chinese headings, labels and statement, no English headings, the CJK font embedded', async () => {
    const file = await exportAs('pdf', 'zh-CN');
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    for (const heading of ['患者影像报告', '检查与关键图像', 'AI 发现与临床医生审核', '模型卡', '护理计划', '病历号', '出生日期', '性别', '置信度', '决策支持工具，不能替代临床判断']) {
      expect(text, heading).toContain(heading);
    }
    // Data stays as it is: the name, the MRN, the model's class name.
    expect(text).toContain('王小明');
    expect(text).toContain('MRN-CN-0042');
    expect(text).toContain('pneumonia');
    for (const english of ['Studies and key images', 'Care plans', 'Model cards', 'Birth date', 'Exported by', 'AI output is decision support', 'confidence']) {
      expect(text, english).not.toContain(english);
    }
    expect(text).toMatch(/第 1 页，共 \d+ 页/);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' });
    const rows = fonts.split('\n').slice(2).filter((l) => l.trim());
    expect(rows.length).toBeGreaterThan(0);
    // Every font is the shipped Noto Sans SC, embedded as a subset ("emb" column yes).
    for (const row of rows) {
      expect(row).toMatch(/NotoSansSC/);
      expect(row).toMatch(/\byes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$/);
    }
  });

  it('without a language the PDF is English, as before', async () => {
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', await exportAs('pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Studies and key images');
    expect(text).toContain(REPORT_WORDS.en.disclaimerShort);
    expect(text).not.toContain('检查与关键图像');
  });

  it('zh-CN FHIR: free text in Chinese, codes unchanged, the bundle validates', async () => {
    const bundle = JSON.parse(fs.readFileSync(await exportAs('fhir', 'zh-CN'), 'utf8'));
    const validator = new JSONSchemaValidator();
    expect(validator.validate(bundle, true)).toEqual([]);
    expect(bundle.language).toBe('zh-CN');
    const obs = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Observation').resource;
    expect(obs.code.text).toBe(FHIR_WORDS['zh-CN'].finding);
    expect(obs.component[0].code.text).toBe(FHIR_WORDS['zh-CN'].confidence);
    expect(obs.category[0].coding[0]).toMatchObject({ code: 'imaging', display: 'Imaging' });
    expect(obs.valueCodeableConcept.text).toBe('pneumonia');
    const report = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'DiagnosticReport').resource;
    expect(report.conclusion).toContain('决策支持工具，不能替代临床判断');
    expect(report.category[0].coding[0].code).toBe('RAD');
  }, 60_000);

  it('zh-CN CSV: a Chinese header over the same cells; English keeps the column codes', async () => {
    const zh = fs.readFileSync(await exportAs('csv', 'zh-CN'), 'utf8');
    const [zhHeader, ...zhRows] = zh.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(zhHeader!.split(',').slice(0, 4)).toEqual(['记录类型', '患者编号', '患者姓名', '病历号']);
    expect(zhRows[0]!.startsWith('image,')).toBe(true);
    await app.close();
    const en = fs.readFileSync(await exportAs('csv'), 'utf8');
    const [enHeader, ...enRows] = en.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(enHeader!.split(',').slice(0, 4)).toEqual(['record_type', 'patient_id', 'patient_name', 'mrn']);
    expect(enRows.length).toBe(zhRows.length);
  });

  it('refuses a language without report words; nothing is written', async () => {
    app = createTestApp();
    const r = await app.call('reports:export', { patients: ['x'], format: 'pdf', language: 'fr' }, { transport: 'cli', actor: null } as never);
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('both report languages have every word', () => {
    expect(Object.keys(REPORT_WORDS['zh-CN']).sort()).toEqual(Object.keys(REPORT_WORDS.en).sort());
    expect(Object.keys(FHIR_WORDS['zh-CN']).sort()).toEqual(Object.keys(FHIR_WORDS.en).sort());
  });
});
