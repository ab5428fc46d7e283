/**
 * `pnpm bench body-flood`: what one oversized unauthenticated body costs a function instance as GCP runs it
 * (the archive of infra/build.ts under functions-framework's CLI; docs/architecture.md §5.3). For each body
 * it prints the status, how long the answer took, how long a small request sent meanwhile waited (the event
 * loop's stall), and the process's resident memory before and at its peak.
 */
import http from 'node:http';
import { FUNCTION_REGISTRY, type FunctionSpec } from '@somnus/models';
import { startDeployedFunction } from '../../infra/test/support/deployed-function';

const MB = 1024 * 1024;
const AUTH = (FUNCTION_REGISTRY as readonly FunctionSpec[]).find((f) => f.name === 'auth')!;

interface Outcome {
  status: number | string;
  ms: number;
}

/** Sends `size` bytes of a JSON document to `path`, with Content-Length or chunked; resolves on the answer or the socket's end. */
function flood(url: string, path: string, size: number, chunked: boolean): { answer: Promise<Outcome> } {
  // many small objects: what costs a JSON parser most memory and time per byte
  const head = '{"email":"a@example.com","x":[';
  const item = '{"k":"v","n":1},';
  const body = Buffer.alloc(size);
  body.write(head, 0);
  const tail = ']}';
  const items = Math.floor((size - head.length - tail.length - 1) / item.length);
  for (let i = 0; i < items; i++) body.write(item, head.length + i * item.length);
  const end = head.length + items * item.length;
  body.fill(0x20, end, size - tail.length - 1);
  body.write(`0${tail}`, size - tail.length - 1);
  JSON.parse(body.toString()); // the flood is valid JSON: its cost is the parser's, not an early syntax error
  const started = performance.now();
  const answer = new Promise<Outcome>((resolve) => {
    let done = false;
    const finish = (status: number | string) => {
      if (done) return;
      done = true;
      resolve({ status, ms: performance.now() - started });
    };
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (!chunked) headers['Content-Length'] = String(size);
    const req = http.request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'error'));
    if (chunked) {
      // a client that never says how much it will send
      for (let at = 0; at < size; at += MB) req.write(body.subarray(at, Math.min(size, at + MB)));
      req.end();
    } else {
      req.end(body);
    }
  });
  return { answer };
}

async function probe(url: string): Promise<number> {
  const started = performance.now();
  await fetch(`${url}/auth/whoami`).then((r) => r.arrayBuffer());
  return performance.now() - started;
}

async function main(): Promise<void> {
  for (const [size, chunked] of [
    [10 * MB, false],
    [30 * MB, false],
    [30 * MB, true],
  ] as const) {
    // a fresh instance per body, so each peak is that body's own
    const fn = await startDeployedFunction(AUTH);
    try {
      await probe(fn.url);
      const before = fn.rss();
      const { answer } = flood(fn.url, '/auth/login-s', size, chunked);
      // small requests, one after the other, for as long as the flood lasts: the slowest is how long the
      // instance could answer nobody
      let stall = 0;
      let settled = false;
      void answer.then(() => (settled = true));
      while (!settled) {
        stall = Math.max(stall, await probe(fn.url));
        await new Promise((r) => setTimeout(r, 10));
      }
      const out = await answer;
      console.log(
        `auth, ${size / MB} MB to /auth/login-s ${chunked ? 'chunked' : 'with Content-Length'}: ${out.status} in ${out.ms.toFixed(0)} ms; ` +
          `slowest other request meanwhile ${stall.toFixed(0)} ms; RSS ${(before / MB).toFixed(0)} MB, peak ${(fn.peakRss() / MB).toFixed(0)} MB`,
      );
    } finally {
      await fn.stop();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
