/**
 * Just enough MIME to read the mail our functions send (nodemailer output): unfolded headers, RFC 2047
 * encoded words, multipart bodies, quoted-printable / base64 transfer encodings and the common charsets.
 * The SMTP sink uses it so tests can read a code out of an email without a full mail parser.
 */

export interface ParsedMail {
  /** Header names lower-cased; repeated headers joined with ", ". Encoded words decoded. */
  headers: Record<string, string>;
  from: string;
  to: string[];
  subject: string;
  /** The first text/plain part, decoded. '' when there is none. */
  text: string;
  /** The first text/html part, decoded, when present. */
  html?: string;
}

interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a header block + body at the first empty line; unfolds continuation lines. */
function splitPart(raw: Buffer): Part {
  const s = raw.toString('latin1'); // byte-preserving
  const m = /\r?\n\r?\n/.exec(s);
  const head = m ? s.slice(0, m.index) : s;
  const bodyStart = m ? m.index + m[0].length : s.length;
  const headers: Record<string, string> = {};
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = Buffer.from(line.slice(i + 1).trim(), 'latin1').toString('utf8');
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { headers, body: raw.subarray(bodyStart) };
}

/** `text/plain; charset="utf-8"` → { value: 'text/plain', params: { charset: 'utf-8' } } */
export function parseHeaderParams(value: string): { value: string; params: Record<string, string> } {
  const [first = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, i).trim().toLowerCase()] = v;
  }
  return { value: first.trim().toLowerCase(), params };
}

function decodeCharset(bytes: Buffer, charset = 'utf-8'): string {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

export function decodeQuotedPrintable(input: string): Buffer {
  const soft = input.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    const hex = soft.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(soft.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(out);
}

function decodeTransfer(body: Buffer, encoding = '7bit'): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.toString('latin1'));
    default:
      return body;
  }
}

/** RFC 2047: `=?UTF-8?Q?Hello_w=C3=B6rld?=` and `=?utf-8?B?...?=`; adjacent encoded words are joined. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, charset: string, enc: string, text: string) => {
      const bytes =
        enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return decodeCharset(bytes, charset.split('*')[0]);
    });
}

/** The bare addresses in an address-list header: `"A" <a@x>, b@y` → ['a@x', 'b@y']. */
export function parseAddressList(value: string): string[] {
  const out: string[] = [];
  // drop quoted display names (they may contain commas), then split
  const cleaned = value.replace(/"(?:[^"\\]|\\.)*"/g, '');
  for (const item of cleaned.split(',')) {
    const angle = /<([^>]*)>/.exec(item);
    const addr = (angle ? angle[1]! : item).trim();
    if (addr) out.push(addr);
  }
  return out;
}

function walk(part: Part, found: { text?: string; html?: string }, depth = 0): void {
  if (depth > 10) return;
  const type = parseHeaderParams(part.headers['content-type'] ?? 'text/plain; charset=us-ascii');
  if (type.value.startsWith('multipart/') && type.params.boundary) {
    const body = part.body.toString('latin1');
    const delimiter = `--${type.params.boundary}`;
    const sections = body.split(delimiter).slice(1); // before the first delimiter is the preamble
    for (const section of sections) {
      if (section.startsWith('--')) break; // closing delimiter
      const content = section.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, '');
      walk(splitPart(Buffer.from(content, 'latin1')), found, depth + 1);
    }
    return;
  }
  const disposition = parseHeaderParams(part.headers['content-disposition'] ?? '').value;
  if (disposition === 'attachment') return;
  if (type.value === 'text/plain' && found.text === undefined) {
    found.text = decodeCharset(decodeTransfer(part.body, part.headers['content-transfer-encoding']), type.params.charset);
  } else if (type.value === 'text/html' && found.html === undefined) {
    found.html = decodeCharset(decodeTransfer(part.body, part.headers['content-transfer-encoding']), type.params.charset);
  }
}

export function parseMail(raw: Buffer): ParsedMail {
  const top = splitPart(raw);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(top.headers)) headers[k] = decodeEncodedWords(v);
  const found: { text?: string; html?: string } = {};
  walk(top, found);
  const recipients = ['to', 'cc'].flatMap((h) => (headers[h] ? parseAddressList(headers[h]!) : []));
  return {
    headers,
    from: headers.from ? (parseAddressList(headers.from)[0] ?? headers.from) : '',
    to: recipients,
    subject: headers.subject ?? '',
    text: (found.text ?? '').replace(/\r\n/g, '\n'),
    ...(found.html !== undefined ? { html: found.html.replace(/\r\n/g, '\n') } : {}),
  };
}
