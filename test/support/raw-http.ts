import net from 'node:net';

/**
 * HTTP/1.1 by hand, for what fetch will not send: a Content-Length with no body behind it, a chunked body
 * that keeps coming after the server answered, headers fetch rewrites. Resolves with the first answer.
 */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
  /** Body bytes this client had handed to the socket when the answer arrived. */
  sentBeforeAnswer: number;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is after the headers (give Content-Length yourself, or none to send headers only). */
  body?: Buffer;
  /** Sent with Transfer-Encoding: chunked, `chunkSize` bytes at a time until the server answers or `total` is reached. */
  chunked?: { total: number; chunkSize?: number; fill?: number };
}

/** A chunked body once its last chunk is in, or null while it is not. */
function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return null;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export function rawRequest(baseUrl: string, req: RawRequest, timeoutMs = 15_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let sent = 0;
    let answered = false;
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms (sent ${sent} body bytes)`)), timeoutMs);
    function fail(err: Error) {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    }
    function tryParse(final: boolean) {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return final ? fail(new Error(`connection closed without an answer: ${received.toString('latin1').slice(0, 200)}`)) : undefined;
      const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(statusLine!.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body: Buffer | null = received.subarray(end + 4);
      if (req.method === 'HEAD' || status === 204 || status === 304) body = Buffer.alloc(0);
      else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
      else if (headers['content-length'] !== undefined) body = body.length >= Number(headers['content-length']) ? body.subarray(0, Number(headers['content-length'])) : null;
      else if (!final) body = null; // read to the end of the connection
      if (body === null) return final ? fail(new Error(`connection closed in the middle of a ${status} answer`)) : undefined;
      answered = true;
      clearTimeout(timer);
      const text = body.toString('utf8');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: the assertion on the body will say what came back
      }
      socket.destroy();
      resolve({ status, headers, text, body: parsed, sentBeforeAnswer: sent });
    }
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (!answered) tryParse(false);
    });
    socket.on('end', () => !answered && tryParse(true));
    // the server may reset a connection whose body it will not read: the answer came first or not at all
    socket.on('error', (err) => !answered && (received.length ? tryParse(true) : fail(err)));
    socket.on('connect', async () => {
      const headers = { Host: `${hostname}:${port}`, ...req.headers, ...(req.chunked ? { 'Transfer-Encoding': 'chunked' } : {}) };
      socket.write(`${req.method} ${req.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      if (req.body) {
        socket.write(req.body);
        sent += req.body.length;
      }
      if (req.chunked) {
        const size = req.chunked.chunkSize ?? 16 * 1024;
        const chunk = Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, req.chunked.fill ?? 0x20), Buffer.from('\r\n')]);
        while (!answered && !socket.destroyed && sent < req.chunked.total) {
          sent += size;
          // wait for the socket when it pushes back, as a real client does
          if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
        }
        if (!answered && !socket.destroyed) socket.write('0\r\n\r\n');
      }
    });
  });
}
