#!/usr/bin/env node
'use strict';
// The `carelens` command: runs the built CLI (out/main/cli.js, made by `npm run build`,
// which `npm install` runs through the prepare script).
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'out', 'main', 'cli.js');
if (!fs.existsSync(built)) {
  process.stderr.write('carelens: the CLI is not built yet. Run `npm run build` in ' + path.dirname(__dirname) + ' first.\n');
  process.exit(1);
}
// `carelens ... | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode || 0);
    throw err;
  });
}
require(built)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write('carelens: ' + (err && err.stack ? err.stack : String(err)) + '\n');
      process.exitCode = 1;
    },
  );
