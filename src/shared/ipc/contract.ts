/**
 * The typed contract between the renderer and the main process: every channel
 * ('feature:verb') with its input schema, output type, access level and audit kind,
 * and every push event. Pure TypeScript: no electron, no node:*, no DOM.
 *
 * A feature adds its channels in its own file (src/shared/ipc/<feature>.ts); this file
 * only gathers them.
 */
import type { z } from 'zod';
import type { Result } from './envelope';
import { systemChannels, systemEvents } from './system';
import { patientsChannels, patientsEvents } from './patients';
import { authChannels, authEvents } from './auth';
import { auditChannels, auditEvents } from './audit';
import { imagingChannels, imagingEvents } from './imaging';
import { labelsChannels, labelsEvents } from './labels';
import { mlChannels, mlEvents } from './ml';
import { careplansChannels, careplansEvents } from './careplans';
import { reportsChannels, reportsEvents } from './reports';
import { pacsChannels, pacsEvents } from './pacs';
import { measurementsChannels } from './measurements';

export const channels = {
  ...systemChannels,
  ...patientsChannels,
  ...authChannels,
  ...auditChannels,
  ...imagingChannels,
  ...labelsChannels,
  ...mlChannels,
  ...careplansChannels,
  ...reportsChannels,
  ...pacsChannels,
  ...measurementsChannels,
};

export const events = {
  ...systemEvents,
  ...patientsEvents,
  ...authEvents,
  ...auditEvents,
  ...imagingEvents,
  ...labelsEvents,
  ...mlEvents,
  ...careplansEvents,
  ...reportsEvents,
  ...pacsEvents,
};

export type Channels = typeof channels;
export type ChannelName = keyof Channels & string;
export type Events = typeof events;
export type EventName = keyof Events & string;

/** What a caller passes (before defaults and transforms). */
export type InputOf<C extends ChannelName> = z.input<Channels[C]['input']>;
/** What a handler receives (after validation). */
export type ParsedInputOf<C extends ChannelName> = z.output<Channels[C]['input']>;
export type OutputOf<C extends ChannelName> = Channels[C]['output'];
export type EventPayload<E extends EventName> = Events[E] extends { payload: infer P } ? P : never;

export const channelNames = Object.keys(channels) as ChannelName[];
export const eventNames = Object.keys(events) as EventName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

type FeatureOf<C extends string> = C extends `${infer F}:${string}` ? F : never;

/**
 * The shape of `window.api`, the same from the preload and from the web host:
 * `api.patients.create(input)` calls 'patients:create'; `api.on(event, cb)` subscribes
 * and returns an unsubscribe function.
 */
export type Api = {
  [F in FeatureOf<ChannelName>]: {
    [C in ChannelName as C extends `${F}:${infer V}` ? V : never]: (input: InputOf<C>) => Promise<Result<OutputOf<C>>>;
  };
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** Splits 'feature:verb' into its parts. */
export function splitChannel(name: string): [string, string] {
  const i = name.indexOf(':');
  return [name.slice(0, i), name.slice(i + 1)];
}
