import type { PubSub, Topic } from '@google-cloud/pubsub';
import { TOPIC_MESSAGES, type TopicMessageInput, type TopicName } from '@somnus/models';

/** The project name the local stack and tests use with the emulator; it only namespaces topics there. */
export const LOCAL_PROJECT = 'somnus-local';

/** A message as it goes on the wire: the JSON payload as bytes, and string attributes. */
export interface EncodedMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

/**
 * Where published messages go instead of Pub/Sub: the local stack installs one that delivers to the
 * subscribed functions in-process when no emulator is available.
 */
export interface PublishTransport {
  /** One message id per message, in order. */
  publish(topic: TopicName, messages: readonly EncodedMessage[]): Promise<string[]>;
}

export type PublishTarget =
  | { kind: 'transport' }
  | { kind: 'emulator'; host: string; project: string }
  | { kind: 'gcp'; project: string | null };

/**
 * An emulator that is not running must not keep a caller waiting: the library's own retries of an
 * unreachable endpoint take over twenty seconds even under a ten-second timeout.
 */
const EMULATOR_CALL = { timeout: 10_000, maxRetries: 2 };

let transport: PublishTransport | null = null;
let client: { key: string; pubsub: PubSub; topics: Map<TopicName, Topic> } | null = null;

export function setPublishTransport(next: PublishTransport | null): void {
  transport = next;
}

/**
 * Read at every publish, not cached at first use: the local stack and tests point the same process at an
 * emulator or a transport after modules are loaded.
 */
export function publishTarget(): PublishTarget | null {
  if (transport) return { kind: 'transport' };
  const env = process.env;
  if (env.PUBSUB_EMULATOR_HOST) return { kind: 'emulator', host: env.PUBSUB_EMULATOR_HOST, project: env.GOOGLE_CLOUD_PROJECT || LOCAL_PROJECT };
  if (env.GOOGLE_CLOUD_PROJECT) return { kind: 'gcp', project: env.GOOGLE_CLOUD_PROJECT };
  // on Cloud Run the library finds the project on the metadata server
  if (env.K_SERVICE) return { kind: 'gcp', project: null };
  return null;
}

function clientFor(target: Exclude<PublishTarget, { kind: 'transport' }>) {
  const key = JSON.stringify(target);
  if (client?.key === key) return client;
  if (client) void client.pubsub.close().catch(() => undefined);
  if (target.kind === 'emulator') {
    // Without this, google-auth-library probes the metadata server, which on a laptop means a wait for a
    // connection that never comes. An emulator needs no credentials at all.
    process.env.METADATA_SERVER_DETECTION ??= 'none';
  }
  // Loaded on first publish, not with the module: the library takes about a third of a second to load,
  // and every function imports this package but few of them publish.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PubSub: PubSubClient } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
  const pubsub =
    target.kind === 'emulator'
      ? new PubSubClient({ projectId: target.project, apiEndpoint: target.host, emulatorMode: true })
      : new PubSubClient(target.project ? { projectId: target.project } : {});
  client = { key, pubsub, topics: new Map() };
  return client;
}

function topicFor(target: Exclude<PublishTarget, { kind: 'transport' }>, name: TopicName): Topic {
  const c = clientFor(target);
  let topic = c.topics.get(name);
  if (!topic) {
    topic = c.pubsub.topic(name, target.kind === 'emulator' ? { gaxOpts: EMULATOR_CALL } : {});
    c.topics.set(name, topic);
  }
  return topic;
}

/** Validates against the topic's schema and publishes what the schema kept, so stray fields never leave. */
function encode<T extends TopicName>(topic: T, message: TopicMessageInput<T>, attributes: Record<string, string>): EncodedMessage {
  const parsed = TOPIC_MESSAGES[topic].safeParse(message);
  if (!parsed.success) {
    // field paths only: the values may be personal data
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw new Error(`refusing to publish an invalid ${topic} message (fields: ${fields})`);
  }
  return { data: Buffer.from(JSON.stringify(parsed.data)), attributes: { ...attributes } };
}

/** Publishes one message; resolves with its Pub/Sub message id once Pub/Sub (or the transport) has it. */
export async function publish<T extends TopicName>(
  topic: T,
  message: TopicMessageInput<T>,
  attributes: Record<string, string> = {},
): Promise<string> {
  const [id] = await publishBatch(topic, [message], attributes);
  return id!;
}

/**
 * Publishes messages of one topic together (the client batches them into few requests); resolves with
 * their ids in order. Every message is validated before any is sent. Fails if any publish fails: the
 * caller retries the whole batch, so subscribers must tolerate duplicates (they must anyway).
 */
export async function publishBatch<T extends TopicName>(
  topic: T,
  messages: readonly TopicMessageInput<T>[],
  attributes: Record<string, string> = {},
): Promise<string[]> {
  const encoded = messages.map((m) => encode(topic, m, attributes));
  if (encoded.length === 0) return [];
  const target = publishTarget();
  if (!target) {
    throw new Error(
      `cannot publish to ${topic}: no Pub/Sub configured. Set PUBSUB_EMULATOR_HOST for an emulator or ` +
        'GOOGLE_CLOUD_PROJECT for Google Cloud; the local stack (pnpm start) configures one itself.',
    );
  }
  if (target.kind === 'transport') return transport!.publish(topic, encoded);
  const t = topicFor(target, topic);
  try {
    return await Promise.all(encoded.map((m) => t.publishMessage({ data: m.data, attributes: m.attributes })));
  } catch (err) {
    const where = target.kind === 'emulator' ? `the Pub/Sub emulator at ${target.host}` : 'Pub/Sub';
    throw new Error(`publishing to ${topic} on ${where} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Closes the Pub/Sub client's connections (tests, and the local stack on stop). */
export async function closePublisher(): Promise<void> {
  const c = client;
  client = null;
  if (c) await c.pubsub.close();
}
