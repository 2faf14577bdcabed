import type { Db } from '../db/connection';
import type { Clock } from './clock';
import type { EventBus } from './EventBus';
import type { Logger } from './logger';
import type { DataPaths } from './paths';
import type { Settings } from './settings';

/** What every feature is built from. The composition root makes one; tests make their own. */
export interface Core {
  db: Db;
  paths: DataPaths;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  /** The key-value settings store (the system feature owns its table). */
  settings: Settings;
  /** 'electron' | 'web' | 'cli' | 'test': where this process runs. */
  runtime: 'electron' | 'web' | 'cli' | 'test';
  version: string;
}
