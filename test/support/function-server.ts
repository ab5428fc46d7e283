import crypto from 'node:crypto';
import { Pool } from 'pg';
import { closePools } from '@somnus/db';
import { startEventBus, subscriptionsOf, type EventBus } from '@somnus/dev/src/event-bus';
import { loadFunctions, registrySpec } from '@somnus/dev/src/function-loader';
import type { RegisteredFunctionName } from '@somnus/models';
import { closeMailTransport, dispatchOutbox, resetConfig, settleDispatches } from '@somnus/runtime';
import { getPool } from '@somnus/db';
import { api, listen, type Api } from './api';
import { createTestDatabase } from './database';
import { startTestSmtp } from './smtp';

/** Any function of the registry: each is loaded from its entry, so a new function needs nothing here. */
export type HarnessFunctionName = RegisteredFunctionName;

export interface FunctionHarness {
  http: Api;
  /** The test database, with `query` connected as a superuser for inspecting rows (no RLS in the way). */
  db: Awaited<ReturnType<typeof createTestDatabase>> & { query: Pool['query'] };
  smtp: Awaited<ReturnType<typeof startTestSmtp>>;
  stop: () => Promise<void>;
}

/**
 * Runs real functions in-process through functions-framework's test server, on a fresh migrated
 * database (connected as the app role) and a real SMTP server. Nothing of ours is mocked.
 */
export async function startFunctions(...names: HarnessFunctionName[]): Promise<Record<HarnessFunctionName, Api> & FunctionHarness> {
  const database = await createTestDatabase();
  const inspector = new Pool({ connectionString: database.adminUrl, max: 2 });
  // an idle client of it is terminated when the database is dropped (DROP … WITH (FORCE)): the pool emits
  // that as an `error` event, which unheard fails whichever test runs at that moment
  inspector.on('error', () => undefined);
  const db = Object.assign(database, { query: inspector.query.bind(inspector) as Pool['query'] });
  const smtp = await startTestSmtp();
  process.env.DATABASE_URL = db.appUrl;
  process.env.SOMNUS_SERVER_SECRET = crypto.randomBytes(32).toString('hex');
  // the Ed25519 seed that signs key-history heads (docs/key-authenticity.md §2.2), fresh per harness
  process.env.SOMNUS_KEY_HISTORY_SIGNING_KEY = crypto.randomBytes(32).toString('hex');
  process.env.SMTP_URL = smtp.url;
  process.env.MAIL_FROM = 'Somnus Test <no-reply@somnus.test>';
  resetConfig();
  const loaded = loadFunctions(names);
  // Functions that publish (mail goes through the outbox, docs/architecture.md §11.3) get their topics'
  // subscribers too, delivered in-process as in the test stack, and the outbox sweeper on a short timer.
  const mail = await startMailPath(names);
  const servers = await Promise.all(names.map(async (name) => [name, await listen(loaded[name])] as const));
  const apis = Object.fromEntries(servers.map(([name, s]) => [name, api(s.baseUrl)])) as Record<HarnessFunctionName, Api>;
  return {
    ...apis,
    http: apis[names[0]!],
    db,
    smtp,
    stop: async () => {
      await Promise.all(servers.map(([, s]) => s.close()));
      await mail?.stop();
      await closePools();
      await inspector.end();
      await smtp.stop();
      await db.drop();
    },
  };
}

/** The subscribers of the topics the given functions publish to, with an in-process bus and a sweeper. */
async function startMailPath(names: readonly HarnessFunctionName[]): Promise<{ stop(): Promise<void> } | null> {
  const topics = new Set(names.flatMap((n) => registrySpec(n).publishes ?? []));
  const subs = subscriptionsOf().filter((s) => topics.has(s.topic));
  if (subs.length === 0) return null;
  const subscribers = loadFunctions(subs.map((s) => s.fn as HarnessFunctionName));
  const bus: EventBus = await startEventBus({ subscriptions: subs, servers: subscribers, delivery: { minBackoffMs: 200, maxBackoffMs: 2000 } });
  let sweeping: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    sweeping ??= dispatchOutbox(getPool())
      .catch(() => undefined)
      .finally(() => (sweeping = null));
  }, 500);
  return {
    async stop() {
      clearInterval(timer);
      await sweeping;
      await settleDispatches();
      await bus.stop();
      closeMailTransport();
    },
  };
}
