import { z } from 'zod';
import { channel } from './define';

export interface BackendInfo {
  /** 'tensorflow' (tfjs-node), 'wasm', 'cpu', or null before the loader has run. */
  name: string | null;
  /** Why the preferred backends were not used, in words. */
  detail: string;
}

export interface SystemStatus {
  app: 'CareLens';
  version: string;
  transport: 'electron' | 'web' | 'cli' | 'test';
  dataDir: string;
  databasePath: string;
  schemaVersion: number;
  backend: BackendInfo;
  /** Always shown in the UI: CareLens is decision support. */
  disclaimer: string;
}

export const systemChannels = {
  'system:status': channel<SystemStatus>()({
    input: z.object({}).strict(),
    access: 'public',
    audit: 'none',
    doc: 'What the app is running on: version, data folder, schema version, ML backend.',
  }),
};

export const systemEvents = {};
