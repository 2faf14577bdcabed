/**
 * PACS nodes: SQL over pacs_nodes. Secrets (a password or bearer token) and the CA file are
 * sealed with AES-256-GCM under a key derived from the database key, on top of the encrypted
 * database; `toPublic` is the only shape that leaves this feature, and it carries no secret.
 */
import { hkdfSync } from 'node:crypto';
import type { Db } from '../db/types';
import { databaseKeyOf } from '../db/connection';
import { openStoreBytes, sealStoreBytes } from '../trust/storeCrypto';
import type { PacsNode } from '../../shared/domain/pacs';
import type { DicomWebEndpoint, DimseEndpoint } from './protocol/types';

/** The calling AE title CareLens uses when a node does not name one. */
export const DEFAULT_CALLING_AET = 'CARELENS';

interface NodeRow {
  id: string;
  name: string;
  dicomweb_url: string | null;
  auth_kind: 'none' | 'basic' | 'bearer';
  auth_user: string | null;
  auth_secret: Buffer | null;
  ca_pem: Buffer | null;
  dimse_called_aet: string | null;
  dimse_host: string | null;
  dimse_port: number | null;
  dimse_calling_aet: string | null;
  dimse_retrieve: 'get' | 'move';
  dimse_move_port: number | null;
  research: number;
  created_by: string;
  created_at: string;
}

/** A node with what the wire clients need (secrets opened): main process only. */
export interface NodeWithSecrets {
  node: PacsNode;
  dicomweb: DicomWebEndpoint | null;
  dimse: DimseEndpoint | null;
}

export interface NewNode {
  id: string;
  name: string;
  dicomweb?: { baseUrl: string; auth?: { kind: 'none' } | { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string }; caPem?: string };
  dimse?: { calledAet: string; host: string; port: number; callingAet?: string; retrieve?: 'get' | 'move'; movePort?: number };
  research?: boolean;
  createdBy: string;
  createdAt: string;
}

function secretKey(db: Db): Buffer | null {
  const k = databaseKeyOf(db);
  return k ? Buffer.from(hkdfSync('sha256', Buffer.from(k.hex, 'hex'), Buffer.from('carelens'), Buffer.from('pacs-secrets-v1'), 32)) : null;
}

function seal(db: Db, text: string | undefined): Buffer | null {
  if (text === undefined) return null;
  const key = secretKey(db);
  const plain = Buffer.from(text, 'utf8');
  return key ? sealStoreBytes(key, plain) : plain;
}

function open(db: Db, data: Buffer | null): string | null {
  return data ? openStoreBytes(secretKey(db), Buffer.from(data)).toString('utf8') : null;
}

function toPublic(r: NodeRow): PacsNode {
  return {
    id: r.id,
    name: r.name,
    dicomweb: r.dicomweb_url ? { baseUrl: r.dicomweb_url, auth: r.auth_kind, user: r.auth_kind === 'basic' ? r.auth_user : null, hasSecret: r.auth_secret !== null, hasCa: r.ca_pem !== null } : null,
    dimse:
      r.dimse_called_aet && r.dimse_host && r.dimse_port
        ? { calledAet: r.dimse_called_aet, host: r.dimse_host, port: r.dimse_port, callingAet: r.dimse_calling_aet ?? DEFAULT_CALLING_AET, retrieve: r.dimse_retrieve, movePort: r.dimse_move_port }
        : null,
    research: r.research === 1,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function insertNode(db: Db, n: NewNode): void {
  const auth = n.dicomweb?.auth ?? { kind: 'none' as const };
  db.prepare(
    `INSERT INTO pacs_nodes (id, name, dicomweb_url, auth_kind, auth_user, auth_secret, ca_pem, dimse_called_aet, dimse_host, dimse_port, dimse_calling_aet, dimse_retrieve, dimse_move_port, research, created_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    n.id,
    n.name,
    n.dicomweb ? n.dicomweb.baseUrl.replace(/\/+$/, '') : null,
    n.dicomweb ? auth.kind : 'none',
    auth.kind === 'basic' ? auth.user : null,
    auth.kind === 'basic' ? seal(db, auth.password) : auth.kind === 'bearer' ? seal(db, auth.token) : null,
    seal(db, n.dicomweb?.caPem),
    n.dimse?.calledAet ?? null,
    n.dimse?.host ?? null,
    n.dimse?.port ?? null,
    n.dimse ? (n.dimse.callingAet ?? DEFAULT_CALLING_AET) : null,
    n.dimse?.retrieve ?? 'get',
    n.dimse?.movePort ?? null,
    n.research ? 1 : 0,
    n.createdBy,
    n.createdAt,
  );
}

export function listNodes(db: Db): PacsNode[] {
  return (db.prepare('SELECT * FROM pacs_nodes WHERE removed_at IS NULL ORDER BY name').all() as NodeRow[]).map(toPublic);
}

/** A node by id or (case-insensitive) name, with its secrets opened for the wire clients. */
export function findNode(db: Db, idOrName: string): NodeWithSecrets | null {
  const r = db.prepare('SELECT * FROM pacs_nodes WHERE removed_at IS NULL AND (id = ? OR name = ? COLLATE NOCASE) ORDER BY id = ? DESC LIMIT 1').get(idOrName, idOrName, idOrName) as NodeRow | undefined;
  if (!r) return null;
  const node = toPublic(r);
  const secret = open(db, r.auth_secret);
  const caPem = open(db, r.ca_pem);
  const dicomweb: DicomWebEndpoint | null = node.dicomweb
    ? {
        baseUrl: node.dicomweb.baseUrl,
        ...(r.auth_kind === 'basic' && secret !== null ? { auth: { kind: 'basic' as const, user: r.auth_user ?? '', password: secret } } : {}),
        ...(r.auth_kind === 'bearer' && secret !== null ? { auth: { kind: 'bearer' as const, token: secret } } : {}),
        ...(caPem ? { caPem } : {}),
      }
    : null;
  const d = node.dimse;
  const dimse: DimseEndpoint | null = d
    ? {
        calledAet: d.calledAet,
        host: d.host,
        port: d.port,
        callingAet: d.callingAet,
        // C-MOVE: the PACS sends to our storage SCP under our calling AE title, on this machine.
        ...(d.retrieve === 'move' && d.movePort ? { retrieve: 'move' as const, moveDestination: { aet: d.callingAet, port: d.movePort } } : {}),
      }
    : null;
  return { node, dicomweb, dimse };
}

/** Removes a node from use (its retrieves and sends keep naming it). */
export function removeNode(db: Db, id: string, at: string): boolean {
  // The name is freed for a new node: a removed one keeps its row under a tombstone name.
  return db.prepare("UPDATE pacs_nodes SET removed_at = ?, name = name || ' (removed ' || ? || ')' WHERE id = ? AND removed_at IS NULL").run(at, at, id).changes > 0;
}

/** A node's name even after it was removed (for retrieve and send records). */
export function nodeName(db: Db, id: string): string {
  return (db.prepare('SELECT name FROM pacs_nodes WHERE id = ?').pluck().get(id) as string | undefined) ?? id;
}
