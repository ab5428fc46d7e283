import * as node from '@somnus/crypto';
import * as srp from '@somnus/srp';
import { computeServerPublic } from '@somnus/srp/src/server';
import vectors from '../../srp/test/fixtures/vectors.json';
import { computeClientSession, computeVerifier, createClientEphemeral, hexToBytes, verifyServerProof } from '../src/crypto';
import { N_HEX } from '../src/crypto/srp-math';

const insomniaVectors = vectors.vectors.filter((v) => v.profile === 'insomnia');

describe('browser SRP client, profile insomnia (docs/protocol.md §3)', () => {
  it('uses the group of @somnus/srp', () => {
    expect(N_HEX).toBe(srp.N_HEX);
  });

  it.each(insomniaVectors.map((v) => [v.name, v] as const))('reproduces the pinned vector %s (leading zeros included)', (_name, v) => {
    const password = hexToBytes((v as { passwordHex: string }).passwordHex);
    expect(computeVerifier(v.identity, v.saltHex, password)).toBe(v.verifierHex);
    expect(createClientEphemeral(v.aHex).AHex).toBe(v.AHex);
    const session = computeClientSession({ identity: v.identity, saltHex: v.saltHex, password, aHex: v.aHex, AHex: v.AHex, BHex: v.BHex });
    expect(session).toEqual({ M1Hex: v.M1Hex, KHex: v.KHex, expectedM2Hex: v.M2Hex });
  });

  it('computes what the @somnus/srp client computes for the same inputs', () => {
    const password = hexToBytes('11'.repeat(32));
    const salt = 'ab'.repeat(32);
    const verifier = computeVerifier('ünï@example.com', salt, password);
    expect(verifier).toBe(srp.computeVerifier('insomnia', 'ünï@example.com', salt, Buffer.from(password)));
    const server = srp.createServerEphemeral('insomnia', verifier);
    const a = createClientEphemeral();
    const ours = computeClientSession({ identity: 'ünï@example.com', saltHex: salt, password, aHex: a.aHex, AHex: a.AHex, BHex: server.BHex });
    const theirs = srp.computeClientSession({
      profile: 'insomnia',
      identity: 'ünï@example.com',
      saltHex: salt,
      password: Buffer.from(password),
      aHex: a.aHex,
      AHex: a.AHex,
      BHex: server.BHex,
    });
    expect(ours).toEqual(theirs);
  });

  describe('against our server (createServerEphemeral / verifyClientProof)', () => {
    const EMAIL = 'srp.web@example.com';
    const PASS = 'right passphrase';
    let account: node.AccountKeyMaterial;
    let verifier: string;
    beforeAll(async () => {
      account = await node.createAccountKeyMaterial(PASS, EMAIL);
      verifier = srp.computeVerifier('insomnia', EMAIL, account.saltAuth, Buffer.from(account.authSecretHex, 'hex'));
    });

    async function handshake(passphrase: string) {
      const server = srp.createServerEphemeral('insomnia', verifier);
      const a = createClientEphemeral();
      const password = hexToBytes(await node.deriveKey(passphrase, EMAIL, account.saltKey));
      const client = computeClientSession({ identity: EMAIL, saltHex: account.saltAuth, password, aHex: a.aHex, AHex: a.AHex, BHex: server.BHex });
      const result = srp.verifyClientProof({
        profile: 'insomnia',
        identity: EMAIL,
        saltHex: account.saltAuth,
        verifierHex: verifier,
        AHex: a.AHex,
        bHex: server.bHex,
        BHex: server.BHex,
        M1Hex: client.M1Hex,
      });
      return { client, result };
    }

    it('right passphrase: the server accepts M1, its M2 verifies and both hold the same K', async () => {
      const { client, result } = await handshake(PASS);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(verifyServerProof(client.expectedM2Hex, result.M2Hex)).toBe(true);
      expect(result.KHex).toBe(client.KHex);
      expect(client.KHex).toMatch(/^[0-9a-f]{64}$/);
    });

    it('wrong passphrase: the server refuses the proof', async () => {
      const { result } = await handshake('wrong passphrase');
      expect(result).toEqual({ ok: false, reason: 'BAD_PROOF' });
    });

    it('M2 from anyone else does not verify', async () => {
      const { client } = await handshake(PASS);
      expect(verifyServerProof(client.expectedM2Hex, 'ff'.repeat(32))).toBe(false);
      expect(verifyServerProof(client.expectedM2Hex, undefined)).toBe(false);
      expect(verifyServerProof(client.expectedM2Hex, client.expectedM2Hex.toUpperCase())).toBe(true);
    });
  });

  it('refuses a server public B that would fix S without the password (0, N, short)', () => {
    const a = createClientEphemeral();
    const input = { identity: 'x@y.z', saltHex: 'aa', password: hexToBytes('00'.repeat(32)), aHex: a.aHex, AHex: a.AHex };
    for (const BHex of ['0'.repeat(512), srp.N_HEX, '02', 'zz'.repeat(256)]) {
      expect(() => computeClientSession({ ...input, BHex })).toThrow(/server public key B/);
    }
    // a real B is fine
    const B = computeServerPublic('insomnia', computeVerifier('x@y.z', 'aa', input.password), '01'.repeat(32));
    expect(computeClientSession({ ...input, BHex: B }).M1Hex).toMatch(/^[0-9a-f]{64}$/);
  });
});
