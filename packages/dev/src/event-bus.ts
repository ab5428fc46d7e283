import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { FUNCTION_REGISTRY, TOPICS, type FunctionSpec, type TopicName } from '@somnus/models';
import { closePublisher, LOCAL_PROJECT, setPublishTransport, type EncodedMessage, type PublishTransport } from '@somnus/runtime';
import { closeServer, listen } from './gateway';
import { getFreePort } from './postgres';

/**
 * Pub/Sub for the local stack: the functions that subscribe to a topic receive its messages as push
 * requests on a loopback port, as Cloud Functions receive them from a push subscription. Through the
 * gcloud emulator when it is installed, otherwise through an in-process transport that sends the same
 * requests with the same retry behaviour.
 */

export const PUBSUB_EMULATOR_PATH = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

export function pubsubEmulatorInstalled(emulatorPath = PUBSUB_EMULATOR_PATH): boolean {
  return fs.existsSync(emulatorPath);
}

export interface Subscription {
  fn: string;
  topic: TopicName;
}

/** Every function the registry triggers from a topic; deployed, each gets its own push subscription. */
export function subscriptionsOf(registry: readonly FunctionSpec[] = FUNCTION_REGISTRY): Subscription[] {
  return registry.flatMap((f) => (f.trigger.type === 'pubsub' ? [{ fn: f.name, topic: f.trigger.topic }] : []));
}

/** The subscription name deployed subscriptions use (infra/functions.ts), so local logs read the same. */
export const subscriptionName = (s: Subscription) => `${s.topic}-${s.fn}`;

export interface DeliveryPolicy {
  maxAttempts: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * The deployed subscriptions' attempts (MAX_DELIVERY_ATTEMPTS in infra/functions.ts) with a shorter
 * backoff, so that a retry shows up locally within seconds rather than minutes.
 */
export const LOCAL_DELIVERY: DeliveryPolicy = { maxAttempts: 10, minBackoffMs: 1000, maxBackoffMs: 10_000 };

/** The push responses Pub/Sub takes as an acknowledgement; anything else is redelivered. */
const ACK_STATUSES = new Set([102, 200, 201, 202, 204]);

/** Pushes outstanding at once in in-process mode (Pub/Sub's push flow control bounds them too). */
const MAX_IN_FLIGHT = 64;

/** How long a push may take before it counts as failed, as the deployed subscriptions' ack deadline. */
const ACK_DEADLINE_MS = 60_000;

export type PubSubPlan =
  | { kind: 'user-emulator'; host: string }
  | { kind: 'start-emulator' }
  | { kind: 'in-process'; reason: 'not-installed' | 'no-subscribers' };

/**
 * The emulator is a JVM that takes about two seconds to start and a few hundred MB to run, so the stack
 * starts it only when some function subscribes to a topic: until then nothing could receive a message,
 * and an in-process transport that drops them is all a publisher needs. An emulator the user points at
 * with PUBSUB_EMULATOR_HOST is always used.
 */
export function planPubSub(opts: { userEmulatorHost?: string; subscriptions: readonly Subscription[]; emulatorInstalled: boolean }): PubSubPlan {
  if (opts.userEmulatorHost) return { kind: 'user-emulator', host: opts.userEmulatorHost };
  if (opts.subscriptions.length === 0) return { kind: 'in-process', reason: 'no-subscribers' };
  return opts.emulatorInstalled ? { kind: 'start-emulator' } : { kind: 'in-process', reason: 'not-installed' };
}

// ---------------------------------------------------------------------------------------------------------
// The emulator process

export interface PubSubEmulator {
  /** host:port, the value of PUBSUB_EMULATOR_HOST. */
  host: string;
  stop(): Promise<void>;
}

export interface PubSubEmulatorOptions {
  emulatorPath?: string;
  /** Each line the emulator prints (it is chatty: the stack keeps them in a file). */
  onOutput?: (line: string) => void;
  /** Default 30 s: a cold JVM on a busy machine can take far longer than the usual two seconds. */
  readyTimeoutMs?: number;
}

class EmulatorStartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

async function launchEmulator(emulatorPath: string, port: number, opts: PubSubEmulatorOptions): Promise<PubSubEmulator> {
  const host = `127.0.0.1:${port}`;
  // its own process group, killed as a group: the launcher is a shell script, and were it ever to run the
  // JVM as a child instead of exec'ing it, killing the script alone would leave the JVM behind
  const child = spawn(emulatorPath, ['--host=127.0.0.1', `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      opts.onOutput?.(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      tail.push(err.message);
      exited = { code: null, signal: null };
      resolve();
    });
  });

  const stop = async () => {
    if (exited) return;
    // it keeps nothing on disk: no reason to wait for a graceful JVM shutdown
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await exit;
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      const output = tail.join('\n');
      throw new EmulatorStartError(
        `the Pub/Sub emulator exited before it was ready (code ${(exited as { code: number | null }).code}): ${output.slice(-500)}`,
        /address already in use|BindException/i.test(output),
      );
    }
    try {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return { host, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EmulatorStartError(`the Pub/Sub emulator was not ready after ${opts.readyTimeoutMs ?? 30_000} ms`, false);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts gcloud's Pub/Sub emulator on a free loopback port; empty, as it keeps nothing between runs. */
export async function startPubSubEmulator(opts: PubSubEmulatorOptions = {}): Promise<PubSubEmulator> {
  const emulatorPath = opts.emulatorPath ?? PUBSUB_EMULATOR_PATH;
  if (!pubsubEmulatorInstalled(emulatorPath)) throw new Error(`the Pub/Sub emulator is not installed at ${emulatorPath}`);
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort('127.0.0.1');
    try {
      return await launchEmulator(emulatorPath, port, opts);
    } catch (err) {
      // another process took the port between the check and the JVM binding it
      if (err instanceof EmulatorStartError && err.addressInUse && attempt < 3) continue;
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The bus

export interface DeliveryInfo {
  topic: string;
  fn: string;
  status: number;
  ms: number;
}

export interface EventBusOptions {
  subscriptions: readonly Subscription[];
  /** The in-process server of each subscribed function (from loadFunctions). */
  servers: Readonly<Partial<Record<string, http.Server>>>;
  /** Deliver through this emulator (host:port); without one, in-process. */
  emulatorHost?: string | null;
  /** Default GOOGLE_CLOUD_PROJECT, else somnus-local. */
  project?: string;
  delivery?: Partial<DeliveryPolicy>;
  /** Problems worth a line: dead-lettered messages. Never message contents. */
  log?: (line: string) => void;
  /** One call per push request a function answered, in both modes. */
  onDelivery?: (info: DeliveryInfo) => void;
}

export interface DeadLetter {
  topic: TopicName;
  fn: string;
  messageId: string;
}

export interface EventBus {
  mode: 'emulator' | 'in-process';
  emulatorHost: string | null;
  project: string;
  /** In-process mode: messages a function never acknowledged (the stand-in for the dead-letter topic). */
  deadLetters: readonly DeadLetter[];
  /** In-process mode: the transport installed in the publisher (tests swap it out and back). */
  transport: PublishTransport | null;
  /** Stops delivering, closes the push listeners and undoes the publisher configuration. */
  stop(): Promise<void>;
}

interface PushTarget {
  sub: Subscription;
  /** http://127.0.0.1:<port>/projects/<project>/topics/<topic>: functions-framework reads the topic from the path. */
  endpoint: string;
}

/** One loopback listener per subscribed function, forwarding to its in-process server. */
async function openPushListeners(opts: EventBusOptions, project: string) {
  const listeners = new Map<string, { server: http.Server; url: string }>();
  const targets: PushTarget[] = [];
  try {
    for (const sub of opts.subscriptions) {
      const fnServer = opts.servers[sub.fn];
      if (!fnServer) throw new Error(`function ${sub.fn} subscribes to ${sub.topic} but was not loaded`);
      let listener = listeners.get(sub.fn);
      if (!listener) {
        const server = http.createServer((req, res) => {
          const started = process.hrtime.bigint();
          const topic = /\/topics\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '?';
          res.once('finish', () =>
            opts.onDelivery?.({ topic, fn: sub.fn, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
          );
          fnServer.emit('request', req, res);
        });
        const { url } = await listen(server, 0, '127.0.0.1');
        listener = { server, url };
        listeners.set(sub.fn, listener);
      }
      targets.push({ sub, endpoint: `${listener.url}/projects/${project}/topics/${sub.topic}` });
    }
  } catch (err) {
    await Promise.all([...listeners.values()].map((l) => closeServer(l.server, 0)));
    throw err;
  }
  return { targets, close: (graceMs: number) => Promise.all([...listeners.values()].map((l) => closeServer(l.server, graceMs))) };
}

const seconds = (ms: number) => `${ms / 1000}s`;

/** Creates the topics and one push subscription per subscribed function on the emulator, over its REST API. */
async function configureEmulator(host: string, project: string, targets: readonly PushTarget[], policy: DeliveryPolicy): Promise<void> {
  const api = `http://${host}/v1/projects/${project}`;
  const call = async (method: string, path: string, body: unknown, okIfExists: boolean): Promise<'created' | 'exists'> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.ok) return 'created';
    if (res.status === 409 && okIfExists) return 'exists';
    throw new Error(`Pub/Sub emulator at ${host}: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  };
  for (const topic of TOPICS) {
    await call('PUT', `/topics/${topic}`, {}, true);
    await call('PUT', `/topics/${topic}-dead-letter`, {}, true);
  }
  for (const { sub, endpoint } of targets) {
    const name = subscriptionName(sub);
    const pushConfig = { pushEndpoint: endpoint };
    const created = await call(
      'PUT',
      `/subscriptions/${name}`,
      {
        topic: `projects/${project}/topics/${sub.topic}`,
        pushConfig,
        ackDeadlineSeconds: ACK_DEADLINE_MS / 1000,
        retryPolicy: { minimumBackoff: seconds(policy.minBackoffMs), maximumBackoff: seconds(policy.maxBackoffMs) },
        deadLetterPolicy: { deadLetterTopic: `projects/${project}/topics/${sub.topic}-dead-letter`, maxDeliveryAttempts: policy.maxAttempts },
      },
      true,
    );
    // an emulator the user keeps running has the subscription from an earlier run, pushing to a port
    // that is gone; repointing it keeps the messages it holds
    if (created === 'exists') await call('POST', `/subscriptions/${name}:modifyPushConfig`, { pushConfig }, false);
  }
}

/**
 * Sends each published message to every function subscribed to its topic as the push request Pub/Sub
 * sends (the body functions-framework turns into a CloudEvent), redelivering with backoff until the
 * function acknowledges, and dead-lettering after the last attempt. Publishing returns once the message
 * is accepted, before delivery, as with Pub/Sub.
 */
function inProcessTransport(targets: readonly PushTarget[], project: string, policy: DeliveryPolicy, log: (line: string) => void) {
  const byTopic = new Map<TopicName, PushTarget[]>();
  for (const t of targets) byTopic.set(t.sub.topic, [...(byTopic.get(t.sub.topic) ?? []), t]);
  const deadLetters: DeadLetter[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  let stopped = false;

  interface Pending {
    target: PushTarget;
    messageId: string;
    publishTime: string;
    message: EncodedMessage;
  }

  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  const requests = new Set<http.ClientRequest>();
  /** The push's HTTP status; 0 when it could not be sent or was not answered within the ack deadline. */
  const push = (endpoint: string, body: string) =>
    new Promise<number>((resolve) => {
      const req = http.request(endpoint, {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: ACK_DEADLINE_MS,
      });
      requests.add(req);
      const done = (status: number) => {
        requests.delete(req);
        resolve(status);
      };
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
        res.on('error', () => done(0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => done(0));
      req.end(body);
    });

  const backoff = (attempt: number) => Math.min(policy.maxBackoffMs, policy.minBackoffMs * 2 ** (attempt - 1));

  // deliveries waiting for a free slot: like a push subscription's flow control, a burst of thousands of
  // messages is pushed a bounded number at a time rather than all at once
  const waiting: { p: Pending; attempt: number }[] = [];
  const start = (p: Pending, attempt: number) => {
    if (stopped) return;
    if (inFlight.size >= MAX_IN_FLIGHT) {
      waiting.push({ p, attempt });
      return;
    }
    const run = deliver(p, attempt).finally(() => {
      inFlight.delete(run);
      const next = waiting.shift();
      if (next) start(next.p, next.attempt);
    });
    inFlight.add(run);
  };
  const schedule = (p: Pending, attempt: number, delayMs: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      start(p, attempt);
    }, delayMs);
    timers.add(timer);
  };

  const deliver = async (p: Pending, attempt: number): Promise<void> => {
    const { sub, endpoint } = p.target;
    const body = JSON.stringify({
      message: {
        data: p.message.data.toString('base64'),
        attributes: p.message.attributes,
        messageId: p.messageId,
        message_id: p.messageId,
        publishTime: p.publishTime,
        publish_time: p.publishTime,
      },
      subscription: `projects/${project}/subscriptions/${subscriptionName(sub)}`,
      deliveryAttempt: attempt,
    });
    // node:http on a keep-alive agent rather than fetch: a burst of thousands of pushes through fetch spent
    // more CPU in its streams and abort signals than the function spent on the messages
    const status = await push(endpoint, body);
    if (ACK_STATUSES.has(status) || stopped) return;
    if (attempt >= policy.maxAttempts) {
      deadLetters.push({ topic: sub.topic, fn: sub.fn, messageId: p.messageId });
      log(`Pub/Sub: ${sub.topic} message ${p.messageId} dead-lettered: ${sub.fn} failed it ${attempt} times`);
      return;
    }
    schedule(p, attempt + 1, backoff(attempt));
  };

  const transport: PublishTransport = {
    async publish(topic, messages) {
      if (stopped) throw new Error('the local event bus is stopped');
      return messages.map((message) => {
        const messageId = String(++seq);
        const publishTime = new Date().toISOString();
        // a topic nobody subscribes to keeps nothing, as in Pub/Sub
        for (const target of byTopic.get(topic) ?? []) schedule({ target, messageId, publishTime, message }, 1, 0);
        return messageId;
      });
    },
  };

  return {
    transport,
    deadLetters,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      waiting.length = 0;
      for (const req of requests) req.destroy();
      await Promise.allSettled([...inFlight]);
      agent.destroy();
    },
  };
}

/**
 * Connects the publisher of this process to the subscribed functions: through the emulator when given
 * one (PUBSUB_EMULATOR_HOST and GOOGLE_CLOUD_PROJECT are set for the publisher), otherwise in-process
 * (the publisher's transport is set). stop() restores both.
 */
export async function startEventBus(opts: EventBusOptions): Promise<EventBus> {
  const env = process.env;
  const project = opts.project ?? (env.GOOGLE_CLOUD_PROJECT || LOCAL_PROJECT);
  const policy: DeliveryPolicy = { ...LOCAL_DELIVERY, ...opts.delivery };
  const log = opts.log ?? (() => undefined);
  const listeners = await openPushListeners(opts, project);

  if (opts.emulatorHost) {
    const host = opts.emulatorHost;
    try {
      await configureEmulator(host, project, listeners.targets, policy);
    } catch (err) {
      await listeners.close(0);
      throw err;
    }
    const saved = { PUBSUB_EMULATOR_HOST: env.PUBSUB_EMULATOR_HOST, GOOGLE_CLOUD_PROJECT: env.GOOGLE_CLOUD_PROJECT };
    env.PUBSUB_EMULATOR_HOST = host;
    env.GOOGLE_CLOUD_PROJECT = project;
    setPublishTransport(null);
    let stopped: Promise<void> | undefined;
    return {
      mode: 'emulator',
      emulatorHost: host,
      project,
      deadLetters: [],
      transport: null,
      stop() {
        stopped ??= (async () => {
          await closePublisher();
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete env[k];
            else env[k] = v;
          }
          await listeners.close(500);
        })();
        return stopped;
      },
    };
  }

  const bus = inProcessTransport(listeners.targets, project, policy, log);
  setPublishTransport(bus.transport);
  let stopped: Promise<void> | undefined;
  return {
    mode: 'in-process',
    emulatorHost: null,
    project,
    deadLetters: bus.deadLetters,
    transport: bus.transport,
    stop() {
      stopped ??= (async () => {
        setPublishTransport(null);
        await bus.stop();
        await listeners.close(500);
      })();
      return stopped;
    },
  };
}
