import pino, { type Logger } from 'pino';

/** Cloud Logging reads `severity`; pino's numeric `level` means nothing to it. */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export interface LogDestination {
  write(line: string): void;
}

let destination: LogDestination = process.stdout;
let root: Logger | null = null;

/**
 * JSON-line logger. It is never given request bodies or headers; the redact list is a second line of
 * defence for the field names that could carry a secret if someone logged an object by mistake.
 */
export function logger(): Logger {
  if (!root) {
    root = pino(
      {
        level: process.env.LOG_LEVEL || 'info',
        messageKey: 'message',
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
        redact: {
          paths: [
            'sessionId', '*.sessionId', 'token', '*.token', 'verifier', '*.verifier', 'password', '*.password',
            'headers', '*.headers', 'body', '*.body', 'srpA', 'srpB', 'srpM1', 'srpM2', 'code', '*.code',
          ],
          censor: '[redacted]',
        },
      },
      destination,
    );
  }
  return root;
}

/** Tests capture every log line to prove that no secret is ever written. */
export function setLogDestination(dest: LogDestination): void {
  destination = dest;
  root = null;
}

/**
 * What an unexpected error may log: its stack frames, without the first line, which repeats the error's
 * message — and a message may quote data (a driver error quotes the value it refused).
 */
export function errorFrames(err: unknown): string | undefined {
  const stack = (err as Error | undefined)?.stack;
  if (typeof stack !== 'string') return undefined;
  return stack
    .split('\n')
    .filter((line) => line.startsWith('    at '))
    .join('\n');
}

/** An unexpected error as it may be logged: its class, its SQLSTATE when Postgres raised it, its frames. */
export function errorFacts(err: unknown): { type: string | undefined; sqlState?: string; stack: string | undefined } {
  // pg's DatabaseError carries severity and routine besides its code; a Node error code (EPIPE) does not
  const e = err as { code?: unknown; severity?: unknown; routine?: unknown } | undefined;
  const fromPostgres = typeof e?.severity === 'string' && typeof e?.routine === 'string';
  const sqlState = fromPostgres && typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  return { type: (err as Error | undefined)?.name, ...(sqlState ? { sqlState } : {}), stack: errorFrames(err) };
}
