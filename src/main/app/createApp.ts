import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BackendInfo } from '../../shared/ipc/system';
import { openDatabase } from '../db/connection';
import { allMigrations } from './migrations';
import { createDispatcher, type CallContext, type Dispatch, type HandlerTable } from '../ipc/dispatch';
import { createSystemFeature } from '../system';
import { createSettings } from '../system/settings';
import { createPatientsFeature } from '../patients';
import { createTrustFeature } from '../trust';
import { createAuditFeature } from '../audit';
import { createImagingFeature } from '../imaging';
import { createLabelsFeature } from '../labels';
import { createMlFeature } from '../ml';
import { createCareplansFeature } from '../careplans';
import { createReportsFeature, reportProvidersFrom } from '../reports';
import { createPacsFeature } from '../pacs';
import { createMeasurementsFeature } from '../measurements';
import { systemClock, type Clock } from '../core/clock';
import type { Core } from '../core/Core';
import { EventBus } from '../core/EventBus';
import { consoleLogger, type Logger } from '../core/logger';
import { dataPaths, ensureDataDirs } from '../core/paths';
import { resolveDatabaseKey, type DatabaseKey, type KeyProtector } from '../trust/keys';
import { assertDataFolderOwner } from '../trust/owner';
import { assertNoPendingRekey } from '../trust/rekeyState';

export interface AppOptions {
  /** The data folder; ':memory:' keeps the database in memory (tests) with files in a temp folder. */
  dataDir: string;
  runtime: Core['runtime'];
  clock?: Clock;
  logger?: Logger;
  /** For tests: open the database in memory while files still go to dataDir. */
  inMemoryDatabase?: boolean;
  /** The database key; resolved from the keychain, CARELENS_KEY or the key file when absent. */
  databaseKey?: DatabaseKey;
  /** The OS keychain (Electron's safeStorage) that seals the database key. */
  keychain?: KeyProtector | null;
  /**
   * Encrypt files stored before encryption, in the background, from start-up (default: in the
   * app and `carelens serve`; the CLI runs it with `carelens encrypt-store`).
   */
  encryptStoreInBackground?: boolean;
}

export interface App {
  core: Core;
  dispatch: Dispatch;
  /** Calls a channel as the given context (the CLI and tests use this). */
  call: (channel: string, input: unknown, ctx?: Partial<CallContext>) => ReturnType<Dispatch>;
  features: ReturnType<typeof buildFeatures>;
  close(): Promise<void>;
}

export function appVersion(): string {
  for (const candidate of [path.join(__dirname, '../../package.json'), path.join(__dirname, '../../../package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'carelens' && pkg.version) return pkg.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0';
}

function buildFeatures(core: Core) {
  let backend: BackendInfo = { name: null, detail: 'not loaded yet: it loads when a model is first trained or run' };
  const trust = createTrustFeature(core);
  const patients = createPatientsFeature(core);
  const audit = createAuditFeature(core);
  const imaging = createImagingFeature(core);
  const ml = createMlFeature(core, { onBackend: (info) => { backend = info; } });
  const labels = createLabelsFeature(core, { uncertainty: (labelSetId, imageIds) => ml.service.uncertainty(labelSetId, imageIds) });
  const careplans = createCareplansFeature(core);
  const measurements = createMeasurementsFeature(core, { imaging });
  const reports = createReportsFeature(core, { providers: reportProvidersFrom(core, { imaging, ml, careplans, measurements }) });
  const system = createSystemFeature(core, () => backend);
  const pacs = createPacsFeature(core, { imaging, audit: (entry) => audit.log.append(entry) });
  return {
    setBackend: (info: BackendInfo) => {
      backend = info;
    },
    system,
    trust,
    patients,
    audit,
    imaging,
    labels,
    ml,
    careplans,
    reports,
    pacs,
    measurements,
  };
}

/**
 * The composition root's shared half: builds the core (database, paths, clock, events)
 * and every feature, and the one dispatch table. Electron, the web host, the CLI and the
 * tests all start here.
 */
export function createApp(options: AppOptions): App {
  const logger = options.logger ?? consoleLogger();
  const paths = dataPaths(options.dataDir);
  ensureDataDirs(paths);
  // The CLI acts as 'system' with no password: only for the data folder's owner.
  if (options.runtime === 'cli') assertDataFolderOwner(paths.root);
  // A key change that stopped half-way must be finished first (`carelens rekey`).
  if (!options.inMemoryDatabase) assertNoPendingRekey(paths.root);
  const key = options.inMemoryDatabase ? null : (options.databaseKey ?? resolveDatabaseKey({ keychain: options.keychain ?? null }));
  const db = openDatabase({ file: options.inMemoryDatabase ? ':memory:' : paths.database, key, migrations: allMigrations() });
  const core: Core = {
    db,
    paths,
    clock: options.clock ?? systemClock,
    logger,
    events: new EventBus(),
    settings: createSettings(db),
    runtime: options.runtime,
    version: appVersion(),
  };
  const features = buildFeatures(core);
  const handlers = {
    ...features.system.handlers,
    ...features.patients.handlers,
    ...features.trust.handlers,
    ...features.audit.handlers,
    ...features.imaging.handlers,
    ...features.labels.handlers,
    ...features.ml.handlers,
    ...features.careplans.handlers,
    ...features.reports.handlers,
    ...features.pacs.handlers,
    ...features.measurements.handlers,
  } satisfies HandlerTable;
  const dispatch = createDispatcher(handlers, features.trust.gate, logger);
  if (options.encryptStoreInBackground ?? (options.runtime === 'electron' || options.runtime === 'web')) features.trust.storeMigration.start();
  const defaultCtx: CallContext = { transport: options.runtime === 'electron' ? 'electron' : options.runtime, actor: null };
  return {
    core,
    dispatch,
    call: (channel, input, ctx) => dispatch(channel, input, { ...defaultCtx, ...ctx }),
    features,
    async close() {
      for (const f of Object.values(features)) {
        const dispose = (f as { dispose?: () => unknown }).dispose;
        if (typeof dispose === 'function') await dispose.call(f);
      }
      if (db.open) db.close();
    },
  };
}
