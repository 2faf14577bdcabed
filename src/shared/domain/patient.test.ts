import { describe, expect, it } from 'vitest';
import { isPlaceholderName } from './patient';

describe('isPlaceholderName', () => {
  it('knows the names de-identification and test tools write in place of a name', () => {
    for (const n of ['Anonymized', 'ANONYMISED', 'Anonymous^Patient', 'anonymous', 'Unknown', '^', '', '  ', 'XXX^XX', 'Test^Patient', 'NO NAME', 'N/A']) expect(isPlaceholderName(n), n).toBe(true);
  });
  it('leaves real names alone, in Latin and Chinese script', () => {
    for (const n of ['Roe^Jane', 'Anna Nonymous', 'Patientia^Maria', 'Testa^Gianni', '王^小明', 'Citizen^Jan', 'Xu^Li']) expect(isPlaceholderName(n), n).toBe(false);
  });
});
