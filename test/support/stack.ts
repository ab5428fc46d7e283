import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { closePools } from '@somnus/db';
import { startEventBus, subscriptionsOf, type EventBus } from '@somnus/dev/src/event-bus';
import { closeServer, createGateway, listen, loadFunctions } from '@somnus/dev/src/gateway';
import type { RegisteredFunctionName } from '@somnus/models';
import { resetConfig } from '@somnus/runtime';
import { createTestDatabase, type TestDatabase } from './database';
import { startTestSmtp, type SmtpSink } from './smtp';

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
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Extra env for the functions (e.g. LOG_LEVEL: 'silent'), applied over the defaults. */
  env?: Record<string, string>;
  functions?: readonly RegisteredFunctionName[];
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  let smtp: SmtpSink | undefined;
  let gateway: http.Server | undefined;
  let bus: EventBus | undefined;
  try {
    smtp = await startTestSmtp();
    const env = {
      DATABASE_URL: db.appUrl,
      SOMNUS_SERVER_SECRET: randomBytes(32).toString('hex'),
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Somnus Test <no-reply@somnus.test>',
    };
    Object.assign(process.env, env, { SOMNUS_TRUSTED_PROXY_HOPS: '0' }, opts.env ?? {});
    resetConfig(); // a config cached by an earlier stack in this file would point at the old database
    const functions = loadFunctions(opts.functions);
    // published events reach their subscribed functions in-process, with the push envelope GCP uses
    bus = await startEventBus({ subscriptions: subscriptionsOf().filter((s) => s.fn in functions), servers: functions });
    gateway = createGateway({ functions });
    const { url } = await listen(gateway, 0, '127.0.0.1');
    // emailed links lead to this gateway, as `pnpm start` does (read by the functions at first use)
    process.env.SOMNUS_PUBLIC_URL = opts.env?.SOMNUS_PUBLIC_URL ?? url;
    const started = { smtp, gateway, bus };
    let stopped: Promise<void> | undefined;
    return {
      baseUrl: url,
      db,
      smtp,
      functions,
      env,
      stop() {
        stopped ??= (async () => {
          await closeServer(started.gateway, 500);
          await started.bus.stop();
          await closePools();
          await started.smtp.stop();
          await db.drop();
        })();
        return stopped;
      },
    };
  } catch (err) {
    if (gateway) await closeServer(gateway, 0);
    await bus?.stop();
    await closePools().catch(() => undefined);
    await smtp?.stop();
    await db.drop();
    throw err;
  }
}
