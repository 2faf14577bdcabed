import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../../i18n';
import { noteWords } from './noteWords';

describe('label history notes in the interface language', () => {
  afterEach(() => setLocale('en'));

  const written = [
    'from folder 0_malignant',
    'confirmed the label by ana',
    'corrected "benign" (by ana)',
    'undo of #12: back to the label set by ben',
    'undo of #3',
    'class "benign" renamed to "normal or benign"',
    'class "other" removed; label moved to "benign"',
    'class "other" removed; label cleared',
  ];

  it('reads in English exactly as CareLens wrote it; a typed note is shown as typed', () => {
    for (const note of written) expect(noteWords(note)).toBe(note);
    expect(noteWords('looked again with the radiologist')).toBe('looked again with the radiologist');
  });

  it('reads in Chinese, with the data (folder, class and user names) as recorded', () => {
    setLocale('zh-CN');
    expect(noteWords('from folder 0_malignant')).toBe('来自文件夹 0_malignant');
    expect(noteWords('corrected "benign" (by ana)')).toBe('更正了“benign”（由 ana 标注）');
    expect(noteWords('class "other" removed; label cleared')).toBe('类别“other”已删除；标签已清除');
    expect(noteWords('from diagnosis d1 (model v2: pneumonia 91.0%), overridden by cleo at 2026-03-12T14:05:09.000Z: not pneumonia')).toMatch(/^来自诊断 d1（模型 v2：pneumonia 91\.0%），由 cleo 于 .+ 更正：not pneumonia$/);
    expect(noteWords('looked again')).toBe('looked again');
  });
});
