import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { connectionConfig, migratorCliUrl } from '@somnus/db';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@somnus/dev/src/postgres';

/**
 * In GCP the database URLs say `sslmode=verify-ca` and the server CA comes as DATABASE_CA_CERT (infra/database.ts).
 * Against a Postgres serving a certificate like Cloud SQL's (signed by the instance's own CA, naming the instance
 * rather than the address connected to), the functions' pool and the migration CLI's URL connect only over TLS
 * and only to a server whose certificate chains to that CA.
 */

let dir: string;
let pg: EmbeddedPostgres;
let ca: string;
let otherCa: string;

function openssl(...args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('this test needs the openssl command (apt-get install -y openssl)');
    throw err;
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-tls-'));
  fs.chmodSync(dir, 0o755); // Postgres may run as another user and must reach its data directory inside
  const makeCa = (name: string, cn: string) => openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
  makeCa('ca', 'Somnus test server CA');
  makeCa('other-ca', 'Somnus test other CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=somnus-test:us-central1:somnus-pg', '-keyout', 'server.key', '-out', 'server.csr');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'server.crt');

  pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: false });
  const owner = fs.statSync(pg.dataDir);
  for (const file of ['server.crt', 'server.key']) {
    const target = path.join(pg.dataDir, file);
    fs.copyFileSync(path.join(dir, file), target);
    fs.chownSync(target, owner.uid, owner.gid);
    fs.chmodSync(target, 0o600);
  }
  const admin = new Client({ connectionString: pg.adminUrl });
  await admin.connect();
  try {
    await admin.query('ALTER SYSTEM SET ssl = on');
    await admin.query('SELECT pg_reload_conf()');
  } finally {
    await admin.end();
  }
  // the reload reaches new backends shortly after
  for (let i = 0; ; i++) {
    const probe = new Client({ connectionString: pg.adminUrl });
    await probe.connect();
    const { rows } = await probe.query<{ ssl: string }>('SHOW ssl');
    await probe.end();
    if (rows[0]!.ssl === 'on') break;
    if (i > 100) throw new Error('Postgres did not turn TLS on');
    await new Promise((r) => setTimeout(r, 50));
  }
  ca = fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  otherCa = fs.readFileSync(path.join(dir, 'other-ca.crt'), 'utf8');
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const verifyCaUrl = () => `${pg.adminUrl}?sslmode=verify-ca`;

/** Connects with a pg config; answers whether the session is encrypted, or the error that refused it. */
async function tryConnect(config: ConstructorParameters<typeof Client>[0]): Promise<string> {
  const client = new Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!.ssl ? 'tls' : 'plain';
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

it("connects (the pool's config) over TLS to a server whose certificate chains to the CA, whatever name it carries", async () => {
  expect(await tryConnect(connectionConfig(verifyCaUrl(), ca))).toBe('tls');
});

it('refuses a server whose certificate another CA signed', async () => {
  expect(await tryConnect(connectionConfig(verifyCaUrl(), otherCa))).toMatch(/^refused: .*(self.signed|unable to verify|certificate)/i);
});

it('refuses to start without the CA rather than connect unverified', () => {
  expect(() => connectionConfig(verifyCaUrl(), undefined)).toThrow(/DATABASE_CA_CERT/);
  expect(() => connectionConfig(verifyCaUrl(), '')).toThrow(/DATABASE_CA_CERT/);
});

it('leaves URLs without sslmode=verify-ca as they are (local stack and tests: no TLS)', async () => {
  expect(connectionConfig(pg.adminUrl, ca)).toEqual({ connectionString: pg.adminUrl });
  expect(await tryConnect(connectionConfig(pg.adminUrl, undefined))).toBe('plain');
});

it("gives node-pg-migrate's CLI a URL that verifies the same way, and removes the CA file afterwards", async () => {
  const good = migratorCliUrl(verifyCaUrl(), ca);
  const bad = migratorCliUrl(verifyCaUrl(), otherCa);
  try {
    // the CLI hands the URL string to node-postgres, which parses it itself
    expect(await tryConnect({ connectionString: good.url })).toBe('tls');
    expect(await tryConnect({ connectionString: bad.url })).toMatch(/^refused: /);
  } finally {
    good.done();
    bad.done();
  }
  const caFile = new URL(good.url).searchParams.get('sslrootcert')!;
  expect(fs.existsSync(caFile)).toBe(false);
  expect(migratorCliUrl(pg.adminUrl, undefined).url).toBe(pg.adminUrl);
});
