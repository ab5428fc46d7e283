/**
 * Server CPU per SRP login: ours vs the OpenSSL floor vs secure-remote-password.
 *
 *   pnpm tsx test/bench/srp.ts
 *
 * (a) ours:  createServerEphemeral + verifyClientProof (insomnia, and rfc2945 for reference); the
 *            client's work between the two calls is not counted.
 * (b) floor: the three 2048-bit modexps a login needs (g^b, v^u, (A·v^u)^b), 256-bit exponents,
 *            straight through OpenSSL with no hashing or conversions.
 * (c) lib:   secure-remote-password/server generateEphemeral + deriveSession (jsbn).
 *
 * Time is process CPU (user + system, process.cpuUsage) summed over the timed sections only, so
 * other load on the machine inflates it less than wall time would. Wall time is printed alongside.
 */
import { createDiffieHellman, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as libClient from 'secure-remote-password/client';
import * as libServer from 'secure-remote-password/server';
import {
  N_HEX,
  computeClientSession,
  computeVerifier,
  createClientEphemeral,
  createServerEphemeral,
  verifyClientProof,
  type SrpProfile,
} from '../../packages/srp/src';

export interface SrpBenchResult {
  oursMs: number;
  oursRfc2945Ms: number;
  floorMs: number;
  libMs: number;
  oursOverFloor: number;
  libOverOurs: number;
}

interface Sample {
  cpuMs: number;
  wallMs: number;
}

/** Accumulates CPU and wall time over many short bracketed sections. */
class Stopwatch {
  private cpuMicros = 0;
  private wallMs = 0;

  time<T>(fn: () => T): T {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const result = fn();
    this.wallMs += performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    this.cpuMicros += cpu.user + cpu.system;
    return result;
  }

  perIteration(iterations: number): Sample {
    return { cpuMs: this.cpuMicros / 1000 / iterations, wallMs: this.wallMs / iterations };
  }
}

const identity = 'bench@example.com';

function benchOurs(profile: SrpProfile, iterations: number, warmup: number): Sample {
  const saltHex = randomBytes(32).toString('hex');
  const password = profile === 'insomnia' ? randomBytes(32) : 'correct horse battery staple';
  const verifierHex = computeVerifier(profile, identity, saltHex, password);
  // Client ephemerals are precomputed; the client's M1 needs B, so it is computed between the
  // two timed server calls and excluded from the measurement.
  const clients = Array.from({ length: iterations + warmup }, () => createClientEphemeral());
  const watch = new Stopwatch();
  let index = 0;
  for (const { aHex, AHex } of clients) {
    const counted = index++ >= warmup;
    const run = <T>(fn: () => T): T => (counted ? watch.time(fn) : fn());
    const { bHex, BHex } = run(() => createServerEphemeral(profile, verifierHex));
    const { M1Hex } = computeClientSession({ profile, identity, saltHex, password, aHex, AHex, BHex });
    const result = run(() => verifyClientProof({ profile, identity, saltHex, verifierHex, AHex, bHex, BHex, M1Hex }));
    if (!result.ok) throw new Error(`benchmark login failed: ${result.reason}`);
  }
  return watch.perIteration(iterations);
}

function benchFloor(iterations: number, warmup: number): Sample {
  const dh = createDiffieHellman(Buffer.from(N_HEX, 'hex'), Buffer.from([2]));
  const inputs = Array.from({ length: iterations + warmup }, () => ({
    b: randomBytes(32),
    u: randomBytes(32),
    v: randomBytes(255), // < N, ≥ 2 with overwhelming probability
    base: randomBytes(255),
  }));
  const watch = new Stopwatch();
  let sink = 0;
  inputs.forEach(({ b, u, v, base }, index) => {
    const work = (): void => {
      dh.setPrivateKey(b);
      sink ^= dh.generateKeys()[0] ?? 0; // g^b
      dh.setPrivateKey(u);
      sink ^= dh.computeSecret(v)[0] ?? 0; // v^u
      dh.setPrivateKey(b);
      sink ^= dh.computeSecret(base)[0] ?? 0; // (A·v^u)^b
    };
    if (index >= warmup) watch.time(work);
    else work();
  });
  if (sink === -1) console.log(sink); // keep the results observable
  return watch.perIteration(iterations);
}

function benchLib(iterations: number, warmup: number): Sample {
  const saltHex = libClient.generateSalt();
  const privateKey = libClient.derivePrivateKey(saltHex, identity, 'correct horse battery staple');
  const verifierHex = libClient.deriveVerifier(privateKey);
  const clients = Array.from({ length: iterations + warmup }, () => libClient.generateEphemeral());
  const watch = new Stopwatch();
  clients.forEach((client, index) => {
    const counted = index >= warmup;
    const run = <T>(fn: () => T): T => (counted ? watch.time(fn) : fn());
    const server = run(() => libServer.generateEphemeral(verifierHex));
    const session = libClient.deriveSession(client.secret, server.public, saltHex, identity, privateKey);
    run(() => libServer.deriveSession(server.secret, client.public, saltHex, identity, verifierHex, session.proof));
  });
  return watch.perIteration(iterations);
}

const fmt = (ms: number): string => ms.toFixed(3);

export function main(options: { iterations?: number; libIterations?: number } = {}): SrpBenchResult {
  const iterations = options.iterations ?? 400;
  const libIterations = options.libIterations ?? 30;

  const floor = benchFloor(iterations, 50);
  const ours = benchOurs('insomnia', iterations, 50);
  const oursRfc = benchOurs('rfc2945', iterations, 50);
  const lib = benchLib(libIterations, 3);

  const result: SrpBenchResult = {
    oursMs: ours.cpuMs,
    oursRfc2945Ms: oursRfc.cpuMs,
    floorMs: floor.cpuMs,
    libMs: lib.cpuMs,
    oursOverFloor: ours.cpuMs / floor.cpuMs,
    libOverOurs: lib.cpuMs / ours.cpuMs,
  };

  const row = (label: string, n: number, s: Sample): string =>
    `  ${label.padEnd(44)} ${fmt(s.cpuMs).padStart(8)} ms CPU  ${fmt(s.wallMs).padStart(8)} ms wall  (n=${n})`;
  console.log('SRP server cost per login');
  console.log(row('(a) ours, insomnia profile', iterations, ours));
  console.log(row('(a) ours, rfc2945 profile', iterations, oursRfc));
  console.log(row('(b) floor: 3 OpenSSL modexps, 256-bit exps', iterations, floor));
  console.log(row('(c) secure-remote-password server', libIterations, lib));
  console.log(`  (a)/(b) = ${result.oursOverFloor.toFixed(2)} (target <= 1.5)   (c)/(a) = ${result.libOverOurs.toFixed(1)}`);
  console.log(
    `srp: ours ${fmt(result.oursMs)} ms, floor ${fmt(result.floorMs)} ms, srp-lib ${fmt(result.libMs)} ms, ` +
      `ours/floor ${result.oursOverFloor.toFixed(2)} (target <= 1.5), lib/ours ${result.libOverOurs.toFixed(1)}`,
  );
  return result;
}

if (require.main === module) {
  main();
}
