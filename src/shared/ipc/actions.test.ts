import { describe, expect, it } from 'vitest';
import { channelNames, channels } from './contract';
import { actionWords, forbiddenMessage, onlyWhoMay, wordsFor } from './actions';
import { channelAccess, roleCan } from './access';
import { fieldLabel } from './fields';

const CHANNEL_LIKE = /\b[a-z]+:[a-z][A-Za-z]+\b/;

describe('every channel in words', () => {
  it('has a phrase for what it does and a sentence for the audit trail, with no channel name or internal key in either', () => {
    for (const name of channelNames) {
      const words = (actionWords as Record<string, { does: string; did: string }>)[name];
      expect(words, `${name} needs words in src/shared/ipc/actions.ts`).toBeDefined();
      expect(words!.does, name).toMatch(/^[a-z][^.]*[a-z]$/);
      expect(words!.did, name).toMatch(/^[A-Z]/);
      for (const text of [words!.does, words!.did]) {
        expect(text, name).not.toMatch(CHANNEL_LIKE);
        expect(text.replace(/CareLens/g, ''), name).not.toMatch(/[a-z][A-Z]/); // no camelCase keys (patientId, ageBand)
      }
      // Placeholders are only {patients} or {patients|fallback}.
      expect(words!.did.replace(/\{patients(\|[a-z ]+)?\}/g, ''), name).not.toMatch(/[{}]/);
    }
    expect(Object.keys(actionWords).sort()).toEqual([...channelNames].sort());
  });

  it('a name that is no channel gets neutral words, never itself', () => {
    expect(wordsFor('careplans:retirePlan').does).toBe('retire a care plan');
    expect(JSON.stringify(wordsFor('evil:<script>'))).not.toContain('evil');
    expect(JSON.stringify(wordsFor('__proto__'))).not.toContain('proto');
  });
});

describe('the renderer’s access map', () => {
  it('equals the contract’s access for every channel', () => {
    for (const name of channelNames) expect(channelAccess[name], name).toBe(channels[name].access);
    expect(Object.keys(channelAccess).sort()).toEqual([...channelNames].sort());
  });

  it('says what each role may use: nested roles, nobody signed in can use only public channels', () => {
    expect(roleCan('clinician', 'careplans:retirePlan')).toBe(false);
    expect(roleCan('reviewer', 'careplans:retirePlan')).toBe(false);
    expect(roleCan('admin', 'careplans:retirePlan')).toBe(true);
    expect(roleCan('clinician', 'labels:review')).toBe(false);
    expect(roleCan('reviewer', 'labels:review')).toBe(true);
    expect(roleCan('clinician', 'patients:create')).toBe(true);
    expect(roleCan(null, 'patients:list')).toBe(false);
    expect(roleCan(null, 'auth:login')).toBe(true);
  });
});

describe('refusals in words', () => {
  it('names the action, who may do it and who the user is, never the channel', () => {
    const m = forbiddenMessage('careplans:retirePlan', 'clinician', 'admin');
    expect(m).toBe('Only an administrator can retire a care plan; you are signed in as a clinician. Ask an administrator if you need it.');
    expect(onlyWhoMay('labels:review', 'reviewer')).toBe('Only a reviewer or an administrator can review labels');
    for (const name of channelNames) {
      const access = channels[name].access;
      if (access === 'admin' || access === 'reviewer') expect(forbiddenMessage(name, 'clinician', access), name).not.toMatch(CHANNEL_LIKE);
    }
  });
});

describe('field labels', () => {
  it('turns schema paths into the words on the form', () => {
    expect(fieldLabel('birthDate')).toBe('Birth date');
    expect(fieldLabel('fields.ageBands.0')).toBe('Age bands (item 1)');
    expect(fieldLabel(['changes', 'mrn'])).toBe('MRN');
    expect(fieldLabel('outcomeNote')).toBe('Outcome note');
    expect(fieldLabel('somethingId')).toBe('Something');
    expect(fieldLabel('')).toBeNull();
    expect(fieldLabel([])).toBeNull();
  });
});
