import { z } from 'zod';
import { channel, event } from './define';

// The reports feature's channels ('reports:verb') and push events. Filled in by the reports feature.
void z;
void channel;
void event;

export const reportsChannels = {};

export const reportsEvents = {};
