/**
 * What the CLI needs from its surroundings, passed in rather than taken from `process` so that
 * main() runs in-process in tests with fake streams, env and prompts (bin.ts wires the real ones).
 */
export interface Writer {
  write(chunk: string): unknown;
}

export interface PromptOptions {
  /** Do not echo the answer (passphrases). */
  hidden: boolean;
}

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  env: Record<string, string | undefined>;
  /** Asks the user; rejects when there is nobody to ask (no TTY). */
  prompt(question: string, options: PromptOptions): Promise<string>;
  /** All of standard input, for --passphrase-stdin. */
  readStdin?: () => Promise<string>;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The prompt could not ask (no terminal) or the user cancelled; shown as is, not as a crash. */
export class PromptError extends Error {
  override readonly name = 'PromptError';
}
