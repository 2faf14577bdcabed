import { safeStorage } from 'electron';
import type { KeyProtector } from '../trust/keys';

/**
 * The OS keychain through Electron's safeStorage (Keychain on macOS, DPAPI on Windows,
 * libsecret/kwallet on Linux), for sealing the database key. On Linux without a keyring
 * safeStorage falls back to a hard-coded password ('basic_text'): that protects nothing,
 * so it counts as unavailable and the owner-only key file is used instead.
 */
export function electronKeychain(): KeyProtector {
  return {
    isAvailable() {
      if (!safeStorage.isEncryptionAvailable()) return false;
      if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return false;
      return true;
    },
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (sealed) => safeStorage.decryptString(sealed),
  };
}
