import type { Core } from '../core/Core';
import type { CallContext, FeatureHandlers } from '../ipc/dispatch';
import type { BackendInfo, FolderRoots, SystemStatus } from '../../shared/ipc/system';
import { schemaVersion } from '../db/migrations';
import { addFolderRoot, homeRoot, listFolderRoots, removeFolderRoot } from './folderRoots';
import { browseFolder } from './folderBrowser';

export const DISCLAIMER =
  'CareLens is decision support. Its model outputs and recommendations are suggestions for a qualified clinician to check; they are not a diagnosis.';

export function createSystemFeature(core: Core, backend: () => BackendInfo) {
  /** The data folder is told only to a signed-in administrator (or the CLI): before login it is nobody's business. */
  const status = (ctx: CallContext): SystemStatus => {
    const mayKnowWhere = ctx.actor?.role === 'admin' || ctx.actor?.role === 'system';
    return {
      app: 'CareLens',
      version: core.version,
      transport: core.runtime,
      dataDir: mayKnowWhere ? core.paths.root : null,
      databasePath: mayKnowWhere ? core.paths.database : null,
      schemaVersion: schemaVersion(core.db),
      backend: backend(),
      disclaimer: DISCLAIMER,
    };
  };
  const roots = (): FolderRoots => ({ home: homeRoot(), roots: listFolderRoots(core.settings) });
  const handlers: FeatureHandlers<'system'> = {
    'system:status': (_i, ctx) => status(ctx),
    'system:folderRoots': () => roots(),
    'system:addFolderRoot': (i) => (addFolderRoot(core.settings, i.folder), roots()),
    'system:removeFolderRoot': (i) => (removeFolderRoot(core.settings, i.folder), roots()),
    'system:browseFolder': (i) => browseFolder(core.settings, i),
  };
  return { status, handlers };
}
