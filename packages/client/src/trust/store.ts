/**
 * What the SDK remembers between runs to notice a key or a history that changed behind its back
 * (docs/key-authenticity.md §3). Pluggable: in memory by default (a fresh client trusts on first use again),
 * a file for the CLI (cli/trust-file.ts). Nothing in it is secret, but it is integrity-critical: whoever can
 * write it can make the SDK trust a key, hence mode 0600 for the file.
 */

/** The public history-signing key first seen (TOFU). */
export interface PinnedSigningKey {
  kid: string;
  x: string;
}

/** The last key-history entry seen for an account. */
export interface SeenHistory {
  seq: number;
  hash: string;
}

export interface TrustState {
  signingKey: PinnedSigningKey | null;
  /** By account id. */
  histories: Record<string, SeenHistory>;
  /** By org id, then account id: the fingerprint pinned when a key was first wrapped for that member. */
  pins: Record<string, Record<string, string>>;
}

export interface TrustStore {
  read(): Promise<TrustState>;
  write(state: TrustState): Promise<void>;
}

export const emptyTrustState = (): TrustState => ({ signingKey: null, histories: {}, pins: {} });

export class MemoryTrustStore implements TrustStore {
  private state: TrustState;
  constructor(initial: TrustState = emptyTrustState()) {
    this.state = structuredClone(initial);
  }
  async read(): Promise<TrustState> {
    return structuredClone(this.state);
  }
  async write(state: TrustState): Promise<void> {
    this.state = structuredClone(state);
  }
}

/** A stored state as read from disk, checked field by field (a corrupted file must not mean "trust anything"). */
export function parseTrustState(value: unknown): TrustState {
  const fail = (what: string): never => {
    throw new TypeError(`trust store: ${what}`);
  };
  if (!value || typeof value !== 'object') fail('not an object');
  const v = value as Record<string, unknown>;
  const state = emptyTrustState();
  if (v.signingKey != null) {
    const k = v.signingKey as Record<string, unknown>;
    if (typeof k.kid !== 'string' || typeof k.x !== 'string') fail('signingKey');
    state.signingKey = { kid: k.kid as string, x: k.x as string };
  }
  for (const [id, h] of Object.entries((v.histories ?? {}) as Record<string, unknown>)) {
    const e = h as Record<string, unknown>;
    if (!Number.isInteger(e?.seq) || typeof e?.hash !== 'string') fail(`histories.${id}`);
    state.histories[id] = { seq: e.seq as number, hash: e.hash as string };
  }
  for (const [org, members] of Object.entries((v.pins ?? {}) as Record<string, unknown>)) {
    if (!members || typeof members !== 'object') fail(`pins.${org}`);
    state.pins[org] = {};
    for (const [id, fp] of Object.entries(members as Record<string, unknown>)) {
      if (typeof fp !== 'string') fail(`pins.${org}.${id}`);
      state.pins[org]![id] = fp as string;
    }
  }
  return state;
}
