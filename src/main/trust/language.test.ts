import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, ok } from '../app/testing';
import type { App } from '../app/createApp';
import type { CallContext } from '../ipc/dispatch';
import type { AuthStatus } from '../../shared/domain/trust';

let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

function web(a: App, sessionId: string) {
  return (channel: string, input: unknown) => a.call(channel, input, { transport: 'web', actor: null, sessionId } as CallContext);
}

const ADMIN = { username: 'admin', displayName: 'Ada Admin', password: 'correct horse battery staple' };

describe('per-user interface language', () => {
  it('is null until chosen, is kept on the account across sign-ins, and is per user', async () => {
    app = createTestApp();
    const admin = web(app, 's-admin');
    const first = await ok<AuthStatus>(admin('auth:setup', ADMIN));
    expect(first.language).toBeNull();
    await ok(admin('auth:createUser', { username: 'cleo', displayName: 'Cleo Clinician', role: 'clinician', password: 'clinician pass 1' }));

    const chosen = await ok<AuthStatus>(admin('auth:setLanguage', { language: 'zh-CN' }));
    expect(chosen.language).toBe('zh-CN');

    // Another user is not affected.
    const cleo = web(app, 's-cleo');
    expect((await ok<AuthStatus>(cleo('auth:login', { username: 'cleo', password: 'clinician pass 1' }))).language).toBeNull();

    // Signed out, nobody's language is told; signing in again brings the choice back.
    await ok(admin('auth:logout', {}));
    expect((await ok<AuthStatus>(admin('auth:status', {}))).language).toBeNull();
    const again = await ok<AuthStatus>(web(app, 's-admin-2')('auth:login', { username: 'admin', password: ADMIN.password }));
    expect(again.language).toBe('zh-CN');

    // The choice is audited as a change by its user.
    const rows = app.core.db.prepare("SELECT actor_name FROM audit_log WHERE channel = 'auth:setLanguage' AND outcome = 'ok'").pluck().all();
    expect(rows).toEqual(['admin']);
  });

  it('refuses a language without a catalogue, and a caller who is not signed in; nothing changes', async () => {
    app = createTestApp();
    const admin = web(app, 's-admin');
    await ok(admin('auth:setup', ADMIN));
    await ok(admin('auth:setLanguage', { language: 'en' }));
    expect(await admin('auth:setLanguage', { language: 'fr' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await admin('auth:setLanguage', { language: 'zh-CN', extra: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await web(app, 's-nobody')('auth:setLanguage', { language: 'zh-CN' })).toMatchObject({ ok: false });
    expect((await ok<AuthStatus>(admin('auth:status', {}))).language).toBe('en');
  });
});
