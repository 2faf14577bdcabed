import { z } from 'zod';
import { channel, event } from './define';

// The imaging feature's channels ('imaging:verb') and push events. Filled in by the imaging feature.
void z;
void channel;
void event;

export const imagingChannels = {};

export const imagingEvents = {};
