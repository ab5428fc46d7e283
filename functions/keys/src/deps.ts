import { getPool } from '@somnus/db';
import { keyHistorySigningKey, systemClock, type BaseDeps, type KeyHistorySigningKey } from '@somnus/runtime';

/**
 * keys reads key material as clients stored it: it needs no server secret and sends no mail. It signs
 * key-history heads with its own key (docs/key-authenticity.md §2.2), read at first use.
 */
export interface KeysDeps extends BaseDeps {
  historySigningKey: () => KeyHistorySigningKey;
}

export const keysDeps = (): KeysDeps => ({ db: getPool(), clock: systemClock, historySigningKey: keyHistorySigningKey });
