import { z } from 'zod';
import { channel, event } from './define';

// The auth feature's channels ('auth:verb') and push events. Filled in by the auth feature.
void z;
void channel;
void event;

export const authChannels = {};

export const authEvents = {};
