/**
 * Complete logins between our code and the reference libraries, in every direction that exists:
 * our server ↔ srp-js Client, our client ↔ srp-js Server (insomnia profile), our server ↔
 * secure-remote-password client and our client ↔ its server (rfc2945 profile), and our own
 * client ↔ server. Crossing profiles must fail at M1.
 */
import { randomBytes } from 'node:crypto';
import {
  computeClientSession,
  computeVerifier,
  createClientEphemeral,
  createServerEphemeral,
  SRP_PROFILES,
  verifyClientProof,
  verifyServerProof,
  type SrpProfile,
} from '../src';
import { kong, linus, randomSaltHex } from './support/references';

const identity = 'user@example.com';

describe('insomnia profile against Kong srp-js@0.2.1', () => {
  const authSecret = randomBytes(32);
  const saltHex = randomSaltHex();
  const verifierHex = computeVerifier('insomnia', identity, saltHex, authSecret);

  it('computes the same verifier as srp-js', () => {
    expect(verifierHex).toBe(kong.computeVerifier(identity, saltHex, authSecret));
    expect(verifierHex).toMatch(/^[0-9a-f]{512}$/);
  });

  it('our server completes a login with the srp-js Client', () => {
    const client = kong.client(identity, saltHex, authSecret);
    const AHex = client.computeA().toString('hex');
    const { bHex, BHex } = createServerEphemeral('insomnia', verifierHex);
    client.setB(Buffer.from(BHex, 'hex'));

    const result = verifyClientProof({
      profile: 'insomnia', identity, saltHex, verifierHex, AHex, bHex, BHex,
      M1Hex: client.computeM1().toString('hex'),
    });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(() => client.checkM2(Buffer.from(result.M2Hex, 'hex'))).not.toThrow();
    // The desktop session id is hex(K): both sides must hold the same one.
    expect(result.KHex).toBe(client.computeK().toString('hex'));
  });

  it('our server rejects an srp-js Client with the wrong auth secret', () => {
    const client = kong.client(identity, saltHex, randomBytes(32));
    const AHex = client.computeA().toString('hex');
    const { bHex, BHex } = createServerEphemeral('insomnia', verifierHex);
    client.setB(Buffer.from(BHex, 'hex'));
    const result = verifyClientProof({
      profile: 'insomnia', identity, saltHex, verifierHex, AHex, bHex, BHex,
      M1Hex: client.computeM1().toString('hex'),
    });
    expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
  });

  it('our client completes a login with the srp-js Server', () => {
    const server = kong.server(verifierHex);
    const { aHex, AHex } = createClientEphemeral();
    const BHex = server.computeB().toString('hex');
    const session = computeClientSession({ profile: 'insomnia', identity, saltHex, password: authSecret, aHex, AHex, BHex });

    server.setA(Buffer.from(AHex, 'hex'));
    const M2 = server.checkM1(Buffer.from(session.M1Hex, 'hex')); // throws on a bad M1
    expect(verifyServerProof(session.expectedM2Hex, M2.toString('hex'))).toBe(true);
    expect(session.KHex).toBe(server.computeK().toString('hex'));
  });

  it('the srp-js Server rejects our client with the wrong auth secret', () => {
    const server = kong.server(verifierHex);
    const { aHex, AHex } = createClientEphemeral();
    const BHex = server.computeB().toString('hex');
    const session = computeClientSession({ profile: 'insomnia', identity, saltHex, password: randomBytes(32), aHex, AHex, BHex });
    server.setA(Buffer.from(AHex, 'hex'));
    expect(() => server.checkM1(Buffer.from(session.M1Hex, 'hex'))).toThrow('client did not use the same password');
  });
});

describe('rfc2945 profile against secure-remote-password@0.3.1', () => {
  const password = 'correct horse battery staple';
  const saltHex = linus.client.generateSalt();
  const privateKey = linus.client.derivePrivateKey(saltHex, identity, password);
  const verifierHex = linus.client.deriveVerifier(privateKey);

  it('computes the same verifier as the library', () => {
    expect(computeVerifier('rfc2945', identity, saltHex, password)).toBe(verifierHex);
  });

  it('our server completes a login with the library client', () => {
    const clientEphemeral = linus.client.generateEphemeral();
    const { bHex, BHex } = createServerEphemeral('rfc2945', verifierHex);
    const clientSession = linus.client.deriveSession(clientEphemeral.secret, BHex, saltHex, identity, privateKey);

    const result = verifyClientProof({
      profile: 'rfc2945', identity, saltHex, verifierHex, AHex: clientEphemeral.public, bHex, BHex,
      M1Hex: clientSession.proof,
    });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(() => linus.client.verifySession(clientEphemeral.public, clientSession, result.M2Hex)).not.toThrow();
    expect(result.KHex).toBe(clientSession.key);
  });

  it('our client completes a login with the library server', () => {
    const serverEphemeral = linus.server.generateEphemeral(verifierHex);
    const { aHex, AHex } = createClientEphemeral();
    const session = computeClientSession({
      profile: 'rfc2945', identity, saltHex, password, aHex, AHex, BHex: serverEphemeral.public,
    });
    const serverSession = linus.server.deriveSession(serverEphemeral.secret, AHex, saltHex, identity, verifierHex, session.M1Hex);
    expect(verifyServerProof(session.expectedM2Hex, serverSession.proof)).toBe(true);
    expect(session.KHex).toBe(serverSession.key);
  });

  it('our server rejects the library client with the wrong password', () => {
    const clientEphemeral = linus.client.generateEphemeral();
    const { bHex, BHex } = createServerEphemeral('rfc2945', verifierHex);
    const wrongKey = linus.client.derivePrivateKey(saltHex, identity, 'wrong');
    const clientSession = linus.client.deriveSession(clientEphemeral.secret, BHex, saltHex, identity, wrongKey);
    const result = verifyClientProof({
      profile: 'rfc2945', identity, saltHex, verifierHex, AHex: clientEphemeral.public, bHex, BHex,
      M1Hex: clientSession.proof,
    });
    expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
  });
});

describe('our client against our server', () => {
  const passwordFor = (profile: SrpProfile): Buffer | string =>
    profile === 'insomnia' ? randomBytes(32) : 'pässwörd ✓';

  it.each(SRP_PROFILES.map((p) => [p]))('%s: login succeeds and both sides agree on K and M2', (profile) => {
    const saltHex = randomSaltHex();
    const password = passwordFor(profile);
    const verifierHex = computeVerifier(profile, identity, saltHex, password);
    const { aHex, AHex } = createClientEphemeral();
    const { bHex, BHex } = createServerEphemeral(profile, verifierHex);
    const session = computeClientSession({ profile, identity, saltHex, password, aHex, AHex, BHex });
    const result = verifyClientProof({ profile, identity, saltHex, verifierHex, AHex, bHex, BHex, M1Hex: session.M1Hex });

    expect(result).toEqual({ ok: true, M2Hex: session.expectedM2Hex, KHex: session.KHex });
    expect(verifyServerProof(session.expectedM2Hex, result.ok ? result.M2Hex : '')).toBe(true);
  });

  it.each(SRP_PROFILES.map((p) => [p]))('%s: a different identity fails', (profile) => {
    const saltHex = randomSaltHex();
    const password = passwordFor(profile);
    const verifierHex = computeVerifier(profile, identity, saltHex, password);
    const { aHex, AHex } = createClientEphemeral();
    const { bHex, BHex } = createServerEphemeral(profile, verifierHex);
    const session = computeClientSession({ profile, identity: 'other@example.com', saltHex, password, aHex, AHex, BHex });
    const result = verifyClientProof({ profile, identity, saltHex, verifierHex, AHex, bHex, BHex, M1Hex: session.M1Hex });
    expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
  });
});

describe('mismatched profiles fail', () => {
  it('an srp-js (insomnia) client against an rfc2945 server', () => {
    const authSecret = randomBytes(32);
    const saltHex = randomSaltHex();
    // Same verifier on both sides (x is the same formula for raw bytes); only k, M1 differ.
    const verifierHex = kong.computeVerifier(identity, saltHex, authSecret);
    const client = kong.client(identity, saltHex, authSecret);
    const AHex = client.computeA().toString('hex');
    const { bHex, BHex } = createServerEphemeral('rfc2945', verifierHex);
    client.setB(Buffer.from(BHex, 'hex'));
    const result = verifyClientProof({
      profile: 'rfc2945', identity, saltHex, verifierHex, AHex, bHex, BHex,
      M1Hex: client.computeM1().toString('hex'),
    });
    expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
  });

  it('a secure-remote-password client against an insomnia server', () => {
    const saltHex = linus.client.generateSalt();
    const privateKey = linus.client.derivePrivateKey(saltHex, identity, 'pw');
    const verifierHex = linus.client.deriveVerifier(privateKey);
    const clientEphemeral = linus.client.generateEphemeral();
    const { bHex, BHex } = createServerEphemeral('insomnia', verifierHex);
    const clientSession = linus.client.deriveSession(clientEphemeral.secret, BHex, saltHex, identity, privateKey);
    const result = verifyClientProof({
      profile: 'insomnia', identity, saltHex, verifierHex, AHex: clientEphemeral.public, bHex, BHex,
      M1Hex: clientSession.proof,
    });
    expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
  });

  it('our insomnia client against our rfc2945 server, and the reverse', () => {
    const saltHex = randomSaltHex();
    // An ASCII password gives the same x (hence the same verifier) in both profiles, so only the
    // profile (k, u/M1 encodings) can make these logins fail.
    const password = 'hunter2';
    const verifierHex = computeVerifier('rfc2945', identity, saltHex, password);
    expect(computeVerifier('insomnia', identity, saltHex, Buffer.from(password))).toBe(verifierHex);
    const passwordFor = (profile: SrpProfile): Buffer | string => (profile === 'insomnia' ? Buffer.from(password) : password);

    for (const [clientProfile, serverProfile] of [['insomnia', 'rfc2945'], ['rfc2945', 'insomnia']] as const) {
      const { aHex, AHex } = createClientEphemeral();
      const { bHex, BHex } = createServerEphemeral(serverProfile, verifierHex);
      const session = computeClientSession({
        profile: clientProfile, identity, saltHex, password: passwordFor(clientProfile), aHex, AHex, BHex,
      });
      const result = verifyClientProof({
        profile: serverProfile, identity, saltHex, verifierHex, AHex, bHex, BHex, M1Hex: session.M1Hex,
      });
      expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
    }
  });
});
