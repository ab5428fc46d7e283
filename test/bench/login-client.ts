/**
 * The load generator of the login benchmark, run in its own process so that the client's work (its
 * half of SRP, HTTP parsing) does not share the server's event loop. It gets its job from argv and
 * reports the elapsed seconds over IPC.
 */
import { computeClientSession, createClientEphemeral } from '@somnus/srp';
import { api } from '../support/api';

export interface LoginJob {
  /** logins: the real routes; floor: the same SRP math on a bare function (login.ts); baseline: 3 bare trips */
  mode: 'logins' | 'floor' | 'baseline';
  baseUrl: string;
  total: number;
  concurrency: number;
  email: string;
  /** hex of the SRP password, derived once by the parent (PBKDF2 is not part of the measurement) */
  authSecretHex: string;
}

const WARM_UP = 10;

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
  // The client's ephemeral keys (a, A = g^a) do not depend on the server, so they are made before the clock
  // starts, like the PBKDF2 above: a real client makes them on its own machine, while here they would take
  // the cores the server is measured on. The client's proof (M1 from B) is still computed inside the clock.
  const ephemerals = Array.from({ length: job.mode === 'baseline' ? 0 : job.total + WARM_UP }, () => createClientEphemeral());
  // the floor's bare function serves the three steps on one path, told apart by the body
  const paths = job.mode === 'floor' ? { s: '/', a: '/', m1: '/' } : { s: '/auth/login-s', a: '/auth/login-a', m1: '/auth/login-m1' };
  const login = async () => {
    const source = nextSource();
    const salts = await http.post(paths.s, { email: job.email }, source);
    const eph = ephemerals.pop()!;
    const a = await http.post(paths.a, { email: job.email, srpA: eph.AHex }, source);
    const s = computeClientSession({ profile: 'insomnia', identity: job.email, saltHex: salts.body.saltAuth, password, aHex: eph.aHex, AHex: eph.AHex, BHex: a.body.srpB });
    const m1 = await http.post(paths.m1, { sessionStarterId: a.body.sessionStarterId, srpM1: s.M1Hex }, source);
    if (m1.status !== 200) throw new Error(`login failed: ${m1.text}`);
  };
  const threeTrips = async () => {
    const source = nextSource();
    for (let i = 0; i < 3; i++) await http.post('/', { email: job.email }, source);
  };
  const one = job.mode === 'baseline' ? threeTrips : login;
  for (let i = 0; i < WARM_UP; i++) await one(); // warm-up: connections, JIT, prepared statements
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
