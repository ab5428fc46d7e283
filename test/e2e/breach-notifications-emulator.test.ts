import { PUBSUB_EMULATOR_PATH, pubsubEmulatorInstalled } from '@somnus/dev/src/event-bus';
import { getFreePort } from '@somnus/dev/src/postgres';
import { settleDispatches } from '@somnus/runtime';
import { queryRows } from '../support/database';
import { eventually, incidentBody, opsClient, seedPeople } from '../support/incidents';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Breach notifications through gcloud's real Pub/Sub emulator (issue 12): the topic and push
 * subscription the local stack creates, real publishes, real push deliveries to `notify`.
 */

const installed = pubsubEmulatorInstalled();

(installed ? describe : describe.skip)(
  installed ? 'breach notifications through the Pub/Sub emulator' : `breach notifications through the Pub/Sub emulator: SKIPPED, the emulator is not installed at ${PUBSUB_EMULATOR_PATH}`,
  () => {
    let stack: TestStack;
    let ops: ReturnType<typeof opsClient>;

    beforeAll(async () => {
      stack = await startTestStack({ functions: ['incidents', 'notify'], env: { LOG_LEVEL: 'silent' }, pubsub: 'emulator', sweepMs: 500 });
      ops = opsClient(stack.opsUrl!, () => stack.operatorToken());
    }, 90_000);
    afterAll(async () => stack?.stop());

    const waitDone = (id: string) =>
      eventually(
        `incident ${id} to settle`,
        async () => {
          const r = await ops.get(id);
          return r.body.done ? r.body : undefined;
        },
        60_000,
        200,
      );

    it('runs on the emulator', () => {
      expect(stack.pubsub).toBe('emulator');
      expect(process.env.PUBSUB_EMULATOR_HOST).toBe(stack.bus.emulatorHost);
    });

    it('delivers one email to each of 200 recipients in two organizations, none to anyone else', async () => {
      const { orgs, loners } = await seedPeople(stack.db.adminUrl, { orgs: [130, 70], loners: 20 });
      const r = await ops.create(incidentBody({ scope: { type: 'orgs', ids: orgs.map((o) => o.id) } }));
      expect(r.status).toBe(201);
      const done = await waitDone(r.body.id);
      expect(done.counts).toEqual({ queued: 0, published: 0, sending: 0, sent: 200, failed: 0 });
      await new Promise((res) => setTimeout(res, 1500));
      for (const p of orgs.flatMap((o) => o.members)) expect(stack.smtp.messagesTo(p.email)).toHaveLength(1);
      for (const p of loners) expect(stack.smtp.messagesTo(p.email)).toHaveLength(0);
    });

    it('keeps an incident recorded while Pub/Sub is unreachable, and the sweeper publishes it once it is back', async () => {
      const { loners } = await seedPeople(stack.db.adminUrl, { orgs: [], loners: 10 });
      const host = process.env.PUBSUB_EMULATOR_HOST!;
      stack.pauseSweeper();
      // nothing listens on this port: publishing fails the way an unreachable Pub/Sub does
      process.env.PUBSUB_EMULATOR_HOST = `127.0.0.1:${await getFreePort('127.0.0.1')}`;
      let id: string;
      try {
        const r = await ops.create(incidentBody({ scope: { type: 'accounts', ids: loners.map((p) => p.id) } }));
        expect(r.status).toBe(201);
        id = r.body.id;
        // the rows are published after the answer: let that attempt fail while Pub/Sub is unreachable
        await settleDispatches();
        expect(r.body.counts).toMatchObject({ queued: 10, published: 0, sent: 0 });
        const rows = await queryRows(stack.db.adminUrl, `SELECT state FROM mail_outbox WHERE incident_id = $1`, [id]);
        expect(rows.map((x) => x.state)).toEqual(Array(10).fill('queued'));
      } finally {
        process.env.PUBSUB_EMULATOR_HOST = host;
        stack.resumeSweeper();
      }
      const done = await waitDone(id);
      expect(done.counts.sent).toBe(10);
      for (const p of loners) expect(stack.smtp.messagesTo(p.email)).toHaveLength(1);
    }, 120_000);
  },
);
