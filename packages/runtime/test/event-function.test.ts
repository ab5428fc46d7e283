import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { FunctionSpec, TopicMessage } from '@somnus/models';
import { defineEventFunction, type EventContext } from '../src/event-function';
import { setLogDestination } from '../src/logger';
import { fail, ok } from '../src/result';

/**
 * A test-only event function driven through functions-framework's own server with the request a Pub/Sub
 * push subscription sends, so decoding, acknowledgement and retries are those of a deployed function.
 */

const TOPIC = 'breach-notifications';
const REGISTRY: readonly FunctionSpec[] = [
  {
    name: 'test-events',
    entryPoint: 'test-events',
    source: 'packages/runtime/test',
    trigger: { type: 'pubsub', topic: TOPIC },
    memoryMiB: 256,
    cpu: 1,
    secrets: [],
    roles: [],
  },
];

type Ctx = EventContext<typeof TOPIC>;
let behaviour: 'ok' | 'fail' | 'throw' = 'ok';
const received: Ctx[] = [];

cloudEvent(
  'test-events',
  defineEventFunction(
    'test-events',
    TOPIC,
    async (ctx) => {
      received.push(ctx);
      if (behaviour === 'fail') return fail('SERVICE_UNAVAILABLE', `mail server down for ${ctx.message.email}`);
      if (behaviour === 'throw') throw new Error(`boom while sending to ${ctx.message.email}`);
      return ok(null);
    },
    { registry: REGISTRY },
  ),
);

const logLines: string[] = [];
const consoleErrors: string[] = [];
let server: http.Server;
let baseUrl: string;
let seq = 0;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'info';
  setLogDestination({ write: (line) => void logLines.push(line) });
  server = getTestServer('test-events');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  setLogDestination(process.stdout);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  behaviour = 'ok';
  received.length = 0;
  logLines.length = 0;
  consoleErrors.length = 0;
  // functions-framework prints a failed invocation's error to stderr: capture it to check what it says
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void consoleErrors.push(args.map(String).join(' ')));
});
afterEach(() => jest.restoreAllMocks());

const payload = {
  outboxId: 'obx-7f3a',
  incidentId: 'inc-19c2',
  accountId: `acct_${'ab'.repeat(16)}`,
  email: ' Alice.Secret@Example.COM ',
};
const payloadValues = ['obx-7f3a', 'inc-19c2', 'ab'.repeat(16), 'alice.secret', 'Alice.Secret'];

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');

/** The body a push subscription POSTs, to the path the deployed subscriptions use. */
async function push(data: string, attributes: Record<string, string> = {}) {
  const messageId = String(1000 + ++seq);
  const res = await fetch(`${baseUrl}/projects/somnus-test/topics/${TOPIC}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      message: { data, attributes, messageId, message_id: messageId, publishTime: '2026-01-02T03:04:05.678Z' },
      subscription: `projects/somnus-test/subscriptions/${TOPIC}-test-events`,
    }),
  });
  await res.arrayBuffer();
  return { status: res.status, messageId };
}

const logs = () => logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
const eventLine = () => logs().find((l) => l.message === 'event');

function expectNoPayloadInOutput(): void {
  const output = [...logLines, ...consoleErrors].join('\n');
  for (const v of payloadValues) expect(output).not.toContain(v);
  expect(output).not.toContain('boom');
  expect(output).not.toContain('mail server down');
}

it('hands a valid message to the handler, validated, normalised and typed, and acknowledges it', async () => {
  const { status, messageId } = await push(b64({ ...payload, extra: 'dropped' }), { origin: 'test' });
  expect(status).toBe(204);
  expect(received).toHaveLength(1);
  const ctx = received[0]!;
  const message: TopicMessage<typeof TOPIC> = ctx.message;
  expect(message).toEqual({ ...payload, email: 'alice.secret@example.com' });
  expect(ctx.messageId).toBe(messageId);
  expect(ctx.attributes).toEqual({ origin: 'test' });
  expect(ctx.publishTime?.toISOString()).toBe('2026-01-02T03:04:05.678Z');
  // functions-framework's conversion of a push request does not pass the delivery attempt on
  expect(ctx.deliveryAttempt).toBeNull();
  expect(ctx.requestId).toBe(`evt_${messageId}`);
  expect(eventLine()).toMatchObject({ fn: 'test-events', requestId: `evt_${messageId}`, topic: TOPIC, messageId, outcome: 'acknowledged', severity: 'INFO' });
  expectNoPayloadInOutput();
});

it('takes the delivery attempt from a CloudEvent delivery that carries it', async () => {
  const res = await fetch(`${baseUrl}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'ce-id': '4242',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': `//pubsub.googleapis.com/projects/somnus-test/topics/${TOPIC}`,
      'ce-time': '2026-01-02T03:04:05.678Z',
    },
    body: JSON.stringify({
      message: { data: b64(payload), messageId: '4242', publishTime: '2026-01-02T03:04:05.678Z' },
      subscription: 'projects/somnus-test/subscriptions/eventarc',
      deliveryAttempt: 3,
    }),
  });
  expect(res.status).toBe(204);
  expect(received[0]).toMatchObject({ messageId: '4242', deliveryAttempt: 3, attributes: {} });
});

describe('a message that cannot be processed is acknowledged (a retry would fail the same way) and logged by id only', () => {
  it.each([
    ['fails the topic schema', b64({ ...payload, accountId: 'not-an-account', email: 'Alice.Secret' }), 'message does not match the breach-notifications schema'],
    ['is not JSON', b64('Alice.Secret@example.com ab'), 'message data is not JSON'],
    ['is not base64', '%%% Alice.Secret %%%', 'message data is not base64'],
  ])('data that %s', async (_, data, reason) => {
    const { status, messageId } = await push(data);
    expect(status).toBe(204);
    expect(received).toHaveLength(0);
    const warning = logs().find((l) => l.severity === 'WARNING');
    expect(warning).toMatchObject({ fn: 'test-events', topic: TOPIC, messageId, reason });
    expect(eventLine()).toMatchObject({ messageId, outcome: 'rejected' });
    expectNoPayloadInOutput();
  });

  it('names the failing fields without their values', async () => {
    await push(b64({ ...payload, accountId: 'not-an-account', email: 'Alice.Secret' }));
    const warning = logs().find((l) => l.severity === 'WARNING');
    expect(warning?.issues).toEqual([
      { path: 'accountId', code: 'invalid_format' },
      { path: 'email', code: 'invalid_format' },
    ]);
  });

  it('a request that is not a Pub/Sub event', async () => {
    const res = await fetch(`${baseUrl}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ hello: 'Alice.Secret' }),
    });
    expect(res.status).toBe(204);
    expect(received).toHaveLength(0);
    expect(logs().find((l) => l.severity === 'WARNING')).toMatchObject({ reason: 'not a Pub/Sub message event' });
  });
});

describe('a handler failure is not acknowledged, so that Pub/Sub redelivers', () => {
  it('a failed Result', async () => {
    behaviour = 'fail';
    const { status, messageId } = await push(b64(payload));
    expect(status).toBe(500);
    expect(received).toHaveLength(1);
    expect(eventLine()).toMatchObject({ messageId, outcome: 'failed', errorCode: 'SERVICE_UNAVAILABLE' });
    expect(consoleErrors.join('\n')).toContain(`test-events failed with SERVICE_UNAVAILABLE on message ${messageId}`);
    expectNoPayloadInOutput();
  });

  it('a thrown error: logged by class and stack frames, never its message', async () => {
    behaviour = 'throw';
    const { status, messageId } = await push(b64(payload));
    expect(status).toBe(500);
    const error = logs().find((l) => l.severity === 'ERROR') as { err: { type: string; stack: string } } | undefined;
    expect(error?.err.type).toBe('Error');
    expect(error?.err.stack).toMatch(/^ {4}at /);
    expect(eventLine()).toMatchObject({ messageId, outcome: 'error', errorCode: 'INTERNAL', severity: 'INFO' });
    expectNoPayloadInOutput();
  });
});

describe('the registry and the code cannot drift', () => {
  it('refuses a function the registry does not declare', () => {
    expect(() => defineEventFunction('nobody', TOPIC, async () => ok(null), { registry: REGISTRY })).toThrow(/not in the function registry/);
  });

  it('refuses a function the registry does not subscribe to that topic', () => {
    const http = [{ ...REGISTRY[0]!, trigger: { type: 'http', public: false } }] as const satisfies readonly FunctionSpec[];
    expect(() => defineEventFunction('test-events', TOPIC, async () => ok(null), { registry: http })).toThrow(/trigger/);
  });

  it('checks the real registry by default', () => {
    expect(() => defineEventFunction('test-events', TOPIC, async () => ok(null))).toThrow(/not in the function registry/);
  });
});
