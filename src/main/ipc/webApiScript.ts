import { channelNames, eventNames } from '../../shared/ipc/contract';
import { BINARY_ENVELOPE_DECODER, ENVELOPE_TYPE } from './binaryEnvelope';

/**
 * The script the web host serves as /carelens-api.js: it gives the page a `window.api`
 * of the same shape as the Electron preload's, over fetch (calls) and server-sent
 * events (push events). Plain ES2020, no imports: it runs before the app's bundle.
 */
export function webApiScript(): string {
  return `(() => {
  'use strict';
  const channels = ${JSON.stringify(channelNames)};
  const eventNames = ${JSON.stringify(eventNames)};
  // The host redirects a sign-in link to '/'; should a token ever reach the page, keep it out of history.
  if (/[?&]token=/.test(location.search)) history.replaceState(null, '', location.pathname + location.hash);
  // Calls after which the host has given this page a new session cookie: the event stream reconnects on it.
  // Answers holding bytes (viewer frames) arrive as the binary envelope (binaryEnvelope.ts).
  const decodeEnvelope = ${BINARY_ENVELOPE_DECODER};
  const renewing = new Set(['auth:setup', 'auth:login', 'auth:unlock', 'auth:logout', 'auth:changePassword']);
  const call = async (channel, input) => {
    try {
      const response = await fetch('/api/' + encodeURIComponent(channel), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(input === undefined ? {} : input),
      });
      const binary = (response.headers.get('content-type') || '').startsWith(${JSON.stringify(ENVELOPE_TYPE)});
      const result = binary ? decodeEnvelope(await response.arrayBuffer()) : await response.json();
      if (result && result.ok && renewing.has(channel)) reconnect();
      return result;
    } catch (err) {
      return { ok: false, error: { code: 'INTERNAL', message: 'CareLens is not reachable: ' + (err && err.message ? err.message : String(err)) } };
    }
  };
  const api = {};
  for (const channel of channels) {
    const i = channel.indexOf(':');
    const feature = channel.slice(0, i);
    const verb = channel.slice(i + 1);
    (api[feature] = api[feature] || {})[verb] = (input) => call(channel, input);
  }
  const listeners = new Map();
  let source = null;
  const reconnect = () => {
    if (!source) return;
    source.close();
    source = null;
    ensureSource();
  };
  const ensureSource = () => {
    if (source) return;
    source = new EventSource('/events');
    for (const name of eventNames) {
      source.addEventListener(name, (message) => {
        let payload;
        try { payload = JSON.parse(message.data); } catch { return; }
        for (const listener of listeners.get(name) || []) {
          try { listener(payload); } catch (err) { console.error(err); }
        }
      });
    }
  };
  api.on = (name, listener) => {
    if (!eventNames.includes(name)) throw new Error('Unknown event: ' + name);
    ensureSource();
    if (!listeners.has(name)) listeners.set(name, new Set());
    listeners.get(name).add(listener);
    return () => { listeners.get(name).delete(listener); };
  };
  Object.defineProperty(window, 'api', { value: Object.freeze(api), writable: false, configurable: false });
})();
`;
}
