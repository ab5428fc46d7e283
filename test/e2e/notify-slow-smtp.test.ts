import { setPublishTransport, settleDispatches, type PublishTransport } from '@somnus/runtime';
import { queryRows } from '../support/database';
import { incidentBody, opsClient, seedPeople } from '../support/incidents';
import { startSmtpSink } from '../support/smtp';
import { startTestStack, type TestStack } from '../support/stack';
import { pushOutboxMessage } from '../support/notify-push';

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

/** The push request Pub/Sub (and the local bus) sends to `notify`. */
async function push(outboxId: string, messageId: string): Promise<number> {
  const { listen } = await import('../support/api');
  const server = await listen(stack.functions.notify!);
  try {
    return await pushOutboxMessage(server.baseUrl, { outboxId, kind: 'incident', messageId });
  } finally {
    await server.close();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

it('sends one email, not two, when the SMTP server is slower than the claim lease', async () => {
  const ops = opsClient(stack.opsUrl!, () => stack.operatorToken());
  const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 1 });
  const person = loners[0]!;

  // the incident is recorded with Pub/Sub failing: its row stays queued and the test delivers it itself
  const failing: PublishTransport = { publish: async () => Promise.reject(new Error('Pub/Sub is unreachable')) };
  setPublishTransport(failing);
  let id: string;
  try {
    const r = await ops.create(incidentBody({ scope: { type: 'accounts', ids: [person.id] } }));
    expect(r.status).toBe(201);
    id = r.body.id;
    // the rows are published after the answer: let that attempt fail before Pub/Sub works again
    await settleDispatches();
  } finally {
    setPublishTransport(stack.bus.transport);
  }
  const outbox = (await queryRows<{ id: string }>(stack.db.adminUrl, `SELECT id::text AS id FROM mail_outbox WHERE incident_id = $1`, [id]))[0]!.id;

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
