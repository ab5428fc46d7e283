/**
 * Output with a safety net. The CLI never formats a secret on purpose; the Redactor is the second
 * line of defence for the first: every session token and passphrase the process handles is
 * registered, and any line containing one is scrubbed before it reaches a terminal or a log.
 * Control characters are stripped too, because server-supplied text (error messages, names) must
 * not be able to drive the terminal.
 */
import type { Writer } from './io';

/** Secrets shorter than this are not redacted: they would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | null | undefined): void {
    if (!secret) return;
    for (const form of [secret, secret.trim(), secret.trim().normalize('NFKD')]) {
      if (form.length >= MIN_SECRET_LENGTH) this.secrets.add(form);
    }
  }

  scrub(text: string): string {
    let out = text;
    // longest first, so a secret that contains another is removed whole
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
    return out;
  }
}

/** Removes terminal control sequences and other C0/C1 controls except newline and tab. */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

export class Output {
  constructor(
    private readonly stdout: Writer,
    private readonly stderr: Writer,
    readonly redactor: Redactor,
  ) {}

  line(text = ''): void {
    this.stdout.write(`${this.redactor.scrub(stripControl(text))}\n`);
  }

  /** Informational text for the user (prompts' context, hints): stderr, so stdout stays parseable. */
  note(text: string): void {
    this.stderr.write(`${this.redactor.scrub(stripControl(text))}\n`);
  }

  /** The single error line; newlines are folded so it is always exactly one line. */
  error(text: string): void {
    this.stderr.write(`somnus: ${this.redactor.scrub(stripControl(text.replace(/\s*\n\s*/g, ' ')))}\n`);
  }
}
