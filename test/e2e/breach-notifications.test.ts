import { queryRows } from '../support/database';
import { eventually, incidentBody, opsClient, queuedIncident as queuedIncidentOf, seedPeople, type Person } from '../support/incidents';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp';
import { startTestStack, type TestStack } from '../support/stack';
import { pushToNotify } from '../support/notify-push';

/**
 * Breach notifications end to end (issue 12; docs/architecture.md §11.3): the private `incidents`
 * function, the outbox, Pub/Sub delivery (in-process here, with the push envelope GCP uses; the emulator
 * path is breach-notifications-emulator.test.ts), `notify`, and a real SMTP server.
 */

let stack: TestStack;
let ops: ReturnType<typeof opsClient>;

beforeAll(async () => {
  stack = await startTestStack({
    functions: ['incidents', 'notify'],
    env: { LOG_LEVEL: 'silent' },
    sweepMs: 500,
    delivery: { minBackoffMs: 200, maxBackoffMs: 1000 },
  });
  ops = opsClient(stack.opsUrl!, () => stack.operatorToken());
});
afterAll(async () => stack?.stop());

const admin = <R extends Record<string, unknown> = Record<string, any>>(sql: string, params: unknown[] = []) =>
  queryRows<R>(stack.db.adminUrl, sql, params);

const count = async (table: string) => Number((await admin<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

async function waitDone(id: string, timeoutMs = 60_000) {
  return eventually(
    `incident ${id} to settle`,
    async () => {
      const r = await ops.get(id);
      return r.body.done ? r.body : undefined;
    },
    timeoutMs,
    200,
  );
}

const mailsTo = (sink: SmtpSink, p: Person) => sink.messagesTo(p.email);
/** The sink records a message once it has parsed it, a moment after the SMTP server's 250. */
const arrived = (p: Person) => stack.smtp.waitForMessage((m) => m.to.includes(p.email), 5000);

describe('an incident for two organizations', () => {
  let orgs: Awaited<ReturnType<typeof seedPeople>>['orgs'];
  let loners: Person[];
  let inScope: Person[];

  beforeAll(async () => {
    ({ orgs, loners } = await seedPeople(stack.db.adminUrl, { orgs: [120, 80, 15], loners: 25 }));
    // five people belong to both organizations in scope: they are told once
    await admin(`INSERT INTO memberships (org_id, account_id, role) SELECT $1, a, 'member' FROM unnest($2::text[]) a`, [
      orgs[1]!.id,
      orgs[0]!.members.slice(1, 6).map((m) => m.id),
    ]);
    inScope = [...orgs[0]!.members, ...orgs[1]!.members];
  });

  it('sends each of the 200 recipients exactly one email with the incident, and nobody else any', async () => {
    stack.smtp.clear();
    const body = incidentBody({
      title: 'Replica <exposed> & read',
      scope: { type: 'orgs', ids: [orgs[0]!.id, orgs[1]!.id] },
    });
    const created = await ops.create(body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ created: true, recipients: 200, title: body.title, severity: 'high' });

    const done = await waitDone(created.body.id);
    expect(done.counts).toEqual({ queued: 0, published: 0, sending: 0, sent: 200, failed: 0 });
    expect(done.failures).toEqual([]);

    // nothing more arrives later (a redelivery or a sweep would show here)
    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.smtp.messages).toHaveLength(200);
    for (const p of inScope) {
      const got = mailsTo(stack.smtp, p);
      expect(got).toHaveLength(1);
      const m = got[0]!;
      expect(m.subject).toBe('[Somnus security notice] Replica <exposed> & read');
      expect(m.text).toContain(body.summary as string);
      expect(m.text).toContain(body.details as string);
      expect(m.text).toContain('https://status.somnus.test/postmortems/2026-12-01');
      expect(m.text).toContain('Change your passphrase');
      expect(m.text).toContain(created.body.id);
      expect(m.html).toContain('Replica &lt;exposed&gt; &amp; read');
      expect(m.html).not.toContain('<exposed>');
      expect(m.html).toContain('<a href="https://status.somnus.test/postmortems/2026-12-01">');
    }
    for (const p of [...orgs[2]!.members, ...loners]) expect(mailsTo(stack.smtp, p)).toHaveLength(0);
  });

  it('answers the same incident for the same idempotency key, and records nothing twice', async () => {
    const body = incidentBody({ scope: { type: 'accounts', ids: [loners[0]!.id] } });
    const first = await ops.create(body);
    const second = await ops.create({ ...body });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, created: false, title: body.title });
    // the same key with other content is refused, not answered with an incident the operator did not describe
    for (const other of [
      { title: 'A different title' },
      { summary: 'Another summary.' },
      { details: 'Other details.' },
      { severity: 'low' },
      { scope: { type: 'accounts', ids: [loners[1]!.id] } },
      { postmortemUrl: 'https://status.somnus.test/postmortems/other' },
    ]) {
      const r = await ops.create({ ...body, ...other });
      expect({ other, status: r.status, error: r.body.error }).toEqual({ other, status: 409, error: 'CONFLICT' });
    }
    expect(await admin(`SELECT id FROM incidents WHERE idempotency_key = $1`, [body.idempotencyKey])).toHaveLength(1);
    await waitDone(first.body.id);
    expect(mailsTo(stack.smtp, loners[0]!)).toHaveLength(1);
  });

  it('lists incidents newest first with their counts', async () => {
    const list = await ops.list();
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(2);
    const [newest] = list.body.incidents;
    expect(newest.recipients).toBe(1);
    expect(list.body.incidents.map((i: { recipients: number }) => i.recipients)).toContain(200);
  });
});

const push = (outboxIds: string | readonly string[], messageId: string) => pushToNotify(stack, outboxIds, messageId);
const queuedIncident = (people: Person[]) => queuedIncidentOf(stack, people);

describe('exactly once', () => {
  let people: Person[];
  beforeAll(async () => {
    ({ loners: people } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 44 }));
  });

  it('sends one email for a message delivered twice, even at the same time', async () => {
    const sweep = await pauseSweeper();
    try {
      const { outboxIds } = await queuedIncident(people.slice(0, 2));
      const [a, b] = outboxIds as [string, string];
      // one message delivered twice in a row, another twice at once
      expect(await push(a, 'm-1')).toBeLessThan(300);
      expect(await push(a, 'm-1')).toBeLessThan(300);
      const both = await Promise.all([push(b, 'm-2'), push(b, 'm-2')]);
      // one of the concurrent deliveries sends; the other acknowledges a sent row, or asks to be retried
      // while the first holds the claim (and is acknowledged on its redelivery)
      expect(both.filter((s) => s < 300).length).toBeGreaterThanOrEqual(1);
      expect(await push(b, 'm-2')).toBeLessThan(300);
      await arrived(people[0]!);
      await arrived(people[1]!);
      await new Promise((r) => setTimeout(r, 300));
      expect(mailsTo(stack.smtp, people[0]!)).toHaveLength(1);
      expect(mailsTo(stack.smtp, people[1]!)).toHaveLength(1);
      expect(await admin(`SELECT state, attempts FROM mail_outbox WHERE id = ANY($1::bigint[])`, [outboxIds])).toEqual([
        { state: 'sent', attempts: 1 },
        { state: 'sent', attempts: 1 },
      ]);
    } finally {
      sweep.resume();
    }
  });

  it('takes over a row whose instance died between claiming and sending: retried, not lost, not doubled', async () => {
    const sweep = await pauseSweeper();
    let outboxIds: string[];
    try {
      ({ outboxIds } = await queuedIncident(people.slice(2, 4)));
      // an instance claimed both and was killed before sending: one claim is fresh, one is past the lease
      await admin(
        `UPDATE mail_outbox SET state = 'sending', attempts = 1, claim_token = 'dead-instance',
                claimed_at = CASE WHEN id = $1 THEN now() ELSE now() - interval '1 hour' END,
                published_at = now() - interval '1 hour'
         WHERE id = ANY($2::bigint[])`,
        [outboxIds[0], outboxIds],
      );
      // a redelivery while the claim is live is not sent, and asks to come again
      expect(await push(outboxIds[0]!, 'm-3')).toBeGreaterThanOrEqual(500);
      expect(mailsTo(stack.smtp, people[2]!)).toHaveLength(0);
      // the expired claim is taken over by the next delivery
      expect(await push(outboxIds[1]!, 'm-4')).toBeLessThan(300);
      await arrived(people[3]!);
      // the live one too, once its lease is over; the sweeper republishes it (its message seems lost)
      await admin(`UPDATE mail_outbox SET claimed_at = now() - interval '1 hour' WHERE id = $1`, [outboxIds[0]]);
    } finally {
      sweep.resume();
    }
    await eventually('the dead instance\'s row to be sent', async () => mailsTo(stack.smtp, people[2]!).length === 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailsTo(stack.smtp, people[2]!)).toHaveLength(1);
    expect(mailsTo(stack.smtp, people[3]!)).toHaveLength(1);
    expect(await admin(`SELECT state, attempts FROM mail_outbox WHERE id = ANY($1::bigint[])`, [outboxIds])).toEqual([
      { state: 'sent', attempts: 2 },
      { state: 'sent', attempts: 2 },
    ]);
  });

  it('sends each row of a message naming several once: sent rows acknowledged, a held row asked again, unknown ids ignored', async () => {
    const group = people.slice(40, 44);
    const sweep = await pauseSweeper();
    let outboxIds: string[];
    try {
      ({ outboxIds } = await queuedIncident(group));
      const [sentAlready, fresh, held, alsoFresh] = outboxIds as [string, string, string, string];
      expect(await push(sentAlready, 'm-5')).toBeLessThan(300);
      await arrived(group[0]!);
      // another instance is sending this one right now
      await admin(`UPDATE mail_outbox SET state = 'sending', attempts = 1, claim_token = 'other-instance', claimed_at = now() WHERE id = $1`, [held]);

      // ids of no row: one in range, one past bigint's range, one not a number
      const batch = [sentAlready, fresh, held, alsoFresh, '987654321987', '9999999999999999999', 'obx-1'];
      // the held row is not sent by this delivery, so the message is asked again; the others go out now
      expect(await push(batch, 'm-6')).toBeGreaterThanOrEqual(500);
      await arrived(group[1]!);
      await arrived(group[3]!);
      expect(mailsTo(stack.smtp, group[2]!)).toHaveLength(0);
      expect(await admin(`SELECT id::text AS id, state, attempts FROM mail_outbox WHERE id = ANY($1::bigint[]) ORDER BY id`, [outboxIds])).toEqual(
        [
          { id: sentAlready, state: 'sent', attempts: 1 },
          { id: fresh, state: 'sent', attempts: 1 },
          { id: held, state: 'sending', attempts: 1 },
          { id: alsoFresh, state: 'sent', attempts: 1 },
        ].sort((a, b) => Number(a.id) - Number(b.id)),
      );

      // the other instance died: once its claim is past the lease, the redelivery takes the row over
      await admin(`UPDATE mail_outbox SET claimed_at = now() - interval '1 hour' WHERE id = $1`, [held]);
      expect(await push(batch, 'm-6')).toBeLessThan(300);
      await arrived(group[2]!);
      // and a later redelivery of the whole message sends nothing
      expect(await push(batch, 'm-6')).toBeLessThan(300);
    } finally {
      sweep.resume();
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const p of group) expect(mailsTo(stack.smtp, p)).toHaveLength(1);
    const rows = await admin<{ state: string; attempts: number }>(`SELECT state, attempts FROM mail_outbox WHERE id = ANY($1::bigint[])`, [outboxIds]);
    expect(rows.map((r) => r.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(rows.map((r) => r.attempts).sort()).toEqual([1, 1, 1, 2]);
  });

  it('keeps the rows of an incident recorded while Pub/Sub is unreachable, and the sweeper publishes them', async () => {
    const sweep = await pauseSweeper();
    let id: string;
    try {
      ({ id } = await queuedIncident(people.slice(4, 10)));
      const view = await ops.get(id);
      expect(view.body.counts).toMatchObject({ queued: 6, published: 0, sent: 0 });
      await new Promise((r) => setTimeout(r, 300));
      for (const p of people.slice(4, 10)) expect(mailsTo(stack.smtp, p)).toHaveLength(0);
    } finally {
      sweep.resume();
    }
    const done = await waitDone(id);
    expect(done.counts.sent).toBe(6);
    for (const p of people.slice(4, 10)) expect(mailsTo(stack.smtp, p)).toHaveLength(1);
  });

  it('retries while SMTP refuses connections, and delivers every email once when it is back', async () => {
    const port = stack.smtp.port;
    await stack.smtp.stop();
    let back: SmtpSink | null = null;
    try {
      const group = people.slice(10, 30);
      const r = await ops.create(incidentBody({ scope: { type: 'accounts', ids: group.map((p) => p.id) } }));
      expect(r.status).toBe(201);
      // deliveries are failing and being retried
      await eventually('failed attempts', async () => {
        const rows = await admin<{ n: string }>(`SELECT count(*) AS n FROM mail_outbox WHERE incident_id = $1 AND attempts >= 2`, [r.body.id]);
        return Number(rows[0]!.n) === group.length;
      });
      const mid = await ops.get(r.body.id);
      expect(mid.body.counts.sent).toBe(0);
      back = await startSmtpSink({ port });
      const done = await waitDone(r.body.id);
      expect(done.counts).toMatchObject({ sent: 20, failed: 0 });
      await new Promise((res) => setTimeout(res, 1500));
      for (const p of group) expect(back.messagesTo(p.email)).toHaveLength(1);
      expect(back.messages).toHaveLength(20);
    } finally {
      // the stack's sink object is stopped; keep the port served for the tests after this one
      stack.smtp = back ?? (await startSmtpSink({ port }));
    }
  });

  it('marks emails failed after the last attempt, shows why, and sends them once on retry-failed', async () => {
    const port = stack.smtp.port;
    await stack.smtp.stop();
    process.env.NOTIFY_MAX_ATTEMPTS = '2';
    const group = people.slice(30, 35);
    let id: string;
    try {
      const r = await ops.create(incidentBody({ scope: { type: 'accounts', ids: group.map((p) => p.id) } }));
      id = r.body.id;
      const settled = await waitDone(id);
      expect(settled.counts).toMatchObject({ sent: 0, failed: 5 });
      expect(settled.failures).toHaveLength(5);
      for (const f of settled.failures) {
        expect(f.attempts).toBe(2);
        expect(f.reason).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
        expect(f.reason).not.toContain('@');
      }
    } finally {
      delete process.env.NOTIFY_MAX_ATTEMPTS;
      stack.smtp = await startSmtpSink({ port });
    }
    const retried = await ops.retryFailed(id);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ requeued: 5, published: 5 });
    const done = await waitDone(id);
    expect(done.counts).toMatchObject({ sent: 5, failed: 0 });
    for (const p of group) expect(mailsTo(stack.smtp, p)).toHaveLength(1);
    // nothing left to retry
    expect((await ops.retryFailed(id)).body).toEqual({ requeued: 0, published: 0 });
  });
});

describe('refusals change nothing', () => {
  it('answers 401 to every token that is not a live operator token, and records nothing', async () => {
    const before = [await count('incidents'), await count('mail_outbox')];
    const { generateOperatorKey, signOperatorToken } = await import('@somnus/dev/src/operator-keys');
    const stranger = await generateOperatorKey();
    const tokens: Record<string, string | null> = {
      none: null,
      'not a bearer': 'Basic b3A6cGFzcw==',
      garbage: 'Bearer not.a.jwt',
      'another key': `Bearer ${await signOperatorToken({ ...stranger, email: stack.operatorKey.email })}`,
      expired: `Bearer ${await signOperatorToken(stack.operatorKey, { ttlSeconds: -120 })}`,
      'wrong audience': `Bearer ${await signOperatorToken(stack.operatorKey, { audience: 'https://elsewhere.example' })}`,
      'wrong issuer': `Bearer ${await signOperatorToken(stack.operatorKey, { issuer: 'https://accounts.google.com' })}`,
      'not an operator': `Bearer ${await signOperatorToken(stack.operatorKey, { email: 'someone@example.test' })}`,
      'unverified email': `Bearer ${await signOperatorToken(stack.operatorKey, { emailVerified: false })}`,
    };
    const alg = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ email: stack.operatorKey.email, email_verified: true, iss: stack.operatorKey.issuer, aud: stack.operatorKey.audience, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    tokens['alg none'] = `Bearer ${alg}.${claims}.`;
    for (const [what, auth] of Object.entries(tokens)) {
      for (const [method, path] of [
        ['POST', '/ops/incidents'],
        ['GET', '/ops/incidents'],
        ['POST', '/ops/outbox/dispatch'],
        ['GET', '/nowhere'],
      ] as const) {
        const r = await ops.call(method, path, method === 'POST' ? incidentBody() : undefined, auth);
        expect({ what, path, status: r.status, body: r.body }).toEqual({
          what,
          path,
          status: 401,
          body: { error: 'UNAUTHORIZED', message: expect.any(String) },
        });
      }
    }
    expect([await count('incidents'), await count('mail_outbox')]).toEqual(before);
  });

  it('lets the sweeper\'s identity dispatch the outbox and nothing else (403), and records nothing for it', async () => {
    const sweeper = 'sched-incidents@somnus-test.iam.gserviceaccount.com';
    process.env.SOMNUS_SWEEPER_EMAILS = sweeper;
    try {
      const auth = `Bearer ${await stack.operatorToken({ email: sweeper })}`;
      const before = [await count('incidents'), await count('mail_outbox')];
      for (const [method, path] of [
        ['POST', '/ops/incidents'],
        ['GET', '/ops/incidents'],
        ['GET', `/ops/incidents/inc_${'0'.repeat(32)}`],
        ['POST', `/ops/incidents/inc_${'0'.repeat(32)}/retry-failed`],
      ] as const) {
        const r = await ops.call(method, path, method === 'POST' ? incidentBody() : undefined, auth);
        expect({ path, status: r.status, error: r.body.error }).toEqual({ path, status: 403, error: 'FORBIDDEN' });
      }
      expect([await count('incidents'), await count('mail_outbox')]).toEqual(before);
      const dispatched = await ops.call('POST', '/ops/outbox/dispatch', undefined, auth);
      expect(dispatched.status).toBe(200);
      expect(dispatched.body).toEqual({ published: expect.any(Number), failed: expect.any(Number) });
      // the operators' list does not include the sweeper, and an operator still does everything
      expect((await ops.list()).status).toBe(200);
    } finally {
      delete process.env.SOMNUS_SWEEPER_EMAILS;
    }
  });

  it('takes the token\'s audience from its configuration, never from the Host header', async () => {
    const { request } = await import('node:http');
    const url = new URL(stack.opsUrl!);
    const host = 'incidents-elsewhere.example';
    // Google's issuer is where the function used to accept https://<Host> as an audience
    const issuer = 'https://accounts.google.com';
    process.env.SOMNUS_OPERATOR_ISSUER = issuer;
    try {
      const call = async (audience: string) => {
        const token = await stack.operatorToken({ audience, issuer });
        return new Promise<number>((resolve, reject) => {
          const req = request({ host: url.hostname, port: url.port, path: '/ops/incidents', method: 'GET', headers: { host, authorization: `Bearer ${token}` } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
      };
      expect(await call(`https://${host}`)).toBe(401);
      expect(await call(stack.operatorKey.audience)).toBe(200);
    } finally {
      process.env.SOMNUS_OPERATOR_ISSUER = stack.operatorKey.issuer;
    }
  });

  it('answers 4xx to bad bodies and unknown scopes, and records nothing', async () => {
    const before = [await count('incidents'), await count('incident_recipients'), await count('mail_outbox')];
    const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 1 });
    const unknownOrg = `org_${'0'.repeat(32)}`;
    const cases: [string, unknown, number][] = [
      ['no title', { ...incidentBody(), title: undefined }, 400],
      ['title with a line break', incidentBody({ title: 'one\ntwo' }), 400],
      ['unknown severity', incidentBody({ severity: 'apocalyptic' }), 400],
      ['unknown scope type', incidentBody({ scope: { type: 'everyone' } }), 400],
      ['empty scope', incidentBody({ scope: { type: 'orgs', ids: [] } }), 400],
      ['malformed org id', incidentBody({ scope: { type: 'orgs', ids: ['org_nope'] } }), 400],
      ['unknown org', incidentBody({ scope: { type: 'orgs', ids: [unknownOrg] } }), 400],
      ['one unknown account among known', incidentBody({ scope: { type: 'accounts', ids: [loners[0]!.id, `acct_${'f'.repeat(32)}`] } }), 400],
      ['javascript: post-mortem', incidentBody({ postmortemUrl: 'javascript:alert(1)' }), 400],
      ['short idempotency key', incidentBody({ idempotencyKey: 'x' }), 400],
      ['extra field', incidentBody({ extra: true }), 400],
      ['NUL in summary', incidentBody({ summary: 'a\u0000b' }), 400],
      ['not JSON', '{"title":', 400],
    ];
    for (const [what, body, status] of cases) {
      const r = await ops.call('POST', '/ops/incidents', body);
      expect({ what, status: r.status, error: r.body.error }).toEqual({ what, status, error: 'VALIDATION_ERROR' === r.body.error ? 'VALIDATION_ERROR' : r.body.error });
      expect(r.body).toEqual({ error: expect.stringMatching(/^(VALIDATION_ERROR|INVALID_JSON)$/), message: expect.any(String) });
    }
    expect((await ops.get(`inc_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await ops.get('not-an-id')).status).toBe(404);
    expect((await ops.retryFailed(`inc_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await ops.call('DELETE', '/ops/incidents')).status).toBe(405);
    expect([await count('incidents'), await count('incident_recipients'), await count('mail_outbox')]).toEqual(before);
  });
});

/** Holds the test stack's sweeper off while a test arranges rows by hand. */
async function pauseSweeper(): Promise<{ resume(): void }> {
  stack.pauseSweeper();
  return { resume: () => stack.resumeSweeper() };
}

export type { SinkMessage };
