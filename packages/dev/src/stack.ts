import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { closePools } from '@somnus/db';
import { resetConfig } from '@somnus/runtime';
import {
  planPubSub,
  pubsubEmulatorInstalled,
  startEventBus,
  startPubSubEmulator,
  subscriptionsOf,
  type PubSubEmulator,
} from './event-bus';
import { closeServer, createGateway, listen, loadFunctions } from './gateway';
import { loadOrCreateSecrets, migrate, redactUrl, startLocalDatabase, type LocalDatabase } from './local-database';
import { isPortFree } from './postgres';
import { loadOrCreateOperatorKey, operatorEnv, operatorKeyFile, signOperatorToken } from './operator-keys';
import { startSmtpSink, type SmtpSink } from './smtp-sink';
import { buildWeb } from '@somnus/web/scripts/build';

/**
 * Everything `pnpm start` runs: embedded Postgres (or DATABASE_URL), the SMTP sink (or SMTP_URL), Pub/Sub
 * (the emulator, PUBSUB_EMULATOR_HOST, or in-process delivery), every function in-process behind one
 * gateway on 127.0.0.1.
 */

export const DEFAULT_PORT = 8787;
/** The private `incidents` function's own port (it is never behind the gateway): the gateway's + 1. */
export const OPS_PORT_OFFSET = 1;
/** How often the local stack runs the outbox sweeper (Cloud Scheduler runs it every minute in GCP). */
export const SWEEP_SECONDS = 10;
/** Where `pnpm ops` finds the running stack's `incidents` (written at start). */
export const opsFile = (dataDir: string) => path.join(dataDir, 'ops.json');
export const DEFAULT_MAIL_FROM = 'Somnus <no-reply@somnus.localhost>';

export interface StackOptions {
  /** `.data`: Postgres in `postgres/`, emails in `mail/`, `secrets.json`. */
  dataDir: string;
  /** Gateway port. Default SOMNUS_PORT or 8787. */
  port?: number;
  host?: '127.0.0.1';
  log: (line: string) => void;
  /** Log one line per request (default true). */
  logRequests?: boolean;
}

export interface Stack {
  baseUrl: string;
  /** What the stack runs on, for printing. */
  info: {
    database: string;
    databaseSource: 'embedded' | 'DATABASE_URL';
    smtpUrl: string;
    mailDir: string | null;
    /** How published messages reach subscribers, e.g. "emulator at 127.0.0.1:8085". */
    pubsub: string;
    /** The private `incidents` function's URL, for `pnpm ops`. */
    opsUrl: string | null;
  };
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  // user overrides are read from, and the functions' config written to, process.env
  const env = process.env;
  const log = opts.log;
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (env.SOMNUS_PORT ? Number(env.SOMNUS_PORT) : DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid gateway port: ${env.SOMNUS_PORT ?? port}`);

  // what the user pointed at real services, read before this function writes env
  const userDatabaseUrl = env.DATABASE_URL;
  const userMigrationUrl = env.MIGRATION_DATABASE_URL;
  const userSmtpUrl = env.SMTP_URL;
  const userEmulatorHost = env.PUBSUB_EMULATOR_HOST;
  if (!userDatabaseUrl && userMigrationUrl) {
    throw new Error('MIGRATION_DATABASE_URL is set but DATABASE_URL is not: set both to use an external database, or neither');
  }

  // fail before starting anything when the gateway port is taken
  if (port !== 0 && !(await isPortFree(port, host))) {
    throw new Error(`port ${port} on ${host} is already in use: stop what uses it or set SOMNUS_PORT`);
  }

  const cleanups: { name: string; run: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c.run();
        log(`stopped ${c.name}`);
      } catch (err) {
        log(`error stopping ${c.name}: ${(err as Error).message}`);
      }
    }
  };

  try {
    fs.mkdirSync(opts.dataDir, { recursive: true });

    // --- Pub/Sub emulator: its JVM starts while Postgres does, and is awaited once the functions are loaded
    const subscriptions = subscriptionsOf();
    // SOMNUS_PUBSUB=in-process skips an installed emulator (benchmarks compare both paths)
    const plan = planPubSub({ userEmulatorHost, subscriptions, emulatorInstalled: env.SOMNUS_PUBSUB !== 'in-process' && pubsubEmulatorInstalled() });
    let emulatorStarting: Promise<PubSubEmulator | Error> | null = null;
    if (plan.kind === 'start-emulator') {
      const emulatorLogFile = path.join(opts.dataDir, 'pubsub-emulator.log');
      const emulatorLog = fs.createWriteStream(emulatorLogFile, { flags: 'a', mode: 0o600 });
      log(`Pub/Sub: starting the emulator (output in ${emulatorLogFile})`);
      const starting = startPubSubEmulator({ onOutput: (line) => emulatorLog.write(`${line}\n`) }).catch((err: Error) => err);
      emulatorStarting = starting;
      cleanups.push({
        name: 'Pub/Sub emulator',
        run: async () => {
          const emulator = await starting;
          if (!(emulator instanceof Error)) await emulator.stop();
          await new Promise<void>((resolve) => emulatorLog.end(() => resolve()));
        },
      });
    }

    // --- Postgres
    let databaseUrl: string;
    let serverSecret = env.SOMNUS_SERVER_SECRET;
    if (userDatabaseUrl) {
      databaseUrl = userDatabaseUrl;
      log(`Postgres: using DATABASE_URL ${redactUrl(userDatabaseUrl)}`);
      if (userMigrationUrl) {
        log(`migrating ${redactUrl(userMigrationUrl)}`);
        await migrate(userMigrationUrl, log);
      } else {
        log('MIGRATION_DATABASE_URL not set: assuming the database is already migrated');
      }
    } else {
      log('Postgres: starting the embedded server');
      const pgLog = fs.createWriteStream(path.join(opts.dataDir, 'postgres.log'), { flags: 'a', mode: 0o600 });
      let stopping = false;
      const db: LocalDatabase = await startLocalDatabase({
        dataDir: opts.dataDir,
        log: (line) => log(`Postgres: ${line}`),
        onPostgresLog: (line) => pgLog.write(`${line}\n`),
        onUnexpectedExit: (code, signal) => {
          if (!stopping) log(`Postgres exited unexpectedly (code ${code}, signal ${signal}); see ${path.join(opts.dataDir, 'postgres.log')}`);
        },
      });
      cleanups.push({
        name: 'Postgres',
        run: async () => {
          stopping = true;
          await db.stop();
          await new Promise<void>((resolve) => pgLog.end(() => resolve()));
        },
      });
      log('Postgres: applying migrations');
      await migrate(db.migratorUrl, log);
      databaseUrl = db.appUrl;
      serverSecret ??= db.secrets.serverSecret;
    }
    if (!serverSecret) {
      // external database: still keep the server secret stable across restarts
      serverSecret = (await loadOrCreateSecrets(opts.dataDir)).secrets.serverSecret;
    }

    // --- SMTP
    let smtpUrl: string;
    let mailDir: string | null = null;
    if (userSmtpUrl) {
      smtpUrl = userSmtpUrl;
      log(`SMTP: using SMTP_URL ${redactUrl(userSmtpUrl)}`);
    } else {
      mailDir = path.join(opts.dataDir, 'mail');
      const sink: SmtpSink = await startSmtpSink({
        dir: mailDir,
        onMessage: (m) => log(`mail to ${m.to.join(', ')}: "${m.subject}" → ${m.file ? path.relative(process.cwd(), m.file) : ''}`),
      });
      cleanups.push({ name: 'SMTP sink', run: () => sink.stop() });
      smtpUrl = sink.url;
      log(`SMTP sink listening on ${sink.url}, emails saved in ${mailDir}`);
    }

    // --- config the functions read at first use
    env.DATABASE_URL = databaseUrl;
    env.SOMNUS_SERVER_SECRET = serverSecret;
    // the key that signs key-history heads (docs/key-authenticity.md §2.2): kept in <dataDir>/secrets.json, so
    // clients that pinned it keep trusting the stack across restarts
    env.SOMNUS_KEY_HISTORY_SIGNING_KEY ??= (await loadOrCreateSecrets(opts.dataDir)).secrets.keyHistorySigningKey;
    env.SMTP_URL = smtpUrl;
    env.MAIL_FROM ??= DEFAULT_MAIL_FROM;
    env.SOMNUS_TRUSTED_PROXY_HOPS ??= '0';
    // operators: `incidents` trusts the local key pair that `pnpm ops` signs its tokens with
    const operatorKey = await loadOrCreateOperatorKey(opts.dataDir);
    if (!env.SOMNUS_OPERATOR_JWKS && !env.SOMNUS_OPERATOR_JWKS_URL) Object.assign(env, operatorEnv(operatorKey));
    resetConfig();

    // --- the account web app under /app/ (docs/architecture.md §13): built on every start (well under a
    // second), so a fresh clone serves it; SOMNUS_WEB_DIST points the app function at another build instead
    if (!env.SOMNUS_WEB_DIST) {
      try {
        const web = await buildWeb({ sourcemap: true });
        log(`web app: built ${web.pages.length} page(s) into ${path.relative(process.cwd(), web.outDir)} in ${web.ms} ms, served at /app/`);
      } catch (err) {
        // the API does not depend on the pages: say what is wrong and serve the last good build (or a 503)
        log(`web app: the build failed, /app/ serves the last good build if any: ${(err as Error).message}`);
      }
    }

    // --- functions + gateway
    const functions = loadFunctions();
    cleanups.push({ name: 'database pools', run: () => closePools() });
    log(`functions loaded: ${Object.keys(functions).join(', ')}`);

    // --- Pub/Sub: subscribers are reachable before the gateway lets in requests that publish
    let emulatorHost: string | null = plan.kind === 'user-emulator' ? plan.host : null;
    let pubsub =
      plan.kind === 'user-emulator'
        ? `emulator at ${plan.host} (PUBSUB_EMULATOR_HOST)`
        : plan.kind === 'in-process' && plan.reason === 'no-subscribers'
          ? 'in-process (no function subscribes to a topic yet, so the emulator is not started)'
          : env.SOMNUS_PUBSUB === 'in-process'
            ? 'in-process (SOMNUS_PUBSUB=in-process)'
            : 'emulator not installed, delivering in-process';
    if (emulatorStarting) {
      const emulator = await emulatorStarting;
      if (emulator instanceof Error) {
        pubsub = `the emulator failed to start (${emulator.message}), delivering in-process`;
      } else {
        emulatorHost = emulator.host;
        pubsub = `emulator at ${emulator.host}`;
      }
    }
    const bus = await startEventBus({
      subscriptions,
      servers: functions,
      emulatorHost,
      log: (line) => log(line),
      ...(opts.logRequests === false
        ? {}
        : { onDelivery: (d) => log(`Pub/Sub ${d.topic} → ${d.fn} ${d.status} (${d.ms.toFixed(0)} ms)`) }),
    });
    cleanups.push({ name: 'Pub/Sub delivery', run: () => bus.stop() });
    log(`Pub/Sub: ${pubsub}`);
    const gateway: http.Server = createGateway({
      functions,
      ...(opts.logRequests === false
        ? {}
        : { onRequest: (r) => log(`${r.method} ${r.path} → ${r.fn ?? 'gateway'} ${r.status} (${r.ms.toFixed(0)} ms)`) }),
    });
    let bound: { url: string };
    try {
      bound = await listen(gateway, port, host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(`port ${port} on ${host} is already in use: stop what uses it or set SOMNUS_PORT`);
      }
      throw err;
    }
    cleanups.push({ name: 'gateway', run: () => closeServer(gateway) });
    // emailed links (verification) lead to this gateway, on the port it actually got; read at first use
    env.SOMNUS_PUBLIC_URL ??= bound.url;

    // --- the private operator function on its own port, as it has its own URL in GCP, and its sweeper
    let opsUrl: string | null = null;
    const incidents = (functions as Partial<Record<string, http.Server>>).incidents;
    if (incidents) {
      const opsPort = env.SOMNUS_OPS_PORT ? Number(env.SOMNUS_OPS_PORT) : port === 0 ? 0 : port + OPS_PORT_OFFSET;
      const opsServer = http.createServer((req, res) => incidents.emit('request', req, res));
      try {
        opsUrl = (await listen(opsServer, opsPort, host)).url;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new Error(`port ${opsPort} on ${host} (operators' incidents function) is in use: set SOMNUS_OPS_PORT`);
        }
        throw err;
      }
      cleanups.push({ name: 'incidents (operators)', run: () => closeServer(opsServer) });
      fs.writeFileSync(opsFile(opts.dataDir), `${JSON.stringify({ url: opsUrl, keyFile: operatorKeyFile(opts.dataDir) }, null, 2)}\n`, { mode: 0o600 });
      const sweepUrl = `${opsUrl}/ops/outbox/dispatch`;
      let sweeping = false;
      const sweeper = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        void (async () => {
          try {
            const token = await signOperatorToken(operatorKey);
            const res = await fetch(sweepUrl, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
            const body = (await res.json().catch(() => null)) as { published?: number; failed?: number } | null;
            if (!res.ok) log(`outbox sweeper: ${res.status}`);
            else if (body?.published || body?.failed) log(`outbox sweeper: published ${body.published ?? 0}, failed ${body.failed ?? 0}`);
          } catch (err) {
            log(`outbox sweeper: ${(err as Error).message}`);
          } finally {
            sweeping = false;
          }
        })();
      }, SWEEP_SECONDS * 1000);
      cleanups.push({ name: 'outbox sweeper', run: async () => clearInterval(sweeper) });
      log(`operators: incidents on ${opsUrl} (pnpm ops …; tokens signed with ${path.relative(process.cwd(), operatorKeyFile(opts.dataDir))}); outbox sweeper every ${SWEEP_SECONDS} s`);
    }

    return {
      baseUrl: bound.url,
      info: {
        database: redactUrl(databaseUrl),
        databaseSource: userDatabaseUrl ? 'DATABASE_URL' : 'embedded',
        smtpUrl,
        mailDir,
        pubsub,
        opsUrl,
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
