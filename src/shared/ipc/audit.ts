import { z } from 'zod';
import { channel } from './define';
import type { AuditPage, AuditVerification } from '../domain/trust';

const isoTime = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'Not a date or time');

export const auditFilter = z
  .object({
    /** A username (exact). */
    user: z.string().max(64).optional(),
    /** A patient's CareLens id, MRN, or part of their name. */
    patient: z.string().max(200).optional(),
    /** A channel ('patients:get'), a channel prefix ('patients:'), or an audit kind ('change'). */
    action: z.string().max(80).optional(),
    /** 'ok', 'error' (any failure), or an error code. */
    outcome: z.string().max(40).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .strict();

export type AuditFilter = z.infer<typeof auditFilter>;

export const auditChannels = {
  'audit:list': channel<AuditPage>()({
    input: auditFilter.extend({ limit: z.number().int().min(1).max(1000).optional(), offset: z.number().int().min(0).optional() }).strict(),
    access: 'admin',
    audit: 'read',
    doc: 'Audit trail rows, newest first, filtered by user, patient, action, outcome and time (admin).',
  }),
  'audit:verify': channel<AuditVerification>()({
    input: z.object({}).strict(),
    access: 'admin',
    audit: 'read',
    doc: 'Walks the hash chain and names the first row that was changed or removed (admin).',
  }),
  'audit:export': channel<{ csv: string; rows: number }>()({
    input: auditFilter,
    access: 'admin',
    audit: 'export',
    doc: 'The (filtered) audit trail as CSV (admin).',
  }),
};

export const auditEvents = {};
