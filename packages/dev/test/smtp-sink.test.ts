import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseMail } from '../src/mime';
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
  expect(parseMail(Buffer.from(onDisk)).subject).toBe(m.subject);
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
  expect(parseMail(Buffer.from(m.raw)).to).toEqual(['bob@example.com', 'carol@example.com']);
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
