import type http from 'node:http';
import { cloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { FunctionSpec } from '@somnus/models';
import { closePublisher, defineEventFunction, fail, ok, publish, publishBatch, setLogDestination } from '@somnus/runtime';
import {
  PUBSUB_EMULATOR_PATH,
  planPubSub,
  pubsubEmulatorInstalled,
  startEventBus,
  startPubSubEmulator,
  subscriptionsOf,
  type DeliveryInfo,
  type EventBus,
  type PubSubEmulator,
} from '../src/event-bus';

/**
 * A test subscriber function receives what the real publisher publishes: through the in-process
 * transport, and through gcloud's Pub/Sub emulator where it is installed.
 */

const TOPIC = 'breach-notifications';
const FN = 'test-subscriber';
const REGISTRY: readonly FunctionSpec[] = [
  {
    name: FN,
    entryPoint: FN,
    source: 'packages/dev/test',
    trigger: { type: 'pubsub', topic: TOPIC },
    memoryMiB: 256,
    cpu: 1,
    secrets: [],
    roles: [],
  },
];
const SUBSCRIPTIONS = subscriptionsOf(REGISTRY);

interface Received {
  outboxId: string;
  messageId: string;
  email: string;
}
const received: Received[] = [];
/** outboxIds the subscriber fails once (then acknowledges), or always. */
const failOnce = new Set<string>();
const failAlways = new Set<string>();

cloudEvent(
  FN,
  defineEventFunction(
    FN,
    TOPIC,
    async ({ message, messageId }) => {
      // these tests publish the one-row shape: what the bus carries, not what notify does with it
      const outboxId = message.outboxId!;
      received.push({ outboxId, messageId, email: message.email ?? '' });
      if (failAlways.has(outboxId)) return fail('SERVICE_UNAVAILABLE', 'always failing');
      if (failOnce.delete(outboxId)) return fail('SERVICE_UNAVAILABLE', 'failing once');
      return ok(null);
    },
    { registry: REGISTRY },
  ),
);

let server: http.Server;
const ENV_KEYS = ['PUBSUB_EMULATOR_HOST', 'GOOGLE_CLOUD_PROJECT', 'K_SERVICE'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

beforeAll(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  // the failures below are the point of the tests; their log lines are not
  setLogDestination({ write: () => undefined });
  server = getTestServer(FN);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterAll(async () => {
  await closePublisher();
  setLogDestination(process.stdout);
  jest.restoreAllMocks();
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
});

let seq = 0;
const message = (outboxId = `obx-${++seq}`) => ({
  outboxId,
  incidentId: 'inc-1',
  accountId: `acct_${'ef'.repeat(16)}`,
  email: `Person${seq}@Example.com`,
});

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const deliveriesOf = (outboxId: string) => received.filter((r) => r.outboxId === outboxId);

describe('which Pub/Sub the local stack uses', () => {
  const subs = SUBSCRIPTIONS;
  it('the emulator the user points at, always', () => {
    expect(planPubSub({ userEmulatorHost: 'localhost:8085', subscriptions: [], emulatorInstalled: false })).toEqual({
      kind: 'user-emulator',
      host: 'localhost:8085',
    });
  });
  it('the installed emulator only when some function subscribes to a topic', () => {
    expect(planPubSub({ subscriptions: subs, emulatorInstalled: true })).toEqual({ kind: 'start-emulator' });
    expect(planPubSub({ subscriptions: [], emulatorInstalled: true })).toEqual({ kind: 'in-process', reason: 'no-subscribers' });
  });
  it('in-process when the emulator is not installed', () => {
    expect(planPubSub({ subscriptions: subs, emulatorInstalled: false })).toEqual({ kind: 'in-process', reason: 'not-installed' });
  });
  it('subscribers come from the registry', () => {
    expect(subs).toEqual([{ fn: FN, topic: TOPIC }]);
  });
});

describe('in-process delivery', () => {
  let bus: EventBus;
  const deliveries: DeliveryInfo[] = [];
  beforeAll(async () => {
    bus = await startEventBus({
      subscriptions: SUBSCRIPTIONS,
      servers: { [FN]: server },
      delivery: { maxAttempts: 3, minBackoffMs: 20, maxBackoffMs: 50 },
      onDelivery: (d) => deliveries.push(d),
    });
  });
  afterAll(() => bus?.stop());

  it('delivers a published message to the subscribed function, typed and under its message id', async () => {
    expect(bus.mode).toBe('in-process');
    const m = message();
    const id = await publish(TOPIC, m);
    const [got] = await waitFor('the delivery', () => deliveriesOf(m.outboxId).length > 0 && deliveriesOf(m.outboxId));
    expect(got).toEqual({ outboxId: m.outboxId, messageId: id, email: m.email.toLowerCase() });
    await waitFor('the push response', () => deliveries.find((d) => d.status === 204));
    expect(deliveries[0]).toMatchObject({ topic: TOPIC, fn: FN, status: 204 });
  });

  it('delivers a batch', async () => {
    const ms = [message(), message(), message()];
    const ids = await publishBatch(TOPIC, ms);
    expect(new Set(ids).size).toBe(3);
    for (const [i, m] of ms.entries()) {
      const [got] = await waitFor('the delivery', () => deliveriesOf(m.outboxId).length > 0 && deliveriesOf(m.outboxId));
      expect(got!.messageId).toBe(ids[i]);
    }
  });

  it('redelivers a message the function failed, under the same id', async () => {
    const m = message();
    failOnce.add(m.outboxId);
    const id = await publish(TOPIC, m);
    const got = await waitFor('the redelivery', () => deliveriesOf(m.outboxId).length >= 2 && deliveriesOf(m.outboxId));
    expect(got.map((r) => r.messageId)).toEqual([id, id]);
  });

  it('dead-letters a message after the last attempt', async () => {
    const m = message();
    failAlways.add(m.outboxId);
    const id = await publish(TOPIC, m);
    await waitFor('the dead letter', () => bus.deadLetters.find((d) => d.messageId === id));
    expect(deliveriesOf(m.outboxId)).toHaveLength(3);
    expect(bus.deadLetters).toContainEqual({ topic: TOPIC, fn: FN, messageId: id });
  });

  it('after stop, the publisher has nowhere to publish and says so', async () => {
    await bus.stop();
    await expect(publish(TOPIC, message())).rejects.toThrow(/no Pub\/Sub configured/);
  });
});

const emulatorInstalled = pubsubEmulatorInstalled();
(emulatorInstalled ? describe : describe.skip)(
  emulatorInstalled
    ? 'through the Pub/Sub emulator'
    : `through the Pub/Sub emulator: SKIPPED, the emulator is not installed at ${PUBSUB_EMULATOR_PATH}`,
  () => {
    let emulator: PubSubEmulator | undefined;
    let bus: EventBus | undefined;
    beforeAll(async () => {
      emulator = await startPubSubEmulator();
      bus = await startEventBus({
        subscriptions: SUBSCRIPTIONS,
        servers: { [FN]: server },
        emulatorHost: emulator.host,
        // the emulator takes a whole-second backoff at least
        delivery: { maxAttempts: 5, minBackoffMs: 1000, maxBackoffMs: 1000 },
      });
    }, 60_000);
    afterAll(async () => {
      await bus?.stop();
      await emulator?.stop();
    });

    it('configures the publisher for the emulator', () => {
      expect(bus!.mode).toBe('emulator');
      expect(process.env.PUBSUB_EMULATOR_HOST).toBe(emulator!.host);
      expect(emulator!.host).toMatch(/^127\.0\.0\.1:\d+$/);
    });

    it('pushes published messages to the subscribed function, under the ids the emulator gave them', async () => {
      const ms = [message(), message()];
      const ids = await publishBatch(TOPIC, ms);
      for (const [i, m] of ms.entries()) {
        const [got] = await waitFor('the delivery', () => deliveriesOf(m.outboxId).length > 0 && deliveriesOf(m.outboxId));
        expect(got).toEqual({ outboxId: m.outboxId, messageId: ids[i], email: m.email.toLowerCase() });
      }
    });

    it('the emulator redelivers a message the function failed', async () => {
      const m = message();
      failOnce.add(m.outboxId);
      const id = await publish(TOPIC, m);
      const got = await waitFor('the redelivery', () => deliveriesOf(m.outboxId).length >= 2 && deliveriesOf(m.outboxId));
      expect(got.map((r) => r.messageId)).toEqual([id, id]);
    });

    it('stop() takes the publisher off the emulator', async () => {
      await bus!.stop();
      bus = undefined;
      expect(process.env.PUBSUB_EMULATOR_HOST).toBeUndefined();
    });
  },
);
