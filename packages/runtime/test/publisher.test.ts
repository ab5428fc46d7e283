import type { TopicName } from '@somnus/models';
import { closePublisher, publish, publishBatch, publishTarget, setPublishTransport, type EncodedMessage } from '../src/publisher';

/** The publisher's own rules; delivery through the emulator and in-process is tested in packages/dev. */

const ENV_KEYS = ['PUBSUB_EMULATOR_HOST', 'GOOGLE_CLOUD_PROJECT', 'K_SERVICE'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

beforeEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  setPublishTransport(null);
});
afterAll(async () => {
  setPublishTransport(null);
  await closePublisher();
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
});

const message = {
  outboxId: 'obx-1',
  incidentId: 'inc-1',
  accountId: `acct_${'cd'.repeat(16)}`,
  email: 'Bob.Private@Example.com',
};

/** A transport that records what would go on the wire. */
function recordingTransport() {
  const sent: { topic: TopicName; messages: EncodedMessage[] }[] = [];
  let id = 0;
  setPublishTransport({
    async publish(topic, messages) {
      sent.push({ topic, messages: [...messages] });
      return messages.map(() => `m${++id}`);
    },
  });
  return sent;
}

it('fails at once, and says how to configure it, when there is nowhere to publish', async () => {
  expect(publishTarget()).toBeNull();
  const started = Date.now();
  await expect(publish('breach-notifications', message)).rejects.toThrow(
    /cannot publish to breach-notifications: no Pub\/Sub configured.*PUBSUB_EMULATOR_HOST.*GOOGLE_CLOUD_PROJECT/,
  );
  expect(Date.now() - started).toBeLessThan(1000);
});

it('sends what the topic schema keeps, as JSON bytes, and returns the message ids in order', async () => {
  const sent = recordingTransport();
  const ids = await publishBatch('breach-notifications', [message, { ...message, outboxId: 'obx-2', stray: 'secret' } as typeof message], {
    source: 'test',
  });
  expect(ids).toEqual(['m1', 'm2']);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.topic).toBe('breach-notifications');
  const decoded = sent[0]!.messages.map((m) => ({ json: JSON.parse(m.data.toString('utf8')) as unknown, attributes: m.attributes }));
  expect(decoded).toEqual([
    { json: { ...message, email: 'bob.private@example.com' }, attributes: { source: 'test' } },
    { json: { ...message, outboxId: 'obx-2', email: 'bob.private@example.com' }, attributes: { source: 'test' } },
  ]);
  expect(await publish('breach-notifications', message)).toBe('m3');
});

it('refuses an invalid message before anything is sent, naming the fields but not their values', async () => {
  const sent = recordingTransport();
  const bad = [message, { ...message, email: 'Bob.Private', accountId: 'acct_nope' }];
  const err = await publishBatch('breach-notifications', bad).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toBe('refusing to publish an invalid breach-notifications message (fields: accountId, email)');
  expect(sent).toEqual([]);
});

it('an empty batch needs no Pub/Sub', async () => {
  expect(await publishBatch('breach-notifications', [])).toEqual([]);
});

it('the transport wins over an emulator, and the emulator over Google Cloud', () => {
  process.env.GOOGLE_CLOUD_PROJECT = 'somnus-prod';
  expect(publishTarget()).toEqual({ kind: 'gcp', project: 'somnus-prod' });
  process.env.PUBSUB_EMULATOR_HOST = '127.0.0.1:8681';
  expect(publishTarget()).toEqual({ kind: 'emulator', host: '127.0.0.1:8681', project: 'somnus-prod' });
  delete process.env.GOOGLE_CLOUD_PROJECT;
  expect(publishTarget()).toEqual({ kind: 'emulator', host: '127.0.0.1:8681', project: 'somnus-local' });
  recordingTransport();
  expect(publishTarget()).toEqual({ kind: 'transport' });
});

it('on Cloud Run without GOOGLE_CLOUD_PROJECT, leaves the project to the library', () => {
  process.env.K_SERVICE = 'notify';
  expect(publishTarget()).toEqual({ kind: 'gcp', project: null });
});
