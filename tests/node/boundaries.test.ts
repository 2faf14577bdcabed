import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

async function restricted(file: string, code: string): Promise<number> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
}

describe('process boundaries (DESIGN.md), enforced by the lint rule', () => {
  it('keeps electron out of services, the CLI, shared code and the renderer', async () => {
    const code = "import { app } from 'electron';\nexport const x = app;\n";
    expect(await restricted('src/main/patients/X.ts', code)).toBe(1);
    expect(await restricted('src/cli/x.ts', code)).toBe(1);
    expect(await restricted('src/shared/x.ts', code)).toBe(1);
    expect(await restricted('src/renderer/src/x.ts', code)).toBe(1);
  });
  it('allows electron in the composition root, platform/ and the Electron transport', async () => {
    const code = "import { app } from 'electron';\nexport const x = app;\n";
    expect(await restricted('src/main/index.ts', code)).toBe(0);
    expect(await restricted('src/main/platform/x.ts', code)).toBe(0);
    expect(await restricted('src/main/ipc/electron.ts', code)).toBe(0);
    expect(await restricted('src/preload/x.ts', code)).toBe(0);
  });
  it('keeps node:* out of shared code and the renderer', async () => {
    const code = "import fs from 'node:fs';\nimport path from 'path';\nexport const x = [fs, path];\n";
    expect(await restricted('src/shared/x.ts', code)).toBe(2);
    expect(await restricted('src/renderer/src/x.ts', code)).toBe(2);
    expect(await restricted('src/main/patients/X.ts', code)).toBe(0);
  });
});
