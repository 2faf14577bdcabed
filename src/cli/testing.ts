import { PassThrough } from 'node:stream';
import { main } from './index';

/** Runs the CLI in-process with captured stdout/stderr (tests only): exit code and output. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdout, stderr, isTty: false });
  return { code, out, err };
}
