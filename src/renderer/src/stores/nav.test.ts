import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { hashOf, parseHash, useNavStore } from './nav';

beforeEach(() => {
  setActivePinia(createPinia());
  history.replaceState(null, '', '#/patients');
});

describe('the address carries the patient', () => {
  it('writes and reads #/<section>/<patientId>?<other params>', () => {
    expect(hashOf('images', { patientId: 'p 1/x' })).toBe('#/images/p%201%2Fx');
    expect(parseHash('#/images/p%201%2Fx')).toEqual({ section: 'images', params: { patientId: 'p 1/x' } });
    expect(hashOf('images', { unassigned: '1' })).toBe('#/images?unassigned=1');
    expect(parseHash('#/images?unassigned=1')).toEqual({ section: 'images', params: { unassigned: '1' } });
    expect(hashOf('diagnose', { imageId: 'i1', patientId: 'p1' })).toBe('#/diagnose/p1?imageId=i1');
    expect(parseHash('#/diagnose/p1?imageId=i1')).toEqual({ section: 'diagnose', params: { patientId: 'p1', imageId: 'i1' } });
    // A patient id in the query cannot slip past the path; unknown sections open Patients with nothing.
    expect(parseHash('#/careplans?patientId=p9')).toEqual({ section: 'careplans', params: {} });
    expect(parseHash('#/nowhere/p1')).toEqual({ section: 'patients', params: {} });
    expect(parseHash('')).toEqual({ section: 'patients', params: {} });
    expect(parseHash('#/images/%E0%A4%A')).toEqual({ section: 'images', params: {} });
  });

  it('go() replaces the params (nothing carried over) and keeps them in the hash, so a reload opens the same patient', () => {
    const nav = useNavStore();
    nav.go('images', { patientId: 'pA' });
    expect(location.hash).toBe('#/images/pA');
    nav.go('careplans');
    expect(nav.params).toEqual({});
    expect(location.hash).toBe('#/careplans');
    nav.go('nowhere', { patientId: 'x' });
    expect(nav.current).toBe('careplans');

    history.replaceState(null, '', '#/reports/pB');
    setActivePinia(createPinia());
    const reloaded = useNavStore();
    expect([reloaded.current, reloaded.params]).toEqual(['reports', { patientId: 'pB' }]);
    history.replaceState(null, '', '#/images/pC');
    const before = reloaded.visits;
    reloaded.syncFromHash();
    expect([reloaded.current, reloaded.params, reloaded.visits]).toEqual(['images', { patientId: 'pC' }, before + 1]);
  });
});
