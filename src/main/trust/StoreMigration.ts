import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Core } from '../core/Core';
import type { StoreEncryptionProgress } from '../../shared/domain/trust';
import { storeKeysOf } from '../imaging/storeKeys';
import { convertFile, listStoreFiles } from './storeConversion';
import { backupsHoldingPlainFiles } from './backupScan';

/** The settings key of the marker: `{ keyId, state, ... }` of the last run. */
export const MIGRATION_SETTING = 'trust.storeEncryption';

interface Marker {
  keyId: string;
  state: StoreEncryptionProgress['state'];
  checked: number;
  total: number;
  converted: number;
  problems: number;
  updatedAt: string;
}

/**
 * Encrypts, in place, the files a data folder stored before encryption (imaging/store.ts
 * names and formats; storeConversion.ts does each file). Started at app start in the
 * background (`start`) or run to the end (`run`, the CLI). Progress goes out as
 * 'auth:storeEncryption' events and into a settings marker; when the marker says this key's
 * store is done, start-up skips the walk. Readers cope with both states meanwhile.
 */
export class StoreMigration {
  private running: Promise<StoreEncryptionProgress> | null = null;
  private stopRequested = false;
  private last: StoreEncryptionProgress | null = null;

  constructor(private readonly core: Pick<Core, 'db' | 'paths' | 'settings' | 'events' | 'logger' | 'clock'>) {}

  private marker(): Marker | null {
    const raw = this.core.settings.get(MIGRATION_SETTING);
    try {
      return raw ? (JSON.parse(raw) as Marker) : null;
    } catch {
      return null;
    }
  }

  /** Whether there may be files to convert (no key: the store is plain by design, nothing to do). */
  needed(): boolean {
    const keys = storeKeysOf(this.core.db);
    if (!keys) return false;
    const m = this.marker();
    return !(m && m.state === 'done' && m.keyId === keys.id.toString('hex'));
  }

  /** The last progress of this process's run (null before one). */
  progress(): StoreEncryptionProgress | null {
    return this.last;
  }

  /** Starts the conversion in the background if it is needed; returns at once. */
  start(): void {
    if (this.running || !this.needed()) return;
    this.running = this.run().finally(() => (this.running = null));
    this.running.catch((err: unknown) => this.core.logger.error('encrypting stored files failed', err));
  }

  /** Stops between files (app shutdown): what is converted stays, the rest waits for the next start. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.running?.catch(() => undefined);
  }

  /** Converts every file that needs it, reporting progress; resumable at any point. */
  async run(onProgress?: (p: StoreEncryptionProgress) => void, options: { everyFile?: boolean } = {}): Promise<StoreEncryptionProgress> {
    const keys = storeKeysOf(this.core.db);
    const p: StoreEncryptionProgress = { state: 'running', checked: 0, total: 0, converted: 0, problems: [], plainBackups: [] };
    if (!keys) return { ...p, state: 'done' };
    const keyId = keys.id.toString('hex');
    const save = () =>
      this.core.settings.set(MIGRATION_SETTING, JSON.stringify({ keyId, state: p.state, checked: p.checked, total: p.total, converted: p.converted, problems: p.problems.length, updatedAt: this.core.clock.now().toISOString() } satisfies Marker));
    let lastEmit = 0;
    const emit = (force: boolean) => {
      const now = Date.now();
      if (!force && !options.everyFile && now - lastEmit < 200) return;
      lastEmit = now;
      this.last = { ...p, problems: [...p.problems], plainBackups: [...p.plainBackups] };
      this.core.events.emit('auth:storeEncryption', this.last);
      onProgress?.(this.last);
    };
    try {
      const files = listStoreFiles(this.core.paths.root);
      p.total = files.length;
      save();
      emit(true);
      for (const { folder, file } of files) {
        if (this.stopRequested) {
          p.state = 'stopped';
          break;
        }
        const outcome = convertFile(this.core.paths.root, folder, file, { keys, oldKeys: null });
        p.checked++;
        if (outcome === 'converted') p.converted++;
        else if (typeof outcome === 'object') p.problems.push(outcome.problem);
        if (outcome === 'converted' && p.converted % 100 === 0) save();
        emit(false);
        // Keep the main thread answering the UI between files.
        if (p.checked % 20 === 0) await yieldToLoop();
      }
      if (p.state === 'running') {
        p.plainBackups = backupsHoldingPlainFiles(this.core.paths.root);
        p.state = p.problems.length ? 'failed' : 'done';
      }
    } catch (err) {
      p.state = 'failed';
      p.problems.push((err as Error).message);
    }
    if (this.core.db.open) save();
    emit(true);
    if (p.converted > 0 || p.problems.length) this.core.logger.info(`stored files encrypted: ${p.converted} converted, ${p.problems.length} problem(s) (${p.state})`);
    for (const problem of p.problems.slice(0, 20)) this.core.logger.warn(`encrypting stored files: ${problem}`);
    for (const file of p.plainBackups) this.core.logger.warn(`${file} was made before encryption and holds stored images in clear: make a new backup, then delete it.`);
    return p;
  }
}
