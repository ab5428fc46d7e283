import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { closePools } from '@somnus/db';
import { startEventBus, startPubSubEmulator, pubsubEmulatorInstalled, subscriptionsOf, type EventBus, type PubSubEmulator } from '@somnus/dev/src/event-bus';
import { generateOperatorKey, operatorEnv, signOperatorToken, type OperatorKey } from '@somnus/dev/src/operator-keys';
import { closeServer, createGateway, listen, loadFunctions } from '@somnus/dev/src/gateway';
import { registrySpec } from '@somnus/dev/src/function-loader';
import type { RegisteredFunctionName } from '@somnus/models';
import { closeMailTransport, dispatchOutbox, resetConfig, settleDispatches } from '@somnus/runtime';
import { getPool } from '@somnus/db';
import { createTestDatabase, type TestDatabase } from './database';
import { startTestSmtp, type SmtpSink } from './smtp';
import { ensureWebBuilt } from './web';

/**
 * The whole service in-process for e2e tests: a fresh database, an SMTP sink, every function behind the
 * gateway on 127.0.0.1:<free port>, configured through process.env exactly as `pnpm start` does.
 *
 * Functions read their config at first use and keep it for the life of the module registry, so use one
 * stack per test file (beforeAll / afterAll).
 */

export interface TestStack {
  baseUrl: string;
  db: TestDatabase;
  smtp: SmtpSink;
  functions: Partial<Record<RegisteredFunctionName, http.Server>>;
  /** The environment the functions were given. */
  env: { DATABASE_URL: string; SOMNUS_SERVER_SECRET: string; SMTP_URL: string; MAIL_FROM: string };
  /** The private `incidents` function on its own loopback URL (not behind the gateway), when loaded. */
  opsUrl: string | null;
  /** The key the stack's `incidents` trusts; sign tokens with `operatorToken()`. */
  operatorKey: OperatorKey;
  operatorToken(opts?: Parameters<typeof signOperatorToken>[1]): Promise<string>;
  bus: EventBus;
  /** How Pub/Sub was run: the emulator when asked for and installed, else in-process. */
  pubsub: 'emulator' | 'in-process';
  /** Holds the sweeper off (a test arranging outbox rows by hand), and lets it run again. */
  pauseSweeper(): void;
  resumeSweeper(): void;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Extra env for the functions (e.g. LOG_LEVEL: 'silent'), applied over the defaults. */
  env?: Record<string, string>;
  functions?: readonly RegisteredFunctionName[];
  /** Deliver through gcloud's Pub/Sub emulator when it is installed (else in-process; see `pubsub`). */
  pubsub?: 'emulator' | 'in-process';
  /** The outbox sweeper's period (as `pnpm start` runs it); 0: no sweeper. Default 1000 ms. */
  sweepMs?: number;
  delivery?: Parameters<typeof startEventBus>[0]['delivery'];
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  // the pages under /app/, as `pnpm start` serves them; a failed build is the page tests' to report (they
  // call ensureWebBuilt themselves), and /app/ answers 503 meanwhile
  await ensureWebBuilt().catch(() => undefined);
  const db = await createTestDatabase();
  let smtp: SmtpSink | undefined;
  let gateway: http.Server | undefined;
  let bus: EventBus | undefined;
  let emulator: PubSubEmulator | undefined;
  let opsServer: http.Server | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  try {
    smtp = await startTestSmtp();
    const operatorKey = await generateOperatorKey();
    const env = {
      DATABASE_URL: db.appUrl,
      SOMNUS_SERVER_SECRET: randomBytes(32).toString('hex'),
      SOMNUS_KEY_HISTORY_SIGNING_KEY: randomBytes(32).toString('hex'),
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Somnus Test <no-reply@somnus.test>',
    };
    Object.assign(process.env, env, { SOMNUS_TRUSTED_PROXY_HOPS: '0' }, operatorEnv(operatorKey), opts.env ?? {});
    resetConfig(); // a config cached by an earlier stack in this file would point at the old database
    // a function that publishes brings its topics' subscribers (mail goes through the outbox and notify)
    const wanted = opts.functions ? withSubscribers(opts.functions) : undefined;
    const functions = loadFunctions(wanted);
    // published events reach their subscribed functions in-process, with the push envelope GCP uses
    if (opts.pubsub === 'emulator' && pubsubEmulatorInstalled()) emulator = await startPubSubEmulator();
    bus = await startEventBus({
      subscriptions: subscriptionsOf().filter((s) => s.fn in functions),
      servers: functions,
      emulatorHost: emulator?.host ?? null,
      ...(opts.delivery ? { delivery: opts.delivery } : {}),
    });
    gateway = createGateway({ functions });
    let opsUrl: string | null = null;
    const incidents = (functions as Partial<Record<string, http.Server>>).incidents;
    if (incidents) {
      opsServer = (await import('node:http')).createServer((req, res) => incidents.emit('request', req, res));
      opsUrl = (await listen(opsServer, 0, '127.0.0.1')).url;
    }
    const sweepMs = opts.sweepMs ?? 1000;
    let sweeping: Promise<unknown> | null = null;
    let sweepPaused = false;
    if (sweepMs > 0) {
      sweeper = setInterval(() => {
        if (sweeping || sweepPaused) return;
        sweeping = dispatchOutbox(getPool())
          .catch(() => undefined)
          .finally(() => (sweeping = null));
      }, sweepMs);
    }
    const { url } = await listen(gateway, 0, '127.0.0.1');
    // emailed links lead to this gateway, as `pnpm start` does (read by the functions at first use)
    process.env.SOMNUS_PUBLIC_URL = opts.env?.SOMNUS_PUBLIC_URL ?? url;
    const started = { smtp, gateway, bus, emulator, opsServer, sweeper };
    let stopped: Promise<void> | undefined;
    const self: TestStack = {
      baseUrl: url,
      db,
      smtp,
      functions,
      env,
      opsUrl,
      operatorKey,
      operatorToken: (o) => signOperatorToken(operatorKey, o),
      bus,
      pubsub: emulator ? 'emulator' : 'in-process',
      pauseSweeper: () => void (sweepPaused = true),
      resumeSweeper: () => void (sweepPaused = false),
      stop() {
        stopped ??= (async () => {
          if (started.sweeper) clearInterval(started.sweeper);
          await sweeping;
          await closeServer(started.gateway, 500);
          if (started.opsServer) await closeServer(started.opsServer, 500);
          await settleDispatches();
          await started.bus.stop();
          await started.emulator?.stop();
          closeMailTransport();
          await closePools();
          // a test may have replaced the sink (SMTP down and back)
          await self.smtp.stop().catch(() => undefined);
          await db.drop();
        })();
        return stopped;
      },
    };
    return self;
  } catch (err) {
    if (sweeper) clearInterval(sweeper);
    if (gateway) await closeServer(gateway, 0);
    if (opsServer) await closeServer(opsServer, 0);
    await bus?.stop();
    await emulator?.stop();
    await closePools().catch(() => undefined);
    await smtp?.stop();
    await db.drop();
    throw err;
  }
}

/** The functions, plus those subscribed to the topics they publish to. */
function withSubscribers(names: readonly RegisteredFunctionName[]): RegisteredFunctionName[] {
  const topics = new Set(names.flatMap((n) => registrySpec(n).publishes ?? []));
  const extra = subscriptionsOf()
    .filter((s) => topics.has(s.topic))
    .map((s) => s.fn as RegisteredFunctionName);
  return [...new Set([...names, ...extra])];
}
