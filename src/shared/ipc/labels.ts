import { z } from 'zod';
import { channel, event } from './define';

// The labels feature's channels ('labels:verb') and push events. Filled in by the labels feature.
void z;
void channel;
void event;

export const labelsChannels = {};

export const labelsEvents = {};
