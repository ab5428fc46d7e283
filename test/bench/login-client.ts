/**
 * The load generator of the login benchmark, run in its own process so that the client's work (its
 * half of SRP, HTTP parsing) does not share the server's event loop. It gets its job from argv and
 * reports the elapsed seconds over IPC.
 */
import { computeClientSession, createClientEphemeral } from '@somnus/srp';
import { api } from '../support/api';

export interface LoginJob {
  mode: 'logins' | 'baseline';
  baseUrl: string;
  total: number;
  concurrency: number;
  email: string;
  /** hex of the SRP password, derived once by the parent (PBKDF2 is not part of the measurement) */
  authSecretHex: string;
}

async function run(job: LoginJob): Promise<number> {
  // no contract check here: the bench measures the server, and parsing answers would load the client cores
  const http = api(job.baseUrl, {}, { checked: false });
  const password = Buffer.from(job.authSecretHex, 'hex');
  // Each login comes from an address of its own (198.18.0.0/15, the benchmarking range), as logins of many
  // users do: one address would soon meet the per-source handshake limit (docs/architecture.md §7).
  let clients = 0;
  const nextSource = () => {
    const n = clients++;
    return { 'X-Forwarded-For': `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}` };
  };
  const login = async () => {
    const source = nextSource();
    const salts = await http.post('/auth/login-s', { email: job.email }, source);
    const eph = createClientEphemeral();
    const a = await http.post('/auth/login-a', { email: job.email, srpA: eph.AHex }, source);
    const s = computeClientSession({ profile: 'insomnia', identity: job.email, saltHex: salts.body.saltAuth, password, aHex: eph.aHex, AHex: eph.AHex, BHex: a.body.srpB });
    const m1 = await http.post('/auth/login-m1', { sessionStarterId: a.body.sessionStarterId, srpM1: s.M1Hex }, source);
    if (m1.status !== 200) throw new Error(`login failed: ${m1.text}`);
  };
  const threeTrips = async () => {
    const source = nextSource();
    for (let i = 0; i < 3; i++) await http.post('/', { email: job.email }, source);
  };
  const one = job.mode === 'logins' ? login : threeTrips;
  for (let i = 0; i < 10; i++) await one(); // warm-up: connections, JIT, prepared statements
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next++ < job.total) await one();
    }),
  );
  return (performance.now() - started) / 1000;
}

if (require.main === module) {
  const job = JSON.parse(process.argv[2]!) as LoginJob;
  run(job).then(
    (seconds) => process.send!({ seconds }, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
