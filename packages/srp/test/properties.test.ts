/**
 * Property tests over random salts, identities and passwords. numRuns is kept small: srp-js and
 * secure-remote-password use jsbn (~10 ms per modexp), ours ~0.3 ms.
 */
import fc from 'fast-check';
import {
  computeClientSession,
  computeVerifier,
  createClientEphemeral,
  createServerEphemeral,
  verifyClientProof,
  verifyServerProof,
  type SrpProfile,
} from '../src';
import { kong, linus } from './support/references';

const RUNS = { numRuns: 25 };
const saltHex = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString('hex'));
// Full Unicode, lone surrogates included: every party encodes the identity as UTF-8 the same way.
const identity = fc.oneof(fc.emailAddress(), fc.string({ unit: 'binary', maxLength: 40 }));
const authSecret = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));
const passphrase = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('insomnia profile vs srp-js@0.2.1', () => {
  it('verifier matches and our server logs in the srp-js Client', () => {
    fc.assert(
      fc.property(saltHex, identity, authSecret, (s, I, P) => {
        const verifierHex = computeVerifier('insomnia', I, s, P);
        expect(verifierHex).toBe(kong.computeVerifier(I, s, P));
        const client = kong.client(I, s, P);
        const AHex = client.computeA().toString('hex');
        const { bHex, BHex } = createServerEphemeral('insomnia', verifierHex);
        client.setB(Buffer.from(BHex, 'hex'));
        const result = verifyClientProof({
          profile: 'insomnia', identity: I, saltHex: s, verifierHex, AHex, bHex, BHex, M1Hex: client.computeM1().toString('hex'),
        });
        if (!result.ok) throw new Error(`login failed: ${result.reason}`);
        client.checkM2(Buffer.from(result.M2Hex, 'hex'));
        expect(result.KHex).toBe(client.computeK().toString('hex'));
      }),
      RUNS,
    );
  });

  it('our client logs in to the srp-js Server', () => {
    fc.assert(
      fc.property(saltHex, identity, authSecret, (s, I, P) => {
        const server = kong.server(computeVerifier('insomnia', I, s, P));
        const { aHex, AHex } = createClientEphemeral();
        const session = computeClientSession({
          profile: 'insomnia', identity: I, saltHex: s, password: P, aHex, AHex, BHex: server.computeB().toString('hex'),
        });
        server.setA(Buffer.from(AHex, 'hex'));
        const M2 = server.checkM1(Buffer.from(session.M1Hex, 'hex'));
        expect(verifyServerProof(session.expectedM2Hex, M2.toString('hex'))).toBe(true);
        expect(session.KHex).toBe(server.computeK().toString('hex'));
      }),
      RUNS,
    );
  });
});

describe('rfc2945 profile vs secure-remote-password@0.3.1', () => {
  it('verifier matches and our server logs in the library client', () => {
    fc.assert(
      fc.property(saltHex, identity, passphrase, (s, I, p) => {
        const privateKey = linus.client.derivePrivateKey(s, I, p);
        const verifierHex = linus.client.deriveVerifier(privateKey);
        expect(computeVerifier('rfc2945', I, s, p)).toBe(verifierHex);
        const clientEphemeral = linus.client.generateEphemeral();
        const { bHex, BHex } = createServerEphemeral('rfc2945', verifierHex);
        const clientSession = linus.client.deriveSession(clientEphemeral.secret, BHex, s, I, privateKey);
        const result = verifyClientProof({
          profile: 'rfc2945', identity: I, saltHex: s, verifierHex, AHex: clientEphemeral.public, bHex, BHex,
          M1Hex: clientSession.proof,
        });
        if (!result.ok) throw new Error(`login failed: ${result.reason}`);
        linus.client.verifySession(clientEphemeral.public, clientSession, result.M2Hex);
        expect(result.KHex).toBe(clientSession.key);
      }),
      RUNS,
    );
  });

  it('our client logs in to the library server', () => {
    fc.assert(
      fc.property(saltHex, identity, passphrase, (s, I, p) => {
        const verifierHex = computeVerifier('rfc2945', I, s, p);
        const serverEphemeral = linus.server.generateEphemeral(verifierHex);
        const { aHex, AHex } = createClientEphemeral();
        const session = computeClientSession({
          profile: 'rfc2945', identity: I, saltHex: s, password: p, aHex, AHex, BHex: serverEphemeral.public,
        });
        const theirs = linus.server.deriveSession(serverEphemeral.secret, AHex, s, I, verifierHex, session.M1Hex);
        expect(verifyServerProof(session.expectedM2Hex, theirs.proof)).toBe(true);
        expect(session.KHex).toBe(theirs.key);
      }),
      RUNS,
    );
  });
});

describe.each([['insomnia'], ['rfc2945']] as Array<[SrpProfile]>)('%s: our client and server', (profile) => {
  const password = profile === 'insomnia' ? authSecret : passphrase;

  it('agree for the right password, and refuse a different one', () => {
    fc.assert(
      fc.property(saltHex, identity, password, password, (s, I, right, wrong) => {
        fc.pre(!(Buffer.isBuffer(right) && Buffer.isBuffer(wrong) ? right.equals(wrong) : right === wrong));
        const verifierHex = computeVerifier(profile, I, s, right);
        expect(verifierHex).toMatch(/^[0-9a-f]{512}$/);
        for (const [attempt, shouldPass] of [[right, true], [wrong, false]] as const) {
          const { aHex, AHex } = createClientEphemeral();
          const { bHex, BHex } = createServerEphemeral(profile, verifierHex);
          expect(BHex).toMatch(/^[0-9a-f]{512}$/);
          const session = computeClientSession({ profile, identity: I, saltHex: s, password: attempt, aHex, AHex, BHex });
          const result = verifyClientProof({ profile, identity: I, saltHex: s, verifierHex, AHex, bHex, BHex, M1Hex: session.M1Hex });
          if (shouldPass) expect(result).toEqual({ ok: true, M2Hex: session.expectedM2Hex, KHex: session.KHex });
          else expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
        }
      }),
      RUNS,
    );
  });
});
