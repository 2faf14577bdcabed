import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/ipc/envelope';
import { LoginThrottle } from './loginThrottle';
import { passwordProblem } from './passwordPolicy';

const limits = { perUser: 3, perSession: 5, global: 8, maxInFlight: 2, pauseMs: 60_000 };
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.message : String(err);
  }
  return null;
};

describe('LoginThrottle', () => {
  it('counts an attempt when it starts, caps checks in flight, and pauses a user name after its limit', () => {
    let now = 0;
    const t = new LoginThrottle(() => now, limits);
    const a = t.begin('ann', 's1');
    const b = t.begin('ann', 's1');
    expect(refusal(() => t.begin('bob', 's2'))).toMatch(/checking other passwords/); // two in flight
    a.done(false);
    b.done(false);
    const c = t.begin('ann', 's1');
    c.done(false);
    expect(refusal(() => t.begin('ann', 's3'))).toMatch(/for this user/); // 3 counted, whoever asks
    now += 60_001;
    t.begin('ann', 's3').done(true);
    expect(t.running()).toBe(0);
  });

  it('a right password clears its user and session; the global window pauses everyone after its limit', () => {
    let now = 0;
    const t = new LoginThrottle(() => now, limits);
    for (let i = 0; i < 8; i++) t.begin(`user${i}`, `s${i}`).done(false);
    expect(refusal(() => t.begin('fresh', 'fresh-session'))).toMatch(/on this computer/);
    now += 60_001;
    expect(refusal(() => t.begin('fresh', 'fresh-session').done(true))).toBeNull();
  });

  it('pauses one session that tries many names', () => {
    const t = new LoginThrottle(() => 0, limits);
    for (let i = 0; i < 5; i++) t.begin(`n${i}`, 'same').done(false);
    expect(refusal(() => t.begin('another', 'same'))).toMatch(/from this window/);
    expect(refusal(() => t.begin('another', 'elsewhere').done(false))).toBeNull();
  });
});

describe('passwordProblem', () => {
  it.each(['          ', '1234567890', '0987654321', 'abcdefghij', 'qwertyuiop', 'aaaaabbbbb', 'Password123', 'carelens2026'])('refuses %j', (p) => {
    expect(passwordProblem(p)).toMatch(/Choose a longer phrase/);
  });
  it('refuses the user name as password', () => {
    expect(passwordProblem('cleoclinic1', { username: 'cleoclinic' })).toMatch(/own name/);
  });
  it.each(['correct horse battery staple', 'cleo reads the charts', 'a brand new passphrase', 'Tr0ub4dor&3x'])('accepts %j', (p) => {
    expect(passwordProblem(p, { username: 'cleo' })).toBeNull();
  });
});
