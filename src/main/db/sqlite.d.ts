// better-sqlite3-multiple-ciphers is better-sqlite3 with SQLite3MultipleCiphers compiled in;
// its API (and so its types) is better-sqlite3's.
declare module 'better-sqlite3-multiple-ciphers' {
  import Database = require('better-sqlite3');
  export = Database;
}
