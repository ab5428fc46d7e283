import { guardFrameworkBodies } from './body-guard';
import { logger } from './logger';

let installed = false;

function clientErrorStatus(value: unknown): number | null {
  if (!(value instanceof Error)) return null;
  const e = value as Error & { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : null;
  return status !== null && status >= 400 && status < 500 ? status : null;
}

/**
 * Express, inside functions-framework, refuses some requests before our code runs — a body that is not
 * valid JSON, a path that does not decode — and reports each with `console.error(err)`. Those errors carry
 * the raw body (`err.body`) or quote the path, so in Cloud Logging they would hold whatever the client
 * sent: a passphrase typed into the wrong field, a token. A client's mistake is not worth that: it becomes
 * one JSON line with the status and the error's type only. Everything else reaches console.error as before.
 * Installed once per process by the function wrappers (defineFunction, defineEventFunction, maintenance).
 *
 * The same call puts the body guard (body-guard.ts) in front of every server the framework builds, so
 * that no function can be loaded without its body limit: the framework's own parsers would otherwise read
 * up to 1024 MB before our code runs (docs/architecture.md §7).
 */
export function quietFrameworkClientErrors(): void {
  guardFrameworkBodies();
  if (installed) return;
  installed = true;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    const status = args.length === 1 ? clientErrorStatus(args[0]) : null;
    if (status === null) return original(...args);
    const type = (args[0] as { type?: unknown }).type;
    logger().warn(
      { event: 'request_refused_by_framework', status, type: typeof type === 'string' ? type : (args[0] as Error).name },
      'request refused before it reached the function',
    );
  };
}
