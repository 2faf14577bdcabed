import { randomBytes, scryptSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/ipc/envelope';

/**
 * What the OS keychain does for a key (Electron's safeStorage, behind src/main/platform/):
 * encrypts a small secret with a key only this OS user's session can use.
 */
export interface KeyProtector {
  isAvailable(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

export interface DatabaseKey {
  /** 64 hex characters: a raw 256-bit key (SQLCipher's x'...' form, no passphrase stretching needed). */
  hex: string;
  source: 'keychain' | 'env' | 'file';
  /** Where the key lives, for messages (never the key itself). */
  where: string;
}

export interface KeyOptions {
  env?: NodeJS.ProcessEnv;
  /** The OS keychain, in Electron. */
  keychain?: KeyProtector | null;
  /** Overrides the config folder (tests). */
  configDir?: string;
}

/** The per-user config folder: $XDG_CONFIG_HOME/CareLens, else ~/.config/CareLens (APPDATA on Windows). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'CareLens');
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'CareLens');
}

/** CARELENS_KEY: 64 hex characters are the key; anything else (16+ characters) is a passphrase, stretched with scrypt. */
export function keyFromEnv(value: string): string {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return v.toLowerCase();
  if (v.length < 16) throw new AppError('VALIDATION', 'CARELENS_KEY is too short: use 64 hex characters or a passphrase of at least 16 characters.');
  return scryptSync(v, 'carelens-database-key-v1', 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('hex');
}

function checkOwnerOnly(file: string): void {
  if (process.platform === 'win32') return;
  const st = fs.statSync(file);
  if ((st.mode & 0o077) !== 0) {
    throw new AppError('FORBIDDEN', `The key file ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}). Run: chmod 600 "${file}", then start CareLens again.`);
  }
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new AppError('FORBIDDEN', `The key file ${file} belongs to another user.`);
  }
}

/** Creates `file` with owner-only permissions and `content`, unless it exists (then returns false). */
function createExclusive(file: string, content: string | Buffer): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * The database key, in this order: the OS keychain (Electron's safeStorage), else
 * CARELENS_KEY, else a key file made on first use in the user's config folder with
 * owner-only permissions. A plain key file that already exists wins over making a new
 * keychain key, so the app and the CLI keep opening the same data.
 */
export function resolveDatabaseKey(options: KeyOptions = {}): DatabaseKey {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? configDir(env);
  const plainFile = path.join(dir, 'database.key');
  const sealedFile = path.join(dir, 'database.key.sealed');
  const keychain = options.keychain && options.keychain.isAvailable() ? options.keychain : null;

  if (keychain && !fs.existsSync(plainFile)) {
    if (!fs.existsSync(sealedFile)) {
      createExclusive(sealedFile, keychain.encrypt(randomBytes(32).toString('hex')));
    }
    checkOwnerOnly(sealedFile);
    const hex = keychain.decrypt(fs.readFileSync(sealedFile)).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new AppError('FORBIDDEN', `The keychain-protected key in ${sealedFile} is damaged.`);
    return { hex, source: 'keychain', where: `${sealedFile} (sealed by the OS keychain)` };
  }
  if (env.CARELENS_KEY) return { hex: keyFromEnv(env.CARELENS_KEY), source: 'env', where: 'CARELENS_KEY' };
  if (!fs.existsSync(plainFile) && fs.existsSync(sealedFile)) {
    throw new AppError(
      'FORBIDDEN',
      `The database key is sealed by the OS keychain (${sealedFile}) and only the CareLens app can unseal it. Set CARELENS_KEY, or use the app.`,
    );
  }
  createExclusive(plainFile, randomBytes(32).toString('hex') + '\n');
  checkOwnerOnly(plainFile);
  const hex = fs.readFileSync(plainFile, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new AppError('FORBIDDEN', `The key file ${plainFile} is damaged (it should hold 64 hex characters).`);
  return { hex, source: 'file', where: plainFile };
}
