import { z } from 'zod';
import { channel, event } from './define';

// The careplans feature's channels ('careplans:verb') and push events. Filled in by the careplans feature.
void z;
void channel;
void event;

export const careplansChannels = {};

export const careplansEvents = {};
