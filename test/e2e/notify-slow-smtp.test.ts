import { queryRows } from '../support/database';
import { queuedIncident as queuedIncidentOf, seedPeople, type Person } from '../support/incidents';
import { startSmtpSink } from '../support/smtp';
import { startTestStack, type TestStack } from '../support/stack';
import { pushOutboxMessage, pushToNotify } from '../support/notify-push';

/**
 * A slow SMTP server must not get an email sent twice (issue 12, review item 1): every send is bounded by a
 * deadline shorter than `notify`'s claim lease, so a redelivery after the lease never finds the first send
 * still under way. Small configured values: a 1 s lease and a 500 ms send deadline; the SMTP server stalls
 * 2.5 s on MAIL FROM on its first connection, and the same message is pushed twice 1.5 s apart. Without the
 * deadline the stalled send finishes after the second delivery took the expired claim over and sent too.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    functions: ['incidents', 'notify'],
    env: { LOG_LEVEL: 'silent', NOTIFY_CLAIM_LEASE_SECONDS: '1', SMTP_SEND_DEADLINE_MS: '500', NOTIFY_SEND_WAIT_MS: '300' },
    sweepMs: 0,
  });
});
afterAll(async () => {
  delete process.env.SMTP_SEND_DEADLINE_MS;
  delete process.env.NOTIFY_CLAIM_LEASE_SECONDS;
  delete process.env.NOTIFY_SEND_WAIT_MS;
  await stack?.stop();
});

const push = (outboxIds: string | readonly string[], messageId: string) => pushToNotify(stack, outboxIds, messageId);
const queuedIncident = async (people: readonly Person[]) => (await queuedIncidentOf(stack, people)).outboxIds;

/** Replaces the stack's SMTP sink with one on the same port (the transport reconnects to it). */
async function replaceSink(opts: Parameters<typeof startSmtpSink>[0]) {
  const port = stack.smtp.port;
  await stack.smtp.stop();
  stack.smtp = await startSmtpSink({ ...opts, port });
  return stack.smtp;
}

const rowsOf = (ids: readonly string[]) =>
  queryRows<{ id: string; state: string; attempts: number; last_error: string | null; claim_token: string | null }>(
    stack.db.adminUrl,
    `SELECT id::text AS id, state, attempts, last_error, claim_token FROM mail_outbox WHERE id = ANY($1::bigint[]) ORDER BY id`,
    [ids],
  );

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

it('sends one email, not two, when the SMTP server is slower than the claim lease', async () => {
  const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 1 });
  const person = loners[0]!;
  // the incident is recorded with Pub/Sub failing: its row stays queued and the test delivers it itself
  const [outbox] = (await queuedIncidentOf(stack, loners)).outboxIds as [string];

  // the stack's sink is replaced by one that stalls its first connection
  const port = stack.smtp.port;
  await stack.smtp.stop();
  const slow = await startSmtpSink({ port, beforeMailFrom: async (session) => (session === 1 ? sleep(2500) : undefined) });
  stack.smtp = slow;

  const first = push(outbox, 'm-slow');
  await sleep(1500);
  const second = await push(outbox, 'm-slow');
  const firstStatus = await first;
  // long enough for the stalled first send to have finished, had it not been abandoned
  await sleep(2500);
  expect(slow.messagesTo(person.email)).toHaveLength(1);
  // the first delivery gave up at the deadline (the row went back to waiting, the message is redelivered);
  // the second sent it
  expect(firstStatus).toBeGreaterThanOrEqual(500);
  expect(second).toBeLessThan(300);
  // a later redelivery is acknowledged without sending
  expect(await push(outbox, 'm-slow')).toBeLessThan(300);
  expect(slow.messagesTo(person.email)).toHaveLength(1);
  const rows = await queryRows(stack.db.adminUrl, `SELECT state, attempts FROM mail_outbox WHERE id = $1`, [outbox]);
  expect(rows).toEqual([{ state: 'sent', attempts: 2 }]);
});

it('sends the other rows of a message when SMTP refuses one for now, and only that one on redelivery', async () => {
  const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 3 });
  const ids = await queuedIncident(loners);
  const refused = loners[1]!.email.toLowerCase();
  let refusals = 0;
  const sink = await replaceSink({ refuseRecipient: (address) => (address.toLowerCase() === refused && refusals++ === 0 ? 451 : null) });

  expect(await push(ids, 'm-batch')).toBeGreaterThanOrEqual(500);
  expect(sink.messagesTo(loners[0]!.email)).toHaveLength(1);
  expect(sink.messagesTo(loners[2]!.email)).toHaveLength(1);
  expect(sink.messagesTo(loners[1]!.email)).toHaveLength(0);
  const after = await rowsOf(ids);
  const byId = new Map(after.map((r) => [r.id, r]));
  expect(byId.get(ids[1]!)).toMatchObject({ state: 'published', attempts: 1, claim_token: null });
  expect(byId.get(ids[1]!)!.last_error).toContain('451');
  expect(byId.get(ids[1]!)!.last_error).not.toContain('@');

  expect(await push(ids, 'm-batch')).toBeLessThan(300);
  for (const p of loners) expect(sink.messagesTo(p.email)).toHaveLength(1);
  const settled = new Map((await rowsOf(ids)).map((r) => [r.id, [r.state, r.attempts]]));
  expect(ids.map((id) => settled.get(id))).toEqual([['sent', 1], ['sent', 2], ['sent', 1]]);
});

it('gives back, untried and uncounted, the rows whose turn to send does not come within the send budget', async () => {
  // one SMTP connection (two send slots), 200 ms per message, a 300 ms budget: at most three of six rows
  // get a slot in time
  process.env.NOTIFY_SMTP_CONNECTIONS = '1';
  try {
    const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 6 });
    const ids = await queuedIncident(loners);
    const sink = await replaceSink({ beforeMailFrom: () => sleep(200) });

    expect(await push(ids, 'm-budget')).toBeGreaterThanOrEqual(500);
    const first = await rowsOf(ids);
    const untried = first.filter((r) => r.state === 'published' && r.attempts === 0);
    expect(untried.length).toBeGreaterThanOrEqual(3);
    for (const r of untried) expect(r).toMatchObject({ claim_token: null, last_error: null });
    expect(first.filter((r) => r.state === 'sending')).toEqual([]);

    // each redelivery sends what fits; the message is acknowledged once every row is sent
    let status = 500;
    for (let i = 0; i < 8 && status >= 500; i++) status = await push(ids, 'm-budget');
    expect(status).toBeLessThan(300);
    await sleep(300);
    for (const p of loners) expect(sink.messagesTo(p.email)).toHaveLength(1);
    expect((await rowsOf(ids)).every((r) => r.state === 'sent' && r.attempts >= 1)).toBe(true);
  } finally {
    delete process.env.NOTIFY_SMTP_CONNECTIONS;
  }
});

it('does not send a row whose claim outlived the send budget before its turn came: the delivery that took it over sends it, once', async () => {
  // a 2 s lease, a 1 s budget: the first delivery is held up rendering (its incident cannot be read) past
  // its budget and its lease; a redelivery takes the expired claim over; both can render once the table is free
  process.env.NOTIFY_CLAIM_LEASE_SECONDS = '2';
  process.env.NOTIFY_SEND_WAIT_MS = '1000';
  const { Client } = await import('pg');
  const { listen } = await import('../support/api');
  const server = await listen(stack.functions.notify!);
  const locker = new Client({ connectionString: stack.db.adminUrl });
  locker.on('error', () => undefined);
  await locker.connect();
  try {
    const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 1 });
    const [id] = await queuedIncident(loners);
    const sink = await replaceSink({});
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');

    const first = pushOutboxMessage(server.baseUrl, { outboxIds: [id!], messageId: 'm-late-render' });
    await sleep(2300);
    const second = pushOutboxMessage(server.baseUrl, { outboxIds: [id!], messageId: 'm-late-render' });
    await sleep(300);
    await locker.query('COMMIT');
    const [firstStatus, secondStatus] = await Promise.all([first, second]);
    await sleep(300);

    expect(sink.messagesTo(loners[0]!.email)).toHaveLength(1);
    // the first gave its row up untried (its claim was no longer its own); the second sent it
    expect(firstStatus).toBeGreaterThanOrEqual(500);
    expect(secondStatus).toBeLessThan(300);
    expect(await rowsOf([id!])).toEqual([expect.objectContaining({ state: 'sent', attempts: 2 })]);
  } finally {
    await locker.end();
    await server.close();
    process.env.NOTIFY_CLAIM_LEASE_SECONDS = '1';
    process.env.NOTIFY_SEND_WAIT_MS = '300';
  }
});
