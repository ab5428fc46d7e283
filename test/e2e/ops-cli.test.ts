import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { normaliseText, opsMain, progressLine } from '@somnus/dev/src/ops-cli';
import { queryRows } from '../support/database';
import { seedPeople } from '../support/incidents';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * `pnpm ops` (issue 12) against the whole stack: the operator records an incident, watches it go out, lists
 * and inspects incidents. The CLI signs nothing here: it is given a token as an operator in GCP would be.
 */

let stack: TestStack;
let out: string[];
let restore: () => void;

beforeAll(async () => {
  stack = await startTestStack({ functions: ['incidents', 'notify'], env: { LOG_LEVEL: 'silent' }, sweepMs: 500 });
  process.env.SOMNUS_OPS_URL = stack.opsUrl!;
  process.env.SOMNUS_OPS_TOKEN = await stack.operatorToken();
});
afterAll(async () => {
  delete process.env.SOMNUS_OPS_URL;
  delete process.env.SOMNUS_OPS_TOKEN;
  await stack?.stop();
});
beforeEach(() => {
  out = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  restore = () => (process.stdout.write = write);
});
afterEach(() => restore());

it('creates an incident, follows it to the last email with a progress bar, then lists and shows it', async () => {
  const { orgs, loners } = await seedPeople(stack.db.adminUrl, { orgs: [12, 8], loners: 3 });
  const code = await opsMain([
    'incident',
    'create',
    '--title',
    'Replica exposed',
    '--summary',
    'A read replica was reachable for two hours.',
    '--severity',
    'critical',
    '--scope',
    orgs.map((o) => `org:${o.id}`).join(','),
    '--postmortem-url',
    'https://status.example.test/pm/9',
  ]);
  const text = out.join('');
  expect(code).toBe(0);
  const id = /Recorded (inc_[0-9a-f]{32}): 20 recipient\(s\)/.exec(text)?.[1];
  expect(id).toBeDefined();
  // not a terminal: one progress line per change, the last one complete
  expect(text).toContain('[██████████████████████████████] 100%  sent 20/20 · failed 0');
  expect(text).toContain('recipients 20: sent 20, failed 0, sending 0, published 0, queued 0 (done)');
  for (const p of orgs.flatMap((o) => o.members)) expect(stack.smtp.messagesTo(p.email)).toHaveLength(1);
  for (const p of loners) expect(stack.smtp.messagesTo(p.email)).toHaveLength(0);

  out.length = 0;
  expect(await opsMain(['incident', 'list'])).toBe(0);
  expect(out.join('')).toMatch(new RegExp(`${id}  \\S+  critical\\s+20/20\\s+sent  Replica exposed`));

  out.length = 0;
  expect(await opsMain(['incident', 'status', id!])).toBe(0);
  expect(out.join('')).toContain(`${id}  Replica exposed`);
  expect(out.join('')).toContain('post-mortem https://status.example.test/pm/9');

  out.length = 0;
  expect(await opsMain(['incident', 'retry-failed', id!])).toBe(0);
  expect(out.join('')).toContain('requeued 0, published 0');
});

it('refuses a scope it cannot read before calling anything', async () => {
  await expect(opsMain(['incident', 'create', '--title', 't', '--summary', 's', '--scope', 'org:x,account:y'])).rejects.toThrow(/one kind per scope/);
  await expect(opsMain(['incident', 'create', '--title', 't', '--summary', 's', '--scope', 'team:x'])).rejects.toThrow(/unknown scope kind/);
  await expect(opsMain(['incident', 'create', '--title', 't', '--summary', 's', '--scope', `org:org_${'0'.repeat(32)}`])).rejects.toThrow(
    /400 VALIDATION_ERROR: scope: no organization/,
  );
});

it('draws sent and failed parts of the bar in proportion', () => {
  const line = progressLine({ queued: 0, published: 10, sending: 0, sent: 60, failed: 30 }, 100, 2);
  expect(line).toBe('[██████████████████✗✗✗✗✗✗✗✗✗░░░] 90%  sent 60/100 · failed 30 · sending 0 · published 10 · queued 0  2.0 s');
});

/** An HTTP proxy to the stack's `incidents` that forwards every request, and drops the answers `drop` picks. */
async function answerDroppingProxy(drop: (req: http.IncomingMessage, n: number) => boolean): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(stack.opsUrl!);
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const dropThis = drop(req, ++n);
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
      (up) => {
        if (dropThis) {
          // the server answered (and recorded); the operator never hears of it
          up.resume();
          up.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

it('records one incident when the answer to create is lost and the operator runs the command again', async () => {
  const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 3 });
  let creates = 0;
  const proxy = await answerDroppingProxy((req) => req.method === 'POST' && req.url === '/ops/incidents' && ++creates === 1);
  const args = [
    'incident',
    'create',
    '--title',
    `Lost answer ${loners[0]!.id}`,
    '--summary',
    'The first answer never reached the operator.',
    '--scope',
    loners.map((p) => `account:${p.id}`).join(','),
  ];
  process.env.SOMNUS_OPS_URL = proxy.url;
  const errors: string[] = [];
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    // the first run (it asks again itself when the answer is lost), then the operator runs it once more
    await opsMain(args).catch(() => 2);
    const first = out.join('');
    const key = /idempotency key (\S+)/.exec(first)?.[1];
    expect(key).toMatch(/^cli-[0-9a-f]{40}$/);
    // the key is printed before the request goes out
    expect(first.indexOf(`idempotency key ${key}`)).toBeLessThan(first.search(/Recorded|Already recorded/));
    out.length = 0;
    expect(await opsMain(args)).toBe(0);
    expect(out.join('')).toContain(`idempotency key ${key}`);
    expect(out.join('')).toMatch(/Already recorded \(same idempotency key\) inc_[0-9a-f]{32}: 3 recipient\(s\)/);
  } finally {
    process.stderr.write = writeErr;
    process.env.SOMNUS_OPS_URL = stack.opsUrl!;
    await proxy.close();
  }
  expect(creates).toBeGreaterThanOrEqual(2);
  const incidents = await queryRows(stack.db.adminUrl, `SELECT id FROM incidents WHERE title = $1`, [`Lost answer ${loners[0]!.id}`]);
  expect(incidents).toHaveLength(1);
  await new Promise((r) => setTimeout(r, 500));
  for (const p of loners) expect(stack.smtp.messagesTo(p.email)).toHaveLength(1);
});

describe('for a newcomer', () => {
  const create = (scope: string, extra: string[] = []) =>
    opsMain(['incident', 'create', '--title', `Scope ${scope.slice(0, 60)}`, '--summary', 'Scope forms.', '--scope', scope, '--no-wait', ...extra]);
  const recorded = () => /(?:Recorded|Already recorded \(same idempotency key\)) (inc_[0-9a-f]{32}): (\d+) recipient/.exec(out.join(''));

  it('takes the scope with the kind once (as the README shows) or on every id', async () => {
    const { orgs, loners } = await seedPeople(stack.db.adminUrl, { orgs: [2, 3], loners: 3 });
    for (const [scope, n] of [
      [`org:${orgs[0]!.id},${orgs[1]!.id}`, 5],
      [`org:${orgs[0]!.id},org:${orgs[1]!.id},`, 5],
      [`account:${loners[0]!.id},${loners[1]!.id}`, 2],
      [`account:${loners[0]!.id},account:${loners[1]!.id},account:${loners[2]!.id}`, 3],
      [`account:${loners[0]!.id}, account:${loners[1]!.id}, ${loners[2]!.id}`, 3],
    ] as const) {
      out.length = 0;
      expect({ scope, code: await create(scope) }).toEqual({ scope, code: 0 });
      expect({ scope, recipients: Number(recorded()?.[2]) }).toEqual({ scope, recipients: n });
    }
    await expect(create(`org:${orgs[0]!.id},account:${loners[0]!.id}`)).rejects.toThrow(/one kind per scope/);
    await expect(create(`${loners[0]!.id},account:${loners[1]!.id}`)).rejects.toThrow(/unknown scope kind/);
  });

  it('has a README example that is one command: every line of it but the last continues', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const lines = readme.split('\n');
    const start = lines.findIndex((l) => l.startsWith('pnpm ops incident create'));
    expect(start).toBeGreaterThan(0);
    const command: string[] = [];
    for (let i = start; ; i++) {
      command.push(lines[i]!);
      if (!lines[i]!.trimEnd().endsWith('\\')) break;
    }
    const text = command.join(' ');
    for (const flag of ['--title', '--summary', '--details-file', '--severity', '--scope', '--postmortem-url']) expect(text).toContain(flag);
    expect(text).toMatch(/--scope org:org_\S+,org_\S+/);
  });

  it('sends a details file with Windows line endings and tabs, as \\n and spaces', async () => {
    const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 1 });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-ops-')), 'affected.txt');
    fs.writeFileSync(file, 'Affected:\r\n\temail addresses\r\n\taccount names\rend\r\n');
    expect(normaliseText('a\r\nb\tc\rd')).toBe('a\nb    c\nd');
    expect(await create(`account:${loners[0]!.id}`, ['--details-file', file])).toBe(0);
    const id = recorded()?.[1];
    const rows = await queryRows(stack.db.adminUrl, `SELECT details FROM incidents WHERE id = $1`, [id]);
    expect(rows).toEqual([{ details: 'Affected:\n    email addresses\n    account names\nend' }]);
  });

  it('says "no recipients" for an incident nobody is in scope of, not an empty bar at 100%', async () => {
    const { orgs } = await seedPeople(stack.db.adminUrl, { orgs: [1], loners: 0 });
    await queryRows(stack.db.adminUrl, `DELETE FROM memberships WHERE org_id = $1`, [orgs[0]!.id]);
    expect(progressLine({ queued: 0, published: 0, sending: 0, sent: 0, failed: 0 }, 0, 0.4)).toBe('no recipients: nothing to send  0.4 s');
    expect(await opsMain(['incident', 'create', '--title', 'Nobody', '--summary', 'An empty team.', '--scope', `org:${orgs[0]!.id}`])).toBe(0);
    const text = out.join('');
    expect(text).toContain('0 recipient(s)');
    expect(text).toContain('no recipients: nothing to send');
    expect(text).not.toContain('100%');
  });
});
