import { z } from 'zod';
import { channel, event } from './define';
import { LANGUAGES, type AuthStatus, type BackupInfo, type StoreEncryptionProgress, type User } from '../domain/trust';

const username = z
  .string()
  .trim()
  .min(2, 'A username has at least 2 characters')
  .max(64, 'A username is at most 64 characters')
  .regex(/^[A-Za-z0-9._@-]+$/, 'Use letters, digits and . _ @ - only');
/** Long enough to resist guessing offline if the database key ever leaks; no composition rules. */
export const newPassword = z.string().min(10, 'A password has at least 10 characters').max(256, 'A password is at most 256 characters');
const password = z.string().min(1, 'Enter the password').max(256);
const displayName = z.string().trim().min(1, 'Name is required').max(120);
const role = z.enum(['clinician', 'reviewer', 'admin']);
const id = z.string().min(1).max(64);

export const authChannels = {
  'auth:status': channel<AuthStatus>()({
    input: z.object({}).strict(),
    access: 'public',
    audit: 'none',
    doc: 'Whether the app needs a first admin, who is logged in on this session and whether it is locked.',
  }),
  'auth:setup': channel<AuthStatus>()({
    input: z.object({ username, displayName, password: newPassword }).strict(),
    access: 'public',
    audit: 'auth',
    doc: 'Creates the first admin account (only while no user exists) and logs it in.',
  }),
  'auth:login': channel<AuthStatus>()({
    input: z.object({ username: z.string().trim().min(1, 'Enter your username').max(64), password }).strict(),
    access: 'public',
    audit: 'auth',
    doc: 'Logs a user in on this session.',
  }),
  'auth:logout': channel<AuthStatus>()({
    input: z.object({}).strict(),
    access: 'public',
    audit: 'auth',
    doc: 'Ends this session.',
  }),
  'auth:lock': channel<AuthStatus>()({
    input: z.object({}).strict(),
    access: 'public',
    audit: 'auth',
    doc: 'Locks this session now; the same user unlocks it with their password.',
  }),
  'auth:unlock': channel<AuthStatus>()({
    input: z.object({ password }).strict(),
    access: 'public',
    audit: 'auth',
    doc: "Unlocks this session with its user's password.",
  }),
  'auth:heartbeat': channel<{ idleMinutes: number }>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Tells the main process the user is active (keyboard or mouse), so the idle lock does not fire while they work.',
  }),
  'auth:changePassword': channel<{ changed: true }>()({
    input: z.object({ currentPassword: password, newPassword }).strict(),
    access: 'clinician',
    audit: 'auth',
    doc: "Changes the logged-in user's own password.",
  }),
  'auth:setLanguage': channel<AuthStatus>()({
    input: z.object({ language: z.enum(LANGUAGES) }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: "Sets the signed-in user's own interface language (remembered for their next sign-in).",
  }),
  'auth:listUsers': channel<User[]>()({
    input: z.object({}).strict(),
    access: 'admin',
    audit: 'none',
    doc: 'All user accounts (admin).',
  }),
  'auth:createUser': channel<User>()({
    input: z.object({ username, displayName, role, password: newPassword }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Adds a user account with a role (admin).',
  }),
  'auth:updateUser': channel<User>()({
    input: z
      .object({ id, changes: z.object({ displayName: displayName.optional(), role: role.optional(), disabled: z.boolean().optional() }).strict() })
      .strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Changes a user’s name, role or disabled flag (admin). The last active admin cannot be demoted or disabled.',
  }),
  'auth:resetPassword': channel<User>()({
    input: z.object({ id, password: newPassword }).strict(),
    access: 'admin',
    audit: 'change',
    doc: "Sets another user's password (admin), e.g. when they forgot it.",
  }),
  'auth:setIdleMinutes': channel<{ idleMinutes: number }>()({
    input: z.object({ minutes: z.number().int().min(1, 'At least 1 minute').max(240, 'At most 240 minutes') }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Sets how many idle minutes lock a session (admin).',
  }),
  'auth:backup': channel<BackupInfo>()({
    input: z.object({ file: z.string().min(1).max(4096).optional() }).strict(),
    access: 'admin',
    audit: 'export',
    doc: 'Writes a consistent backup (database and image store) to the data folder’s backups/ (admin); only the CLI may name another file.',
  }),
};

/**
 * Push events. 'auth:changed' carries nothing (events reach every window and browser, and
 * a session id must never reach another session): each renderer asks auth:status again.
 */
export const authEvents = {
  'auth:changed': event<Record<string, never>>(),
  /** Encrypting files stored before encryption (at start-up, in the background): progress for administrators. */
  'auth:storeEncryption': event<StoreEncryptionProgress>(),
};
