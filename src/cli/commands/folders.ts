import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FolderRoots } from '../../shared/ipc/system';
import { call, printJson, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

function print(ctx: CliContext, r: FolderRoots): void {
  if (ctx.json) return printJson(ctx, r);
  ctx.io.stdout.write(`Users may import from and export to their home folder (${r.home}) and:\n`);
  if (r.roots.length === 0) ctx.io.stdout.write('  (no other folder)\n');
  for (const root of r.roots) ctx.io.stdout.write(`  ${root}\n`);
}

/** `carelens folders roots list|add|remove`: the folders signed-in users may use (the CLI itself is not limited). */
export const foldersCommand: CliCommand = {
  name: 'folders',
  summary: 'The folders signed-in users may import from and export to (the CLI is not limited).',
  usage: ['carelens folders roots list [--json]', 'carelens folders roots add <folder>... [--json]', 'carelens folders roots remove <folder>... [--json]'].join('\n'),
  async run(ctx, args) {
    const [group, sub, ...rest] = args;
    if (group !== 'roots') throw new UsageError('Use: carelens folders roots list|add|remove');
    const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
    if (sub === 'list') {
      if (positionals.length > 0) throw new UsageError('carelens folders roots list takes no folder');
      print(ctx, await call(ctx, 'system:folderRoots', {}));
      return 0;
    }
    if (sub === 'add' || sub === 'remove') {
      if (positionals.length === 0) throw new UsageError(`Use: carelens folders roots ${sub} <folder>...`);
      let roots: FolderRoots | null = null;
      for (const folder of positionals) roots = await call(ctx, sub === 'add' ? 'system:addFolderRoot' : 'system:removeFolderRoot', { folder: path.resolve(folder) });
      print(ctx, roots!);
      return 0;
    }
    throw new UsageError('Use: carelens folders roots list|add|remove');
  },
};
