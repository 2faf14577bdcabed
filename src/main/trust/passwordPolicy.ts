import { AppError } from '../../shared/ipc/envelope';

/**
 * What a new password must be, in the spirit of NIST SP 800-63B (5.1.1.2): long enough (the
 * contract asks 10 characters), not a known common password, not repetitive or a keyboard or
 * counting run, not the user's own name or the app's. No composition rules (no "one digit, one
 * symbol"): they make passwords harder to remember, not to guess. Applied when a password is
 * set (first admin, new user, reset, change); existing users keep theirs until they change it.
 */

/** At least this many different characters: "aaaaaaaaaa" or ten spaces have one. */
export const MIN_DISTINCT_CHARACTERS = 5;

/**
 * A small list of passwords that lead every published list of leaked passwords, at the length
 * CareLens asks for (shorter ones are refused by length already). Compared without case and spaces.
 */
const COMMON = new Set([
  '1234567890', '0123456789', '0987654321', '12345678910', '123456789012', '1234567890123', '11111111111',
  'qwertyuiop', 'qwertyuiop123', 'asdfghjkl1', 'zxcvbnm123', '1qaz2wsx3edc', 'qwerty123456', 'q1w2e3r4t5',
  'q1w2e3r4t5y6', '1q2w3e4r5t', '1q2w3e4r5t6y', 'password12', 'password123', 'password1234', 'passw0rd123',
  'password!', 'password01', 'iloveyou12', 'iloveyou123', 'letmein123', 'welcome123', 'welcome1234',
  'changeme123', 'administrator', 'admin12345', 'admin123456', 'abc1234567', 'abcdefghij', 'abcd123456',
  'football123', 'baseball123', 'princess123', 'sunshine123', 'superman123', 'starwars123', 'monkey12345',
  'dragon12345', 'trustno1234', 'hello12345', 'whatever123', 'computer123', 'qazwsxedc123', 'qazwsxedcrfv',
  'zaq12wsxcde3', 'zaq1zaq1zaq1', 'p@ssw0rd123', 'p@ssword123', 'secret1234', 'hospital123', 'doctor1234',
  'nurse12345', 'medical123', 'patient123', 'clinic1234', 'summer2024', 'winter2024', 'spring2025',
  'summer2025', 'autumn2025', 'winter2025', 'summer2026', 'winter2026', 'carelens123', 'carelens2026',
]);

const RUNS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz2wsx3edc4rfv'];

/** Whether the password is one run of counting or keyboard characters, forwards or backwards ("1234567890", "0987654321"). */
function isRun(p: string): boolean {
  if (p.length < 4) return false;
  return RUNS.some((run) =>
    [run, [...run].reverse().join('')].some((seq) =>
      [...p].every((c, i) => {
        if (i === 0) return seq.includes(c);
        const at = seq.indexOf(p[i - 1]!);
        return at >= 0 && seq[(at + 1) % seq.length] === c;
      }),
    ),
  );
}

/** Why this password may not be set (words a person can act on), or null when it may. */
export function passwordProblem(password: string, context: { username?: string; displayName?: string } = {}): string | null {
  const plain = password.normalize('NFC').toLowerCase().replace(/\s+/g, '');
  const advice = 'Choose a longer phrase of a few unrelated words, for example four words you will remember.';
  if (password.trim().length === 0) return `A password cannot be only spaces. ${advice}`;
  if (new Set([...password]).size < MIN_DISTINCT_CHARACTERS) {
    return `This password repeats too few characters (it needs at least ${MIN_DISTINCT_CHARACTERS} different ones). ${advice}`;
  }
  if (COMMON.has(plain)) return `This is one of the most common passwords, the first that anyone guessing would try. ${advice}`;
  if (isRun(plain)) return `This password is a run of keys or numbers in order, easy to guess. ${advice}`;
  const own = [context.username, context.displayName].filter((s): s is string => Boolean(s && s.trim().length >= 3)).map((s) => s.toLowerCase().replace(/\s+/g, ''));
  const withoutDigits = plain.replace(/[0-9!@#$%^&*._-]+$/, '');
  if (own.some((s) => withoutDigits === s || plain === s) || withoutDigits === 'carelens') {
    return `A password cannot be your own name or the app's name. ${advice}`;
  }
  return null;
}

/** Throws VALIDATION (on the given form field) when the password may not be set. */
export function assertPasswordAllowed(password: string, field: string, context: { username?: string; displayName?: string } = {}): void {
  const problem = passwordProblem(password, context);
  if (!problem) return;
  // The catalogue key of each of passwordProblem's sentences (the renderer shows it in the user's language).
  const key = (
    [
      ['A password cannot be only spaces', 'errors.trust.passwordOnlySpaces'],
      ['This password repeats too few', 'errors.trust.passwordFewCharacters'],
      ['This is one of the most common', 'errors.trust.passwordCommon'],
      ['This password is a run', 'errors.trust.passwordRun'],
      ['A password cannot be your own name', 'errors.trust.passwordOwnName'],
    ] as const
  ).find(([start]) => problem.startsWith(start))?.[1];
  const ref = key ? { key, params: { min: MIN_DISTINCT_CHARACTERS } } : null;
  throw new AppError('VALIDATION', problem, ref ? { ...ref, issues: [{ path: field, message: problem, ...ref }] } : [{ path: field, message: problem }]);
}
