/** Who acts in CareLens: the roles a user can hold, and the caller every channel sees. */

/** A user's role. 'system' is not a role a user can hold: it is the CLI's built-in actor. */
export type Role = 'clinician' | 'reviewer' | 'admin';
export const ROLES: readonly Role[] = ['clinician', 'reviewer', 'admin'];

/** Who is calling. The CLI acts as the built-in 'system' actor. */
export interface Actor {
  id: string;
  username: string;
  role: Role | 'system';
}

export const SYSTEM_ACTOR: Actor = { id: 'system', username: 'system', role: 'system' };
