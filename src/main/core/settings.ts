/**
 * The settings port: a small key-value store every feature may use for its own keys
 * (prefix them with the feature's name). The system feature owns the table behind it
 * (system/settings.ts); the composition root hands the implementation to Core.
 */
export interface Settings {
  get(key: string): string | null;
  set(key: string, value: string): void;
  /** Writes the value only when the key has none yet; returns the value stored either way. */
  setIfAbsent(key: string, value: string): string;
  delete(key: string): void;
  /** Runs fn in one transaction with the settings writes it makes (all or none). */
  transaction<T>(fn: () => T): T;
}
