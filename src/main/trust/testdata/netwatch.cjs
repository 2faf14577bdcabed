/**
 * Preloaded (node --require) into a CareLens process by the network test: records every
 * attempt to open a TCP/UDP connection or resolve a name, to the file in
 * CARELENS_NETWATCH_LOG, one JSON line each, before letting it proceed.
 */
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');
const log = process.env.CARELENS_NETWATCH_LOG;
const note = (kind, detail) => {
  try {
    fs.appendFileSync(log, JSON.stringify({ kind, detail, stack: new Error().stack.split('\n').slice(2, 6).join(' | ') }) + '\n');
  } catch {
    // nothing to do
  }
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const a = args[0];
  const target = Array.isArray(a) ? a[0] : a;
  const detail = typeof target === 'object' && target !== null ? { host: target.host ?? 'localhost', port: target.port, path: target.path } : { port: target, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  note('tcp', detail);
  return connect.apply(this, args);
};
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  note('udp', { args: args.slice(1).filter((x) => typeof x !== 'function').map(String) });
  return send.apply(this, args);
};
for (const fn of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const orig = dns[fn];
  dns[fn] = function (host, ...rest) {
    note('dns', { fn, host });
    return orig.call(this, host, ...rest);
  };
  const p = dns.promises[fn];
  dns.promises[fn] = function (host, ...rest) {
    note('dns', { fn, host });
    return p.call(this, host, ...rest);
  };
}
const fetchOrig = globalThis.fetch;
if (fetchOrig) {
  globalThis.fetch = function (input, init) {
    note('fetch', { url: String(input && input.url ? input.url : input) });
    return fetchOrig.call(this, input, init);
  };
}
