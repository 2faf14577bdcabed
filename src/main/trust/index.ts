import type { Core } from '../core/Core';
import type { FeatureHandlers } from '../ipc/dispatch';
import { AuditLog } from '../audit/AuditLog';
import { createTrustGate } from './gate';
import { TrustService } from './TrustService';
import { BackupService } from './BackupService';
import { StoreMigration } from './StoreMigration';

/**
 * Builds the trust feature: users, roles and sessions, the gate every call passes
 * through (role check before, audit record after), backups, and the auth channels.
 */
export function createTrustFeature(core: Core) {
  const service = new TrustService(core);
  const auditLog = new AuditLog(core);
  const backups = new BackupService(core, auditLog);
  const gate = createTrustGate(core.db, service, auditLog);
  const handlers: FeatureHandlers<'auth'> = {
    'auth:status': (_i, ctx) => service.status(ctx),
    'auth:setup': (i, ctx) => service.setup(ctx, i),
    'auth:login': (i, ctx) => service.login(ctx, i),
    'auth:logout': (_i, ctx) => service.logout(ctx),
    'auth:lock': (_i, ctx) => service.lock(ctx),
    'auth:unlock': (i, ctx) => service.unlock(ctx, i.password),
    'auth:heartbeat': () => service.heartbeat(),
    'auth:changePassword': (i, ctx) => service.changePassword(ctx, i.currentPassword, i.newPassword),
    'auth:setLanguage': (i, ctx) => service.setLanguage(ctx, i.language),
    'auth:listUsers': () => service.listUsers(),
    'auth:createUser': (i, ctx) => service.createUser(ctx, i),
    'auth:updateUser': (i, ctx) => service.updateUser(ctx, i.id, i.changes),
    'auth:resetPassword': (i) => service.resetPassword(i.id, i.password),
    'auth:setIdleMinutes': (i) => service.setIdleMinutes(i.minutes),
    'auth:backup': (i, ctx) => backups.backupFor(ctx, i.file),
  };
  // Files stored before encryption are converted in the background (createApp starts it).
  const storeMigration = new StoreMigration(core);
  return { gate, handlers, service, auditLog, backups, storeMigration, dispose: () => storeMigration.stop() };
}
