import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../src/smtp-sink';

/** The nodemailer the functions send with (a dependency of @somnus/runtime). */
interface Transport {
  sendMail(msg: Record<string, unknown>): Promise<{ accepted: string[] }>;
  close(): void;
}
const nodemailer = require(
  require.resolve('nodemailer', { paths: [path.dirname(require.resolve('@somnus/runtime/package.json'))] }),
) as { createTransport(url: string): Transport };

let sink: SmtpSink;
let dir: string;

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'somnus-mail-'));
  sink = await startSmtpSink({ dir });
});
afterAll(async () => {
  await sink.stop();
  await fsp.rm(dir, { recursive: true, force: true });
});

it('listens on loopback and reports an smtp:// URL', () => {
  expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`);
});

it('receives a message sent with nodemailer, parses it and writes an .eml', async () => {
  const transport = nodemailer.createTransport(sink.url);
  const longLine = `Your code is 123456. ${'x'.repeat(120)} — done`;
  try {
    const info = await transport.sendMail({
      from: 'Somnus <no-reply@somnus.test>',
      to: 'Alice Example <alice@example.com>',
      bcc: 'audit@example.com',
      subject: 'Vérification — code 123456',
      text: `Hello Ålice,\n\n${longLine}\n`,
      html: '<p>Hello <b>Ålice</b></p>',
    });
    expect(info.accepted.sort()).toEqual(['alice@example.com', 'audit@example.com']);
  } finally {
    transport.close();
  }

  const m = await sink.waitForMessage((x) => x.to.includes('alice@example.com'), 10_000);
  expect(m.from).toBe('no-reply@somnus.test');
  expect(m.to.sort()).toEqual(['alice@example.com', 'audit@example.com']); // envelope: Bcc included
  expect(m.subject).toBe('Vérification — code 123456');
  expect(m.text).toBe(`Hello Ålice,\n\n${longLine}\n`);
  expect(m.html).toBe('<p>Hello <b>Ålice</b></p>');
  expect(m.headers.to).toBe('Alice Example <alice@example.com>');
  expect(m.headers['bcc']).toBeUndefined();
  expect(m.receivedAt).toBeInstanceOf(Date);
  expect(sink.messagesTo('ALICE@example.com')).toContain(m);

  // the .eml on disk is the message as received
  expect(m.file).toBeDefined();
  expect(path.dirname(m.file!)).toBe(dir);
  expect(path.basename(m.file!)).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-\d+\.eml$/);
  const onDisk = await fsp.readFile(m.file!, 'utf8');
  expect(onDisk).toBe(m.raw);
  expect((await simpleParser(onDisk)).subject).toBe(m.subject);
  expect(await fsp.readdir(dir)).toContain(path.basename(m.file!));
});

/** A minimal SMTP client, to send bytes nodemailer would not (base64 text, folded headers). */
async function sendRaw(port: number, from: string, to: string, data: string): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  const replies: string[] = [];
  let buffer = '';
  let wake: (() => void) | undefined;
  socket.on('data', (c) => {
    buffer += c.toString();
    let i: number;
    while ((i = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      if (/^\d{3} /.test(line)) {
        replies.push(line);
        wake?.();
      }
    }
  });
  const reply = async () => {
    const n = replies.length;
    while (replies.length === n) await new Promise<void>((r) => (wake = r));
    return replies[replies.length - 1]!;
  };
  const cmd = async (line: string) => {
    socket.write(`${line}\r\n`);
    return reply();
  };
  await reply(); // greeting
  await cmd('EHLO test.local');
  await cmd(`MAIL FROM:<${from}>`);
  await cmd(`RCPT TO:<${to}>`);
  await cmd('DATA');
  socket.write(`${data.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.\r\n`);
  await reply();
  await cmd('QUIT');
  socket.end();
  return replies;
}

it('decodes base64 bodies, folded headers and encoded words from a raw SMTP client', async () => {
  const text = 'Line one\nCode: 987654\n.leading dot\n';
  const raw = [
    'From: Raw <raw@example.com>',
    'To: "Doe, Bob" <bob@example.com>,',
    ' carol@example.com',
    'Subject: =?UTF-8?B?w4lsw6hu?= =?UTF-8?Q?_and_friends?=',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(text.replace(/\n/g, '\r\n')).toString('base64').replace(/(.{20})/g, '$1\n'),
  ].join('\n');
  const replies = await sendRaw(sink.port, 'raw@example.com', 'bob@example.com', raw);
  expect(replies.every((r) => /^[23]/.test(r))).toBe(true);

  const m = await sink.waitForMessage((x) => x.from === 'raw@example.com', 10_000);
  expect(m.to).toEqual(['bob@example.com']);
  expect(m.subject).toBe('Élèn and friends');
  expect(m.text).toBe(text);
  expect(m.headers.to).toBe('"Doe, Bob" <bob@example.com>, carol@example.com'); // unfolded, as sent
  expect(m.headers.subject).toBe('Élèn and friends');
});

it.each(['quoted-printable', 'base64'])('decodes a %s body and an encoded-word subject and sender', async (encoding) => {
  const subject = `Grüße ✓ ${encoding}`;
  const text = `Grüße ✓\r\n${'ü'.repeat(100)}\r\nCode: 123456\r\n`;
  const transport = nodemailer.createTransport(sink.url);
  try {
    await transport.sendMail({
      from: '"Jörg Grüße" <jorg@example.com>',
      to: 'encoded@example.com',
      subject,
      text,
      html: `<p>Grüße ✓</p>\r\n<p>${encoding}</p>`,
      textEncoding: encoding,
    });
  } finally {
    transport.close();
  }

  const m = await sink.waitForMessage((x) => x.subject === subject, 10_000);
  // the wire form really is encoded, so the assertions below exercise decoding
  expect(m.raw).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im);
  expect(m.raw).toMatch(/^From: =\?UTF-8\?[BQ]\?/im);
  expect(m.raw).toContain(`Content-Transfer-Encoding: ${encoding}`);
  expect(m.raw).not.toContain('Grüße');

  expect(m.from).toBe('jorg@example.com');
  expect(m.text).toBe(text.replace(/\r\n/g, '\n'));
  expect(m.html).toBe(`<p>Grüße ✓</p>\n<p>${encoding}</p>`);
  expect(m.headers.subject).toBe(subject);
  expect(m.headers.from).toBe('"Jörg Grüße" <jorg@example.com>');
  expect(m.headers['content-type']).toMatch(/^multipart\/alternative; boundary=/);
});

it('takes the sender from the From header for a null envelope sender, and leaves html unset for a text-only message', async () => {
  const raw = ['From: Bounce <bounce@example.com>', 'To: null-sender@example.com', 'Subject: bounced', '', 'Plain only.'].join('\n');
  const replies = await sendRaw(sink.port, '', 'null-sender@example.com', raw);
  expect(replies.every((r) => /^[23]/.test(r))).toBe(true);

  const m = await sink.waitForMessage((x) => x.subject === 'bounced', 10_000);
  expect(m.from).toBe('bounce@example.com');
  expect(m.text).toBe('Plain only.\n');
  expect(m.html).toBeUndefined();
});

it('keeps the headers mailparser does not decode as sent: 8-bit text, renamed and unstructured headers', async () => {
  const raw = [
    'From: headers@example.com',
    'To: headers@example.com',
    'Subject: header forms',
    'X-Eight-Bit: Grüße ✓',
    'List-Id: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <list.example.com>',
    'X-Note: =?UTF-8?Q?caf=C3=A9?=',
    '',
    'body',
  ].join('\n');
  await sendRaw(sink.port, 'headers@example.com', 'headers@example.com', raw);
  const m = await sink.waitForMessage((x) => x.subject === 'header forms', 10_000);
  expect(m.headers['x-eight-bit']).toBe('Grüße ✓');
  expect(m.headers['list-id']).toBe('=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <list.example.com>');
  expect(m.headers['x-note']).toBe('=?UTF-8?Q?caf=C3=A9?=');
});

it('keeps text empty rather than converting an HTML-only message', async () => {
  const raw = ['From: html@example.com', 'To: html-only@example.com', 'Subject: html only', 'Content-Type: text/html; charset=utf-8', '', '<p>only <b>html</b></p>'].join('\n');
  await sendRaw(sink.port, 'html@example.com', 'html-only@example.com', raw);
  const m = await sink.waitForMessage((x) => x.subject === 'html only', 10_000);
  expect(m.text).toBe('');
  expect(m.html).toBe('<p>only <b>html</b></p>\n');
});

it('messagesTo matches an address given with a display name, case-insensitively', async () => {
  const m = await sink.waitForMessage((x) => x.to.includes('alice@example.com'), 10_000);
  expect(sink.messagesTo('Alice <Alice@Example.COM>')).toContain(m);
  expect(sink.messagesTo('"Example, Alice" <alice@example.com>')).toContain(m);
  expect(sink.messagesTo('nobody@example.com')).toEqual([]);
});

it('waitForMessage resolves for a message that arrives later, and rejects when none matches', async () => {
  const waiting = sink.waitForMessage((x) => x.subject === 'later', 10_000);
  const transport = nodemailer.createTransport(sink.url);
  try {
    await transport.sendMail({ from: 'a@example.com', to: 'later@example.com', subject: 'later', text: 'hi' });
  } finally {
    transport.close();
  }
  expect((await waiting).to).toEqual(['later@example.com']);
  await expect(sink.waitForMessage((x) => x.subject === 'never sent', 50)).rejects.toThrow(/no matching email/);
});

it('keeps messages in memory only when no dir is given', async () => {
  const memory = await startSmtpSink();
  try {
    const transport = nodemailer.createTransport(memory.url);
    try {
      await transport.sendMail({ from: 'a@example.com', to: 'mem@example.com', subject: 'memory', text: 'hi' });
    } finally {
      transport.close();
    }
    const m = await memory.waitForMessage(() => true, 10_000);
    expect(m.file).toBeUndefined();
    expect(memory.messages).toHaveLength(1);
    expect(sink.messages.some((x) => x.subject === 'memory')).toBe(false);
  } finally {
    await memory.stop();
  }
});
