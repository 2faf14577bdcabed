import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../shared/ipc/envelope';
import { ApiError, errorMessage, errorText, fieldErrors, issueInWords, unwrapResult } from './api';
import { i18n, messages, setLocale } from './i18n';

afterEach(() => setLocale('en'));

const taken: ErrorInfo = {
  code: 'CONFLICT',
  message: 'MRN A1 already belongs to another patient (Ada). Nothing was changed.',
  key: 'errors.patients.mrnAlreadyBelongsAnother',
  params: { mrn: 'A1', name: 'Ada' },
  issues: [{ path: 'mrn', message: 'This MRN is already in use' }],
};

const refused: ErrorInfo = {
  code: 'VALIDATION',
  message: 'Check the form: Name is required; Birth date: use the form YYYY-MM-DD; Number of rows must be at least 1.',
  key: 'validation.checkForm',
  issues: [
    { path: 'name', message: 'Name is required', key: 'validation.custom.nameRequired' },
    { path: 'birthDate', message: 'Use the form YYYY-MM-DD', key: 'validation.custom.dateForm' },
    { path: 'limit', message: 'Number of rows must be at least 1', key: 'validation.atLeast', params: { field: 'limit', min: 1, count: 2 } },
  ],
};

function thrown(info: ErrorInfo): ApiError {
  try {
    unwrapResult({ ok: false, error: info });
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('unwrapResult did not throw');
}

describe('error envelopes as text', () => {
  it('shows a keyed error in the active language: English as the main process wrote it, and Chinese', () => {
    expect(errorText(taken)).toBe(taken.message);
    setLocale('zh-CN');
    expect(errorText(taken)).toBe('病历号 A1 已属于另一名患者（Ada）。未做任何更改。');
    const err = thrown(taken);
    expect(err.message).toBe('病历号 A1 已属于另一名患者（Ada）。未做任何更改。');
    expect(errorMessage(err)).toBe('病历号 A1 已属于另一名患者（Ada）。未做任何更改。');
    // The envelope itself is kept as it came (code, English message, key) for code that branches on it.
    expect(err.info).toEqual(taken);
  });

  it('words parameters that name catalogue entries (a refused action), else keeps the English sentence', () => {
    const refusal = (doesKey: string): ErrorInfo => ({
      code: 'FORBIDDEN',
      message: 'Only an administrator can see the user accounts; you are signed in as a clinician. Ask an administrator if you need it.',
      key: 'errors.trust.forbidden',
      params: { whoKey: 'errors.trust.who.admin', doesKey, asKey: 'errors.trust.signedInAs.clinician' },
    });
    expect(errorText(refusal('audit.actions.auth.listUsers.does'))).toBe(refusal('').message);
    setLocale('zh-CN');
    expect(errorText(refusal('audit.actions.auth.listUsers.does'))).toBe(`只有管理员可以${i18n.global.t('audit.actions.auth.listUsers.does')}；您当前的登录身份是临床医生。如有需要，请联系管理员。`);
    expect(errorText(refusal('audit.actions.no.such.does'))).toBe(refusal('').message);
  });

  it('falls back to the English message when the catalogue lacks the key, or there is none', () => {
    setLocale('zh-CN');
    expect(errorText({ code: 'NOT_FOUND', message: 'No such thing.', key: 'errors.noSuchKeyAnywhere' })).toBe('No such thing.');
    expect(errorText({ code: 'NOT_FOUND', message: 'No such thing.' })).toBe('No such thing.');
    expect(errorMessage(new Error('plain'))).toBe('plain');
  });

  it('words a refused form from its issues, field names and all, in either language', () => {
    expect(errorText(refused)).toBe(refused.message);
    setLocale('zh-CN');
    expect(errorText(refused)).toBe('请检查表单：姓名为必填项；出生日期：请使用 YYYY-MM-DD 格式；行数不能小于 1。');
    expect(fieldErrors(thrown(refused))).toEqual({ name: '姓名为必填项', birthDate: '请使用 YYYY-MM-DD 格式', limit: '行数不能小于 1' });
    expect(issueInWords({ path: 'fields.ageBands.0', message: 'Age bands (item 1) must be text', key: 'validation.mustBeText', params: { field: 'ageBands', item: 1, count: 1 } })).toBe('年龄段（第 1 项）必须是文本');
  });

  it('keeps English plural agreement for plural field names, and counts past five problems', () => {
    expect(issueInWords({ path: 'paths', message: 'Folders are required', key: 'validation.required', params: { field: 'paths', count: 2 } })).toBe('Folders are required');
    const many: ErrorInfo = {
      code: 'VALIDATION',
      message: 'x',
      key: 'validation.checkFormMore',
      issues: ['mrn', 'name', 'sex', 'notes', 'birthDate', 'role', 'username'].map((f) => ({ path: f, message: 'x', key: 'validation.mustBeText', params: { field: f, count: 1 } })),
    };
    expect(errorText(many)).toBe('Check the form: MRN must be text; Name must be text; Sex must be text; Notes must be text; Birth date must be text; and 2 more problems.');
    setLocale('zh-CN');
    expect(errorText(many)).toBe('请检查表单：病历号必须是文本；姓名必须是文本；性别必须是文本；备注必须是文本；出生日期必须是文本；另有 2 个问题。');
  });

  it('every message of the errors, validation and progress areas compiles in both languages', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      setLocale(locale);
      const walk = (tree: Record<string, unknown>, prefix: string) => {
        for (const [k, v] of Object.entries(tree)) {
          if (typeof v === 'string') {
            const out = i18n.global.t(`${prefix}.${k}`, { field: 'F', count: 2 }, 2);
            expect(out, `${locale} ${prefix}.${k}`).not.toBe(`${prefix}.${k}`);
          } else walk(v as Record<string, unknown>, `${prefix}.${k}`);
        }
      };
      for (const area of ['errors', 'validation', 'progress']) walk((messages[locale]![area] ?? {}) as Record<string, unknown>, area);
    }
  });
});

describe('refused input, every channel', () => {
  it('reads in English exactly as the main process words it, and in Chinese without English field names', async () => {
    const { channels } = await import('../../shared/ipc/contract');
    const { validationWords } = await import('../../main/ipc/validationWords');
    const junk: unknown[] = [{}, { id: 5, name: 7, limit: -1, paths: [], extra: true }, { fields: { ageBands: [65], name: '' } }];
    let compared = 0;
    for (const [channel, def] of Object.entries(channels)) {
      for (const input of junk) {
        const parsed = (def.input as { safeParse: (v: unknown) => { success: boolean; error?: { issues: never[] } } }).safeParse(input);
        if (parsed.success) continue;
        const words = validationWords(parsed.error!.issues, input);
        const info: ErrorInfo = { code: 'VALIDATION', message: words.message, key: words.key, params: words.params, issues: words.issues };
        setLocale('en');
        expect(errorText(info), channel).toBe(words.message);
        setLocale('zh-CN');
        expect(errorText(info), channel).toMatch(/^请检查表单：/);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('parameters that are words', () => {
  it('translates a scope or decision named by key, not the English word', () => {
    const info: ErrorInfo = { code: 'NOT_FOUND', message: 'No images found for that series.', key: 'errors.ml.noImagesFoundFor', params: { whatKey: 'errors.ml.scope.series' } };
    expect(errorText(info)).toBe(info.message);
    setLocale('zh-CN');
    expect(errorText(info)).toBe('该序列下没有找到图像。');
  });
});
