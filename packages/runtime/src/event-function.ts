import crypto from 'node:crypto';
import type { CloudEvent } from '@google-cloud/functions-framework';
import {
  FUNCTION_REGISTRY,
  PUBSUB_MESSAGE_PUBLISHED,
  TOPIC_MESSAGES,
  type FunctionSpec,
  type TopicMessage,
  type TopicName,
} from '@somnus/models';
import type { Logger } from 'pino';
import { quietFrameworkClientErrors } from './framework-errors';
import { errorFacts, logger } from './logger';
import { type Result } from './result';

export interface EventContext<T extends TopicName> {
  /** The payload, validated and normalised by the topic's schema. */
  message: TopicMessage<T>;
  /** Pub/Sub's id of the message: the same on every redelivery. */
  messageId: string;
  attributes: Readonly<Record<string, string>>;
  publishTime: Date | null;
  /**
   * 1 on the first delivery. Null when the delivery path does not carry it: functions-framework drops it
   * when it converts a raw push request into a CloudEvent.
   */
  deliveryAttempt: number | null;
  log: Logger;
  requestId: string;
}

/**
 * Return ok() to acknowledge, including for conditions a retry cannot change. Return a failure, or throw,
 * to have Pub/Sub deliver the message again (with backoff, then to the dead-letter topic).
 */
export type EventHandler<T extends TopicName> = (ctx: EventContext<T>) => Promise<Result<unknown>>;

export interface EventFunctionOptions {
  /** The registry the function must be declared in; tests declare their own functions. */
  registry?: readonly FunctionSpec[];
}

/**
 * Thrown to functions-framework so that it answers 500 and Pub/Sub redelivers. Its stack is its message
 * alone: the framework prints whatever it is given to stderr, and everything worth knowing is already in
 * our JSON log line.
 */
export class EventRetryError extends Error {
  override name = 'EventRetryError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** Why a delivery cannot be processed, in words that never quote the message. */
class MalformedMessage extends Error {
  constructor(
    readonly reason: string,
    readonly issues?: { path: string; code: string }[],
  ) {
    super(reason);
  }
}

interface Envelope {
  messageId: string;
  attributes: Record<string, string>;
  publishTime: Date | null;
  deliveryAttempt: number | null;
  data: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The message id is logged and reused as the request id: keep it to characters that are safe in both. */
const safeId = (v: unknown): string | null => (typeof v === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(v) ? v : null);

/**
 * The Pub/Sub message inside the CloudEvent. A push subscription's request reaches us converted by
 * functions-framework (`data.message`); an Eventarc delivery carries the same `data` with
 * `subscription` and possibly `deliveryAttempt` beside it.
 */
function envelopeOf(event: CloudEvent<unknown>): Envelope {
  if (event.type !== PUBSUB_MESSAGE_PUBLISHED) throw new MalformedMessage('not a Pub/Sub message event');
  const data = event.data;
  if (!isObject(data) || !isObject(data.message)) throw new MalformedMessage('no Pub/Sub message in the event');
  const message = data.message;

  const messageId = safeId(message.messageId) ?? safeId(message.message_id) ?? safeId(event.id);
  if (!messageId) throw new MalformedMessage('no usable message id');

  const attributes: Record<string, string> = {};
  if (message.attributes !== undefined && message.attributes !== null) {
    if (!isObject(message.attributes)) throw new MalformedMessage('attributes are not an object');
    for (const [k, v] of Object.entries(message.attributes)) {
      if (typeof v !== 'string') throw new MalformedMessage('an attribute is not a string');
      attributes[k] = v;
    }
  }

  const time = message.publishTime ?? message.publish_time ?? event.time;
  const publishTime = typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? new Date(time) : null;
  const attempt = data.deliveryAttempt;
  const deliveryAttempt = typeof attempt === 'number' && Number.isInteger(attempt) && attempt > 0 ? attempt : null;

  return { messageId, attributes, publishTime, deliveryAttempt, data: message.data };
}

/** The message's data: base64 of the JSON the publisher validated against the same schema. */
function payloadOf(data: unknown): unknown {
  if (typeof data !== 'string' || data === '') throw new MalformedMessage('message has no data');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(data)) throw new MalformedMessage('message data is not base64');
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch {
    throw new MalformedMessage('message data is not JSON');
  }
}

type WithDomain = NodeJS.Process & { domain?: { enter(): void; exit(): void } | null };

/**
 * Runs the handler outside the `domain` functions-framework opens for each request. Inside one, Node
 * attaches the domain to every promise, timer and socket the handler creates and switches it at each of
 * their callbacks — a fifth of notify's CPU when a delivery sends fifty emails (measured with
 * `pnpm bench notify`). Every failure of the handler's promise is still caught below and turned into the
 * delivery's answer. What the domain also caught is gone: an error thrown from a callback, or an `error`
 * event nobody listens to on an emitter made during a delivery, now reaches functions-framework's
 * uncaughtException handler, which ends the instance and every delivery it serves (their claims come back
 * after the lease). So whatever a handler creates must listen for its errors: the database pool's clients
 * do (packages/db/src/pool.ts), and nodemailer's pool handles its connections' own.
 */
function outsideRequestDomain<R>(run: () => Promise<R>): Promise<R> {
  const active = (process as WithDomain).domain;
  if (!active) return run();
  active.exit();
  try {
    return run();
  } finally {
    active.enter();
  }
}

/** The event function must be declared in the registry as subscribing to this topic, checked at load time. */
function checkRegistration(fn: string, topic: TopicName, registry: readonly FunctionSpec[]): void {
  const spec = registry.find((s) => s.name === fn);
  if (!spec) throw new Error(`event function ${fn} is not in the function registry`);
  if (spec.trigger.type !== 'pubsub' || spec.trigger.topic !== topic) {
    throw new Error(`event function ${fn} handles topic ${topic} but the registry gives it trigger ${JSON.stringify(spec.trigger)}`);
  }
}

/**
 * Builds the CloudEvent handler of a Pub/Sub-triggered function, for functions-framework's
 * `cloudEvent(name, …)`. Mirrors the HTTP functions: one JSON log line per delivery, with ids only.
 * A message that cannot be decoded or fails the topic's schema is acknowledged, because a redelivery
 * would fail the same way; a failed Result or a thrown error is not, so that Pub/Sub retries it.
 */
export function defineEventFunction<T extends TopicName>(
  fn: string,
  topic: T,
  handler: EventHandler<T>,
  opts: EventFunctionOptions = {},
): (event: CloudEvent<unknown>) => Promise<void> {
  quietFrameworkClientErrors();
  checkRegistration(fn, topic, opts.registry ?? FUNCTION_REGISTRY);
  const schema = TOPIC_MESSAGES[topic];

  return async function handleEvent(event: CloudEvent<unknown>): Promise<void> {
    const started = process.hrtime.bigint();
    const eventId = safeId(event?.id);
    const requestId = eventId ? `evt_${eventId}` : `evt_${crypto.randomBytes(12).toString('hex')}`;
    const log = logger().child({ fn, requestId });
    let outcome: 'acknowledged' | 'rejected' | 'failed' | 'error' = 'error';
    let errorCode: string | undefined;
    let messageId: string | undefined;
    let deliveryAttempt: number | null = null;
    try {
      let envelope: Envelope;
      let message: TopicMessage<T>;
      try {
        envelope = envelopeOf(event);
        messageId = envelope.messageId;
        deliveryAttempt = envelope.deliveryAttempt;
        const parsed = schema.safeParse(payloadOf(envelope.data));
        if (!parsed.success) {
          // paths and issue codes only: an issue's message may quote what was expected, and the input
          // must never reach the log
          const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), code: i.code }));
          throw new MalformedMessage(`message does not match the ${topic} schema`, issues);
        }
        message = parsed.data as TopicMessage<T>;
      } catch (err) {
        if (!(err instanceof MalformedMessage)) throw err;
        outcome = 'rejected';
        log.warn({ topic, messageId, reason: err.reason, issues: err.issues }, 'malformed message acknowledged without processing');
        return;
      }

      const ctx: EventContext<T> = {
        message,
        messageId: envelope.messageId,
        attributes: envelope.attributes,
        publishTime: envelope.publishTime,
        deliveryAttempt: envelope.deliveryAttempt,
        log,
        requestId,
      };
      const result = await outsideRequestDomain(() => handler(ctx));
      if (!result.ok) {
        outcome = 'failed';
        errorCode = result.error;
        throw new EventRetryError(`${fn} failed with ${result.error} on message ${envelope.messageId}: it will be redelivered`);
      }
      outcome = 'acknowledged';
    } catch (err) {
      if (err instanceof EventRetryError) throw err;
      outcome = 'error';
      errorCode = 'INTERNAL';
      log.error({ err: errorFacts(err) }, 'unhandled error');
      throw new EventRetryError(`${fn} threw on message ${messageId ?? 'unknown'}: it will be redelivered`);
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ topic, messageId, deliveryAttempt, outcome, errorCode, ms: Math.round(ms * 10) / 10 }, 'event');
    }
  };
}
