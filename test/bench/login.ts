/**
 * Full SRP logins per second through the local gateway on real Postgres, against a baseline in the
 * same run: the same number of HTTP round trips (3 per login) to a bare functions-framework function
 * that runs one trivial query. Client-side PBKDF2 is done once, beforehand. Prints the ratio
 * (target ≥ 0.5). Run: `pnpm bench` or `pnpm tsx test/bench/login.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { http as registerHttp } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { deriveKey } from '@somnus/crypto';
import { getPool } from '@somnus/db';
import { startStack } from '@somnus/dev';
import { computeClientSession, createClientEphemeral } from '@somnus/srp';
import { api, listen } from '../support/api';
import { newAccount } from '../support/accounts';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 150);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

async function runConcurrently(total: number, worker: () => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < total) await worker();
    }),
  );
  return (performance.now() - started) / 1000;
}

export async function main(): Promise<{ ours: number; baseline: number; ratio: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-bench-'));
  fs.chmodSync(dataDir, 0o755); // Postgres may run as the `postgres` user and must reach inside
  const stack = await startStack({ dataDir, port: 0, log: () => undefined, logRequests: false });
  process.env.LOG_LEVEL = 'warn';
  try {
    const http = api(stack.baseUrl);
    const email = 'bench@example.com';
    const account = await newAccount(email, 'bench passphrase');
    const signup = await http.post('/auth/signup', account.signupBody);
    if (signup.status !== 200) throw new Error(`signup failed: ${signup.text}`);
    const password = Buffer.from(await deriveKey('bench passphrase', email, account.material.saltKey), 'hex');

    const oneLogin = async () => {
      const salts = await http.post('/auth/login-s', { email });
      const eph = createClientEphemeral();
      const a = await http.post('/auth/login-a', { email, srpA: eph.AHex });
      const s = computeClientSession({ profile: 'insomnia', identity: email, saltHex: salts.body.saltAuth, password, aHex: eph.aHex, AHex: eph.AHex, BHex: a.body.srpB });
      const m1 = await http.post('/auth/login-m1', { sessionStarterId: a.body.sessionStarterId, srpM1: s.M1Hex });
      if (m1.status !== 200) throw new Error(`login failed: ${m1.text}`);
    };

    // baseline: a bare functions-framework function doing one trivial query on the same Postgres
    registerHttp('bench-baseline', async (_req, res) => {
      const { rows } = await getPool().query('SELECT 1 AS one');
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(rows[0]));
    });
    const bare = await listen(getTestServer('bench-baseline'));
    const baseHttp = api(bare.baseUrl);
    const threeTrips = async () => {
      for (let i = 0; i < 3; i++) await baseHttp.post('/', { email });
    };

    for (let i = 0; i < 10; i++) {
      await oneLogin();
      await threeTrips();
    }
    const oursSeconds = await runConcurrently(LOGINS, oneLogin);
    const baseSeconds = await runConcurrently(LOGINS, threeTrips);
    await bare.close();
    const ours = LOGINS / oursSeconds;
    const baseline = LOGINS / baseSeconds;
    const ratio = ours / baseline;
    console.log(`login: ${ours.toFixed(1)} logins/s through the gateway; baseline ${baseline.toFixed(1)} (3 round trips to a bare function with one query)/s`);
    console.log(`login: ratio ours/baseline = ${ratio.toFixed(2)} (target >= 0.5), ${LOGINS} logins, concurrency ${CONCURRENCY}, ${os.cpus().length} cores`);
    return { ours, baseline, ratio };
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
