/**
 * Pinned vectors (fixtures/vectors.json), generated once from fixed secrets. Several were searched
 * so that v, A, B or S has a leading zero byte: the cases where a missing PAD() silently breaks
 * interop. Each vector is checked three ways: our output equals the pinned values, and the
 * reference library of its profile reproduces the same values independently.
 */
import { createHash } from 'node:crypto';
import { computeClientSession, computeVerifier, verifyClientProof } from '../src';
import { padHex } from '../src/bytes';
import { modPowG } from '../src/modexp';
import { computeServerPublic } from '../src/server';
import fixture from './fixtures/vectors.json';
import { kong, linus } from './support/references';

interface Vector {
  name: string;
  profile: 'insomnia' | 'rfc2945';
  leadingZero: 'v' | 'A' | 'B' | 'S' | null;
  identity: string;
  passwordHex?: string;
  password?: string;
  saltHex: string;
  verifierHex: string;
  aHex: string;
  AHex: string;
  bHex: string;
  BHex: string;
  SHex: string;
  KHex: string;
  M1Hex: string;
  M2Hex: string;
}

const vectors = fixture.vectors as Vector[];
const insomniaVectors = vectors.filter((v) => v.profile === 'insomnia');
const rfc2945Vectors = vectors.filter((v) => v.profile === 'rfc2945');

function passwordOf(v: Vector): Buffer | string {
  if (v.profile === 'insomnia') return Buffer.from(v.passwordHex ?? '', 'hex');
  return v.password ?? '';
}

describe('fixture shape', () => {
  it('covers a leading zero in each of v, A, B and S for both profiles', () => {
    for (const profile of ['insomnia', 'rfc2945'] as const) {
      const zeros = vectors.filter((v) => v.profile === profile).map((v) => v.leadingZero);
      expect(zeros).toEqual(expect.arrayContaining(['v', 'A', 'B', 'S']));
    }
  });

  it.each(vectors.map((v) => [v.name, v]))('%s: the flagged value really starts with a zero byte', (_name, v) => {
    for (const value of [v.verifierHex, v.AHex, v.BHex, v.SHex]) expect(value).toMatch(/^[0-9a-f]{512}$/);
    const flagged = { v: v.verifierHex, A: v.AHex, B: v.BHex, S: v.SHex };
    if (v.leadingZero) expect(flagged[v.leadingZero].slice(0, 2)).toBe('00');
  });
});

describe.each(vectors.map((v) => [v.name, v]))('vector %s: our implementation', (_name, v) => {
  const password = passwordOf(v);

  it('verifier, A and B match', () => {
    expect(computeVerifier(v.profile, v.identity, v.saltHex, password)).toBe(v.verifierHex);
    expect(padHex(modPowG(BigInt(`0x${v.aHex}`)))).toBe(v.AHex);
    expect(computeServerPublic(v.profile, v.verifierHex, v.bHex)).toBe(v.BHex);
  });

  it('client session matches (M1, K, expected M2)', () => {
    const session = computeClientSession({
      profile: v.profile, identity: v.identity, saltHex: v.saltHex, password, aHex: v.aHex, AHex: v.AHex, BHex: v.BHex,
    });
    expect(session).toEqual({ M1Hex: v.M1Hex, KHex: v.KHex, expectedM2Hex: v.M2Hex });
  });

  it('server accepts the pinned M1 and answers the pinned M2 and K', () => {
    const result = verifyClientProof({
      profile: v.profile, identity: v.identity, saltHex: v.saltHex, verifierHex: v.verifierHex,
      AHex: v.AHex, bHex: v.bHex, BHex: v.BHex, M1Hex: v.M1Hex,
    });
    expect(result).toEqual({ ok: true, M2Hex: v.M2Hex, KHex: v.KHex });
  });

  it('K = H(PAD(S)): S entered the hash as all 256 bytes', () => {
    expect(createHash('sha256').update(Buffer.from(v.SHex, 'hex')).digest('hex')).toBe(v.KHex);
  });
});

describe.each(insomniaVectors.map((v) => [v.name, v]))('vector %s: srp-js@0.2.1 agrees', (_name, v) => {
  const password = Buffer.from(v.passwordHex ?? '', 'hex');

  it('client side: verifier, A, S, M1, K, and it accepts M2', () => {
    expect(kong.computeVerifier(v.identity, v.saltHex, password)).toBe(v.verifierHex);
    const client = kong.client(v.identity, v.saltHex, password, v.aHex);
    expect(client.computeA().toString('hex')).toBe(v.AHex);
    client.setB(Buffer.from(v.BHex, 'hex'));
    expect(client._private.S_buf?.toString('hex')).toBe(v.SHex);
    expect(client.computeM1().toString('hex')).toBe(v.M1Hex);
    expect(client.computeK().toString('hex')).toBe(v.KHex);
    expect(() => client.checkM2(Buffer.from(v.M2Hex, 'hex'))).not.toThrow();
  });

  it('server side: B, S, and M2 for the pinned M1', () => {
    const server = kong.server(v.verifierHex, v.bHex);
    expect(server.computeB().toString('hex')).toBe(v.BHex);
    server.setA(Buffer.from(v.AHex, 'hex'));
    expect(server._private.S_buf?.toString('hex')).toBe(v.SHex);
    expect(server.checkM1(Buffer.from(v.M1Hex, 'hex')).toString('hex')).toBe(v.M2Hex);
    expect(server.computeK().toString('hex')).toBe(v.KHex);
  });
});

describe.each(rfc2945Vectors.map((v) => [v.name, v]))('vector %s: secure-remote-password@0.3.1 agrees', (_name, v) => {
  const password = v.password ?? '';

  it('client side: verifier, M1 (proof), K, and it accepts M2', () => {
    const privateKey = linus.client.derivePrivateKey(v.saltHex, v.identity, password);
    expect(linus.client.deriveVerifier(privateKey)).toBe(v.verifierHex);
    const session = linus.client.deriveSession(v.aHex, v.BHex, v.saltHex, v.identity, privateKey);
    expect(session).toEqual({ key: v.KHex, proof: v.M1Hex });
    expect(() => linus.client.verifySession(v.AHex, session, v.M2Hex)).not.toThrow();
  });

  it('server side: M2 and K for the pinned M1', () => {
    const session = linus.server.deriveSession(v.bHex, v.AHex, v.saltHex, v.identity, v.verifierHex, v.M1Hex);
    expect(session).toEqual({ key: v.KHex, proof: v.M2Hex });
  });
});
