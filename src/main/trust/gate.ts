import type { Gate, CallRecord } from '../ipc/dispatch';
import type { Db } from '../db/connection';
import type { AuditLog } from '../audit/AuditLog';
import { patientsTouched, redactForAudit } from '../audit/patientsTouched';
import type { TrustService } from './TrustService';

const SECURITY_CODES = new Set(['FORBIDDEN', 'UNAUTHENTICATED', 'LOCKED']);
const MAX_DETAIL = 2000;

/** Whether a call goes into the audit trail. */
export function shouldAudit(call: Pick<CallRecord, 'audit' | 'result'>): boolean {
  if (call.audit === null) return true; // an unknown channel: someone is probing
  if (call.audit !== 'none') return true;
  return !call.result.ok && SECURITY_CODES.has(call.result.error.code);
}

/**
 * The gate every call passes through: `authorize` is the role check (TrustService),
 * `record` appends the call to the hash-chained audit trail with who, what, which
 * patients, when and the outcome.
 */
export function createTrustGate(db: Db, trust: TrustService, audit: AuditLog): Gate {
  return {
    authorize: (channel, access, ctx) => trust.authorize(channel, access, ctx),
    record(call) {
      if (!shouldAudit(call)) return;
      const { ctx, result } = call;
      const outcome = result.ok ? 'ok' : result.error.code;
      // The audit view's own results name patients it did not open; auth calls touch none.
      const fromResult = result.ok && !call.channel.startsWith('audit:') ? result.value : null;
      const patientIds = call.audit === 'auth' ? [] : patientsTouched(db, call.channel, call.input, fromResult);
      let detail = JSON.stringify({ input: redactForAudit(call.input), ...(result.ok ? {} : { error: result.error.message.slice(0, 300) }) }) ?? '';
      if (detail.length > MAX_DETAIL) detail = detail.slice(0, MAX_DETAIL) + '…';
      audit.append({
        actorId: ctx.actor?.id ?? '',
        actorName: ctx.actor?.username ?? 'anonymous',
        actorRole: ctx.actor?.role ?? 'none',
        transport: ctx.transport,
        channel: call.channel,
        kind: call.audit ?? 'unknown',
        outcome,
        patientIds,
        detail,
      });
    },
  };
}
