/**
 * The two reference implementations, typed just enough for the tests.
 * srp-js ships no types; it is loaded with require() and given a narrow interface here rather than
 * an ambient `declare module`, which would be global to the whole workspace's type-check.
 */
import { randomBytes } from 'node:crypto';
import { loadWithoutNavigator } from '../../../../test/support/without-navigator';

interface JsbnInteger {
  toString(radix: number): string;
}

export interface SrpJsClient {
  computeA(): Buffer;
  setB(B: Buffer): void;
  computeM1(): Buffer;
  checkM2(M2: Buffer): void;
  computeK(): Buffer;
  _private: { k_num: JsbnInteger; S_buf?: Buffer };
}

export interface SrpJsServer {
  computeB(): Buffer;
  setA(A: Buffer): void;
  checkM1(M1: Buffer): Buffer;
  computeK(): Buffer;
  _private: { S_buf?: Buffer; M1_buf?: Buffer };
}

interface SrpJsModule {
  params: Record<number, unknown>;
  computeVerifier(params: unknown, salt: Buffer, identity: Buffer, password: Buffer): Buffer;
  Client: new (params: unknown, salt: Buffer, identity: Buffer, password: Buffer, secret: Buffer) => SrpJsClient;
  Server: new (params: unknown, verifier: Buffer, secret: Buffer) => SrpJsServer;
}

// jsbn inside both references must not see Node 22's `navigator` (see loadWithoutNavigator)
/* eslint-disable @typescript-eslint/no-require-imports */
const srpJs = loadWithoutNavigator(() => require('srp-js') as SrpJsModule);
const linusClient = loadWithoutNavigator(() => require('secure-remote-password/client') as typeof import('secure-remote-password/client'));
const linusServer = loadWithoutNavigator(() => require('secure-remote-password/server') as typeof import('secure-remote-password/server'));
/* eslint-enable @typescript-eslint/no-require-imports */
const params2048 = srpJs.params[2048];

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

/** Kong srp-js@0.2.1, as the Insomnia desktop client uses it (params[2048], I = UTF-8 email). */
export const kong = {
  computeVerifier(identity: string, saltHex: string, password: Buffer): string {
    return srpJs.computeVerifier(params2048, hex(saltHex), Buffer.from(identity, 'utf8'), password).toString('hex');
  },
  client(identity: string, saltHex: string, password: Buffer, aHex: string = randomSecretHex()): SrpJsClient {
    return new srpJs.Client(params2048, hex(saltHex), Buffer.from(identity, 'utf8'), password, hex(aHex));
  },
  server(verifierHex: string, bHex: string = randomSecretHex()): SrpJsServer {
    return new srpJs.Server(params2048, hex(verifierHex), hex(bHex));
  },
};

/** LinusU secure-remote-password@0.3.1. */
export const linus = { client: linusClient, server: linusServer };

/** 32 random bytes whose top byte is non-zero (srp-js warns on shorter client secrets). */
export function randomSecretHex(): string {
  for (;;) {
    const bytes = randomBytes(32);
    if (bytes[0] !== 0) return bytes.toString('hex');
  }
}

export function randomSaltHex(): string {
  return randomBytes(32).toString('hex');
}

/** Flip one bit of a hex string (bit 0 = least significant bit of the last byte). */
export function flipBit(hexString: string, bit: number): string {
  const bytes = Buffer.from(hexString, 'hex');
  const index = bytes.length - 1 - Math.floor(bit / 8);
  bytes[index] = (bytes[index] ?? 0) ^ (1 << (bit % 8));
  return bytes.toString('hex');
}
