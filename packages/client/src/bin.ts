/**
 * Wires main() to the real process: streams, environment, a TTY prompt that can hide input, and
 * stdin for --passphrase-stdin. Prompts go to stderr so stdout stays clean for scripts.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { main } from './cli';
import { PromptError, type CliIo, type PromptOptions } from './cli/io';

function prompt(question: string, { hidden }: PromptOptions): Promise<string> {
  if (!process.stdin.isTTY) {
    return Promise.reject(
      new PromptError(`cannot ask for "${question.replace(/:\s*$/, '')}": standard input is not a terminal (see somnus --help for flags and SOMNUS_* variables)`),
    );
  }
  return new Promise((resolve, reject) => {
    let muted = false;
    // readline echoes through its output stream; muting it hides what is typed
    const output = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        if (!muted) process.stderr.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    let answered = false;
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      if (hidden) process.stderr.write('\n');
      if (!answered) reject(new PromptError('cancelled'));
    });
    rl.question(question, (answer) => {
      answered = true;
      resolve(answer);
      rl.close();
    });
    muted = hidden;
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function run(argv: readonly string[]): Promise<void> {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, prompt, readStdin };
  process.exitCode = await main(argv, io);
}
