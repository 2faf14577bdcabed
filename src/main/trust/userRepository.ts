import type { Db } from '../db/connection';
import type { User } from '../../shared/domain/trust';
import type { Role } from '../../shared/domain/actor';

export interface UserRow {
  id: string;
  username: string;
  username_key: string;
  display_name: string;
  role: Role;
  password_hash: string;
  disabled: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  last_login_at: string | null;
  /** Migration 102; absent from rows built in code before it is set. */
  language?: string | null;
}

export function usernameKey(username: string): string {
  return username.trim().normalize('NFKC').toLowerCase();
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    createdBy: r.created_by,
    lastLoginAt: r.last_login_at,
  };
}

export function countUsers(db: Db): number {
  return db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
}

export function findUserById(db: Db, id: string): UserRow | undefined {
  return db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
}

export function findUserByName(db: Db, username: string): UserRow | undefined {
  return db.prepare('SELECT * FROM users WHERE username_key = ?').get(usernameKey(username)) as UserRow | undefined;
}

export function listUserRows(db: Db): UserRow[] {
  return db.prepare('SELECT * FROM users ORDER BY username_key').all() as UserRow[];
}

export function insertUser(db: Db, row: UserRow): void {
  db.prepare(
    `INSERT INTO users (id, username, username_key, display_name, role, password_hash, disabled, created_at, created_by, updated_at, last_login_at)
     VALUES (@id, @username, @username_key, @display_name, @role, @password_hash, @disabled, @created_at, @created_by, @updated_at, @last_login_at)`,
  ).run(row);
}

export function updateUserRow(db: Db, row: UserRow): void {
  db.prepare(
    `UPDATE users SET display_name = @display_name, role = @role, password_hash = @password_hash, disabled = @disabled,
       updated_at = @updated_at, last_login_at = @last_login_at WHERE id = @id`,
  ).run(row);
}

export function countActiveAdmins(db: Db): number {
  return db.prepare("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0").pluck().get() as number;
}

/** The user's chosen interface language (NULL: not chosen). */
export function setUserLanguage(db: Db, id: string, language: string | null, at: string): void {
  db.prepare('UPDATE users SET language = ?, updated_at = ? WHERE id = ?').run(language, at, id);
}
