/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts, which prints the machine and
 * its measurements (medians, ratios). Without a name, runs every benchmark in turn.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

async function run(name: string, args: string[]): Promise<void> {
  // A kebab-case scenario name runs its camelCase file (train-memory -> trainMemory.ts).
  const file = path.join(__dirname, `${name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}.ts`);
  if (!fs.existsSync(file)) throw new Error(`No benchmark "${name}" (looked for ${file})`);
  console.log(`== bench ${name} on ${machine()}`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: (args: string[]) => Promise<void> };
  if (typeof mod.default !== 'function') throw new Error(`bench/${name}.ts must export a default async function(args)`);
  await mod.default(args);
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const all = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && !['index.ts', 'util.ts'].includes(f) && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3));
  if (!name) {
    for (const n of all) await run(n, []);
    return;
  }
  if (name === '--list') {
    console.log(all.join('\n'));
    return;
  }
  await run(name, args);
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exitCode = 1;
});
