import { z } from 'zod';
import { channel, event } from './define';

// The ml feature's channels ('ml:verb') and push events. Filled in by the ml feature.
void z;
void channel;
void event;

export const mlChannels = {};

export const mlEvents = {};
