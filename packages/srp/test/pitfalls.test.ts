/**
 * One test per known SRP pitfall. Each would catch a specific, realistic bug: a missing range
 * check on A, a missing PAD, the wrong k, deriving M2 before checking M1, a non-constant-time or
 * sloppy compare, or lenient hex parsing.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  computeClientSession,
  computeVerifier,
  createClientEphemeral,
  createServerEphemeral,
  isValidClientPublicKey,
  N_HEX,
  SRP_PROFILES,
  verifyClientProof,
  verifyServerProof,
  type ServerSessionInput,
  type SrpProfile,
} from '../src';
import { padHex } from '../src/bytes';
import { bigintModPow, modPowG } from '../src/modexp';
import { PROFILE_IMPLS } from '../src/profiles';
import { computeServerPublic } from '../src/server';
import fixture from './fixtures/vectors.json';
import { flipBit, kong, linus, randomSaltHex } from './support/references';

// The live module object (an `import * as` would be an interop copy that spies cannot reach).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeCrypto = require('node:crypto') as typeof import('node:crypto');

const N = BigInt(`0x${N_HEX}`);
const hex512 = (n: bigint): string => n.toString(16).padStart(512, '0');
const identity = 'pitfall@example.com';

/** A complete, valid login transcript to mutate one field at a time. */
function transcript(profile: SrpProfile): ServerSessionInput & { expectedM2Hex: string } {
  const saltHex = randomSaltHex();
  const password = profile === 'insomnia' ? randomBytes(32) : 'pässword';
  const verifierHex = computeVerifier(profile, identity, saltHex, password);
  const { aHex, AHex } = createClientEphemeral();
  const { bHex, BHex } = createServerEphemeral(profile, verifierHex);
  const session = computeClientSession({ profile, identity, saltHex, password, aHex, AHex, BHex });
  return { profile, identity, saltHex, verifierHex, AHex, bHex, BHex, M1Hex: session.M1Hex, expectedM2Hex: session.expectedM2Hex };
}

function vector(name: string) {
  const v = fixture.vectors.find((x) => x.name === name);
  if (!v) throw new Error(`missing vector ${name}`);
  return v;
}

describe('client public key A is range-checked before any arithmetic', () => {
  const multiplesOfN = [0n, 1n, 2n, 3n].map((k) => (k * N).toString(16));
  const bad: Array<[string, string]> = [
    ['A = 0 (one digit)', '0'],
    ['A = 0 (512 zeros)', '0'.repeat(512)],
    ['A = N', N_HEX],
    ['A = N (uppercase)', N_HEX.toUpperCase()],
    ['A = N + 1', hex512(N + 1n)],
    ['A = 2^2048 - 1 (> N)', 'f'.repeat(512)],
    ['A = 2N (513 hex, ≡ 0 mod N)', (2n * N).toString(16)],
    ['A = N with extra leading zeros (513 hex)', `0${N_HEX}`],
  ];

  it.each(bad)('%s is not a valid client public key', (_label, AHex) => {
    expect(isValidClientPublicKey(AHex)).toBe(false);
  });

  it('every A ≡ 0 (mod N) is rejected, whatever its length', () => {
    for (const AHex of multiplesOfN) expect(isValidClientPublicKey(AHex)).toBe(false);
  });

  it.each(SRP_PROFILES.map((p) => [p]))('%s: the server answers BAD_CLIENT_PUBLIC and no M2', (profile) => {
    const t = transcript(profile);
    for (const [, AHex] of bad) {
      const result = verifyClientProof({ ...t, AHex });
      expect(result).toEqual({ ok: false, reason: 'BAD_CLIENT_PUBLIC' });
    }
  });

  it('the boundary values 1 and N-1 are valid', () => {
    expect(isValidClientPublicKey('1')).toBe(true);
    expect(isValidClientPublicKey(hex512(1n))).toBe(true);
    expect(isValidClientPublicKey(hex512(N - 1n))).toBe(true);
  });

  it.each([
    ['A = 1', 1n],
    ['A = N-1', N - 1n],
  ])('%s: our server computes what the srp-js Server computes', (_label, A) => {
    const v = vector('insomnia-basic');
    const AHex = hex512(A);
    const server = kong.server(v.verifierHex, v.bHex);
    server.setA(Buffer.from(AHex, 'hex'));
    const M1Hex = server._private.M1_buf?.toString('hex') ?? '';
    const result = verifyClientProof({
      profile: 'insomnia', identity: v.identity, saltHex: v.saltHex, verifierHex: v.verifierHex,
      AHex, bHex: v.bHex, BHex: v.BHex, M1Hex,
    });
    expect(result).toEqual({
      ok: true,
      M2Hex: server.checkM1(Buffer.from(M1Hex, 'hex')).toString('hex'),
      KHex: server.computeK().toString('hex'),
    });
  });
});

describe('B is always exactly 512 hex chars', () => {
  // v chosen so that B = (k·v + g^b) mod N is a tiny number: v = (target − g^b) · k⁻¹ mod N.
  function verifierForTinyB(profile: SrpProfile, bHex: string, target: bigint): string {
    const { k } = PROFILE_IMPLS[profile];
    const kInverse = bigintModPow(k, N - 2n); // N is prime
    const gb = modPowG(BigInt(`0x${bHex}`));
    return padHex((((target - gb) % N + N) % N * kInverse) % N);
  }

  it.each(SRP_PROFILES.map((p) => [p]))('%s: a B of 5 is sent as 511 zeros and a 5', (profile) => {
    const bHex = vector('insomnia-basic').bHex;
    const verifierHex = verifierForTinyB(profile, bHex, 5n);
    expect(computeServerPublic(profile, verifierHex, bHex)).toBe(`${'0'.repeat(511)}5`);
  });

  it('srp-js (which asserts a 256-byte B) completes a login against that tiny B', () => {
    const v = vector('insomnia-basic');
    const password = Buffer.from(v.passwordHex ?? '', 'hex');
    const verifierHex = verifierForTinyB('insomnia', v.bHex, 5n);
    const BHex = computeServerPublic('insomnia', verifierHex, v.bHex);
    expect(kong.server(verifierHex, v.bHex).computeB().toString('hex')).toBe(BHex);

    const client = kong.client(v.identity, v.saltHex, password, v.aHex);
    client.setB(Buffer.from(BHex, 'hex'));
    // The client's password does not match this synthetic verifier, but srp-js's Server with the
    // same v and b derives the same M1 from A: our server must agree with it, byte for byte.
    const server = kong.server(verifierHex, v.bHex);
    server.setA(client.computeA());
    const M1Hex = server._private.M1_buf?.toString('hex') ?? '';
    const result = verifyClientProof({
      profile: 'insomnia', identity: v.identity, saltHex: v.saltHex, verifierHex,
      AHex: v.AHex, bHex: v.bHex, BHex, M1Hex,
    });
    expect(result.ok && result.M2Hex).toBe(server.checkM1(Buffer.from(M1Hex, 'hex')).toString('hex'));
  });

  it('a B with a leading zero byte keeps it (pinned vector)', () => {
    const v = vector('insomnia-B-leading-zero');
    const BHex = computeServerPublic('insomnia', v.verifierHex, v.bHex);
    expect(BHex).toHaveLength(512);
    expect(BHex.startsWith('00')).toBe(true);
  });

  it.each(SRP_PROFILES.map((p) => [p]))('%s: createServerEphemeral always returns 512 lowercase hex', (profile) => {
    const verifierHex = computeVerifier(profile, identity, randomSaltHex(), profile === 'insomnia' ? randomBytes(32) : 'x');
    for (let i = 0; i < 64; i++) {
      const { bHex, BHex } = createServerEphemeral(profile, verifierHex);
      expect(BHex).toMatch(/^[0-9a-f]{512}$/);
      expect(bHex).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});

describe('the multiplier k', () => {
  const sha = (...parts: Buffer[]): bigint => BigInt(`0x${createHash('sha256').update(Buffer.concat(parts)).digest('hex')}`);
  const padN = Buffer.from(N_HEX, 'hex');
  const paddedG = Buffer.alloc(256);
  paddedG[255] = 2;

  it('insomnia: k = H(PAD(N) | PAD(g)) with g padded to 256 bytes, as srp-js computes it', () => {
    const { k } = PROFILE_IMPLS.insomnia;
    expect(k).toBe(sha(padN, paddedG));
    expect(k.toString(16)).toBe(kong.client('i', '00', Buffer.alloc(32), 'ff'.repeat(32))._private.k_num.toString(16));
  });

  it('insomnia: k differs from the unpadded H(N | g), which is the rfc2945 k', () => {
    const unpadded = sha(padN, Buffer.from([2]));
    expect(PROFILE_IMPLS.insomnia.k).not.toBe(unpadded);
    expect(PROFILE_IMPLS.rfc2945.k).toBe(unpadded);
  });
});

describe('M1 is verified, in constant time, before M2 is derived', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each(SRP_PROFILES.map((p) => [p]))('%s: a wrong M1 gives BAD_PROOF and M2 is never computed', (profile) => {
    const t = transcript(profile);
    const computeM2 = jest.spyOn(PROFILE_IMPLS[profile], 'computeM2');
    const result = verifyClientProof({ ...t, M1Hex: createHash('sha256').update('guess').digest('hex') });
    expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
    expect(result).not.toHaveProperty('M2Hex');
    expect(result).not.toHaveProperty('KHex');
    expect(computeM2).not.toHaveBeenCalled();
  });

  it.each(SRP_PROFILES.map((p) => [p]))('%s: timingSafeEqual on the 32-byte M1 runs before computeM2', (profile) => {
    const t = transcript(profile);
    const order: string[] = [];
    const realEqual = nodeCrypto.timingSafeEqual;
    jest.spyOn(nodeCrypto, 'timingSafeEqual').mockImplementation((a, b) => {
      order.push(`timingSafeEqual:${a.byteLength}:${b.byteLength}`);
      return realEqual(a, b);
    });
    const impl = PROFILE_IMPLS[profile];
    const realM2 = impl.computeM2.bind(impl);
    jest.spyOn(impl, 'computeM2').mockImplementation((A, M1, K) => {
      order.push('computeM2');
      return realM2(A, M1, K);
    });

    const result = verifyClientProof(t);
    expect(result).toEqual({ ok: true, M2Hex: t.expectedM2Hex, KHex: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(order).toEqual(['timingSafeEqual:32:32', 'computeM2']);
  });
});

describe('a single flipped bit in a proof fails', () => {
  it.each(SRP_PROFILES.map((p) => [p]))('%s: every one of the 256 single-bit flips of M1 is BAD_PROOF', (profile) => {
    const t = transcript(profile);
    expect(verifyClientProof(t).ok).toBe(true);
    const accepted: number[] = [];
    for (let bit = 0; bit < 256; bit++) {
      if (verifyClientProof({ ...t, M1Hex: flipBit(t.M1Hex, bit) }).ok) accepted.push(bit);
    }
    expect(accepted).toEqual([]);
  });

  it('verifyServerProof rejects every single-bit flip of M2', () => {
    const M2 = createHash('sha256').update('m2').digest('hex');
    expect(verifyServerProof(M2, M2)).toBe(true);
    for (let bit = 0; bit < 256; bit++) expect(verifyServerProof(M2, flipBit(M2, bit))).toBe(false);
  });

  it('verifyServerProof compares with timingSafeEqual', () => {
    const spy = jest.spyOn(nodeCrypto, 'timingSafeEqual');
    const M2 = createHash('sha256').update('m2').digest('hex');
    verifyServerProof(M2, M2);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});

describe('non-hex and mis-sized input is rejected', () => {
  const t = transcript('insomnia');

  it.each([
    ['empty', ''],
    ['non-hex digit', `g${t.AHex.slice(1)}`],
    ['0x prefix', `0x${t.AHex.slice(2)}`],
    ['inner space', `${t.AHex.slice(0, 100)} ${t.AHex.slice(101)}`],
    ['trailing newline', `${t.AHex.slice(1)}\n`],
    ['minus sign', `-${t.AHex.slice(1)}`],
  ])('A with %s → BAD_CLIENT_PUBLIC', (_label, AHex) => {
    expect(isValidClientPublicKey(AHex)).toBe(false);
    expect(verifyClientProof({ ...t, AHex })).toEqual({ ok: false, reason: 'BAD_CLIENT_PUBLIC' });
  });

  it('A that is not a string at all → BAD_CLIENT_PUBLIC', () => {
    for (const AHex of [undefined, null, 5, ['ab'], { length: 2 }]) {
      expect(isValidClientPublicKey(AHex as unknown as string)).toBe(false);
      expect(verifyClientProof({ ...t, AHex: AHex as unknown as string })).toEqual({ ok: false, reason: 'BAD_CLIENT_PUBLIC' });
    }
  });

  it.each([
    ['empty', ''],
    ['non-hex digit', `z${t.M1Hex.slice(1)}`],
    ['63 chars', t.M1Hex.slice(1)],
    ['65 chars', `0${t.M1Hex}`],
    ['128 chars', t.M1Hex + t.M1Hex],
    ['trailing newline', `${t.M1Hex}\n`],
  ])('M1 with %s → BAD_PROOF', (_label, M1Hex) => {
    expect(verifyClientProof({ ...t, M1Hex })).toEqual({ ok: false, reason: 'BAD_PROOF' });
  });

  it('M1 in uppercase is the same bytes and is accepted', () => {
    expect(verifyClientProof({ ...t, M1Hex: t.M1Hex.toUpperCase() })).toMatchObject({ ok: true, M2Hex: t.expectedM2Hex });
  });

  it('verifyServerProof returns false (never throws) on malformed input', () => {
    const M2 = createHash('sha256').update('x').digest('hex');
    for (const bad of ['', 'zz', M2.slice(2), `${M2}00`, `${M2} `]) {
      expect(verifyServerProof(M2, bad)).toBe(false);
      expect(verifyServerProof(bad, M2)).toBe(false);
    }
  });

  it('computeVerifier rejects a non-hex or odd-length salt', () => {
    for (const saltHex of ['', 'xyz0', 'abc', '0x00', ' 00']) {
      expect(() => computeVerifier('insomnia', identity, saltHex, randomBytes(32))).toThrow(TypeError);
    }
  });

  it('server-held values that are malformed throw (a bug, not a client error)', () => {
    expect(() => verifyClientProof({ ...t, bHex: t.bHex.slice(2) })).toThrow(TypeError);
    expect(() => verifyClientProof({ ...t, bHex: '0'.repeat(64) })).toThrow(TypeError);
    expect(() => verifyClientProof({ ...t, verifierHex: N_HEX })).toThrow(TypeError);
    expect(() => verifyClientProof({ ...t, BHex: t.BHex.slice(2) })).toThrow(TypeError);
    expect(() => verifyClientProof({ ...t, saltHex: 'q' })).toThrow(TypeError);
    expect(() => createServerEphemeral('insomnia', 'nothex')).toThrow(TypeError);
    expect(() => verifyClientProof({ ...t, profile: 'srp6' as SrpProfile })).toThrow(TypeError);
  });
});

describe('the client refuses a bad B', () => {
  const v = vector('insomnia-basic');
  const base = {
    identity: v.identity, saltHex: v.saltHex, aHex: v.aHex, AHex: v.AHex,
  };
  const passwordFor = (profile: SrpProfile): Buffer | string =>
    profile === 'insomnia' ? Buffer.from(v.passwordHex ?? '', 'hex') : 'pw';

  it.each(SRP_PROFILES.flatMap((profile) => [
    [profile, 'B = 0', '0'.repeat(512)],
    [profile, 'B = N', N_HEX],
    [profile, 'B = N + 1', hex512(N + 1n)],
    [profile, 'B = 2^2048 - 1', 'f'.repeat(512)],
    [profile, 'B = 2N', (2n * N).toString(16)],
    [profile, 'non-hex B', `x${v.BHex.slice(1)}`],
    [profile, 'empty B', ''],
  ]))('%s: %s throws', (profile, _label, BHex) => {
    expect(() =>
      computeClientSession({ profile: profile as SrpProfile, ...base, password: passwordFor(profile as SrpProfile), BHex }),
    ).toThrow('invalid server public key B');
  });

  it('insomnia: a B that is not exactly 512 hex throws (srp-js asserts 256 bytes)', () => {
    const z = vector('insomnia-B-leading-zero');
    const short = z.BHex.slice(2);
    expect(() =>
      computeClientSession({ profile: 'insomnia', ...base, password: passwordFor('insomnia'), BHex: short }),
    ).toThrow('invalid server public key B');
    const client = kong.client(z.identity, z.saltHex, Buffer.from(z.passwordHex ?? '', 'hex'), z.aHex);
    expect(() => client.setB(Buffer.from(short, 'hex'))).toThrow();
  });

  it('rfc2945: an unpadded B is hashed as sent, exactly like secure-remote-password', () => {
    const z = vector('rfc2945-B-leading-zero');
    const short = z.BHex.slice(2);
    const ours = computeClientSession({
      profile: 'rfc2945', identity: z.identity, saltHex: z.saltHex, password: z.password ?? '', aHex: z.aHex, AHex: z.AHex, BHex: short,
    });
    const privateKey = linus.client.derivePrivateKey(z.saltHex, z.identity, z.password ?? '');
    const theirs = linus.client.deriveSession(z.aHex, short, z.saltHex, z.identity, privateKey);
    expect({ key: ours.KHex, proof: ours.M1Hex }).toEqual(theirs);
    // …and hashing it as sent really matters: it differs from the padded transcript.
    expect(ours.M1Hex).not.toBe(z.M1Hex);
  });

  it.each([
    ['B = k·v (base 0, S = 0)', 0n],
    ['B = k·v + 1 (base 1, S = 1)', 1n],
    ['B = k·v - 1 (base N-1, S = ±1)', N - 1n],
  ])('%s: a hostile server hits the modexp edge cases and we still agree with srp-js', (_label, offset) => {
    const password = Buffer.from(v.passwordHex ?? '', 'hex');
    const kv = (PROFILE_IMPLS.insomnia.k * BigInt(`0x${v.verifierHex}`)) % N;
    const B = (kv + offset) % N;
    const BHex = hex512(B);
    const ours = computeClientSession({ profile: 'insomnia', ...base, password, BHex });
    const client = kong.client(v.identity, v.saltHex, password, v.aHex);
    client.setB(Buffer.from(BHex, 'hex'));
    expect(ours.M1Hex).toBe(client.computeM1().toString('hex'));
    expect(ours.KHex).toBe(client.computeK().toString('hex'));
  });
});

describe('the server pads a short A (insomnia) or hashes it as sent (rfc2945)', () => {
  it('insomnia: A without its leading zero byte is the same login', () => {
    const z = vector('insomnia-A-leading-zero');
    const result = verifyClientProof({
      profile: 'insomnia', identity: z.identity, saltHex: z.saltHex, verifierHex: z.verifierHex,
      AHex: z.AHex.slice(2), bHex: z.bHex, BHex: z.BHex, M1Hex: z.M1Hex,
    });
    expect(result).toEqual({ ok: true, M2Hex: z.M2Hex, KHex: z.KHex });
  });

  it('rfc2945: A without its leading zero byte gives the transcript secure-remote-password derives', () => {
    const z = vector('rfc2945-A-leading-zero');
    const AHex = z.AHex.slice(2);
    const session = computeClientSession({
      profile: 'rfc2945', identity: z.identity, saltHex: z.saltHex, password: z.password ?? '', aHex: z.aHex, AHex, BHex: z.BHex,
    });
    const theirs = linus.server.deriveSession(z.bHex, AHex, z.saltHex, z.identity, z.verifierHex, session.M1Hex);
    const ours = verifyClientProof({
      profile: 'rfc2945', identity: z.identity, saltHex: z.saltHex, verifierHex: z.verifierHex,
      AHex, bHex: z.bHex, BHex: z.BHex, M1Hex: session.M1Hex,
    });
    expect(ours).toEqual({ ok: true, M2Hex: theirs.proof, KHex: theirs.key });
  });
});

describe('password types are not silently coerced', () => {
  it('insomnia refuses a string password (e.g. the auth secret still in hex)', () => {
    expect(() => computeVerifier('insomnia', identity, '00', 'ab'.repeat(32))).toThrow(TypeError);
  });

  it('rfc2945 refuses a Buffer password', () => {
    expect(() => computeVerifier('rfc2945', identity, '00', Buffer.from('pw'))).toThrow(TypeError);
  });
});
