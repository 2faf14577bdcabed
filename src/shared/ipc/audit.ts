import { z } from 'zod';
import { channel, event } from './define';

// The audit feature's channels ('audit:verb') and push events. Filled in by the audit feature.
void z;
void channel;
void event;

export const auditChannels = {};

export const auditEvents = {};
