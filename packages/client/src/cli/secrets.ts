/**
 * Where passphrases and codes come from, in one place so every command follows the same order:
 * --passphrase-stdin, then the environment (SOMNUS_PASSPHRASE / SOMNUS_NEW_PASSPHRASE, for scripts),
 * then a hidden prompt. Every secret obtained is registered with the output redactor, so even an
 * error message that somehow echoed it would not print it.
 */
import type { Flags } from './args';
import { UsageError } from './args';
import type { CliIo } from './io';
import type { Redactor } from './output';

export class Secrets {
  private stdinLines: Promise<string[]> | null = null;

  constructor(
    private readonly io: CliIo,
    private readonly flags: Flags,
    private readonly redactor: Redactor,
  ) {}

  /** True when a passphrase is available without asking (for whoami's optional unlock). */
  get passphraseGiven(): boolean {
    return this.flags.passphraseStdin || Boolean(this.io.env['SOMNUS_PASSPHRASE']);
  }

  private async stdinLine(index: number, what: string): Promise<string> {
    if (!this.io.readStdin) throw new UsageError('--passphrase-stdin is not available here');
    this.stdinLines ??= this.io.readStdin().then((text) => text.split(/\r?\n/));
    const line = (await this.stdinLines)[index];
    if (!line) throw new UsageError(`--passphrase-stdin: line ${index + 1} (${what}) is missing`);
    return line;
  }

  private async hidden(question: string): Promise<string> {
    return this.io.prompt(question, { hidden: true });
  }

  private keep(secret: string): string {
    this.redactor.add(secret);
    return secret;
  }

  /** The account's (current) passphrase. */
  async passphrase(): Promise<string> {
    if (this.flags.passphraseStdin) return this.keep(await this.stdinLine(0, 'passphrase'));
    const env = this.io.env['SOMNUS_PASSPHRASE'];
    if (env) return this.keep(env);
    return this.keep(await this.hidden('Passphrase: '));
  }

  /**
   * A passphrase being set (signup, or the new one of a change). Typed twice when prompted, since
   * a typo here would lock the user out of their own encrypted data.
   */
  async newPassphrase(options: { stdinLine: number; envName: string; label: string }): Promise<string> {
    if (this.flags.passphraseStdin) return this.keep(await this.stdinLine(options.stdinLine, options.label));
    const env = this.io.env[options.envName];
    if (env) return this.keep(env);
    const first = this.keep(await this.hidden(`${options.label}: `));
    const again = this.keep(await this.hidden(`Repeat ${options.label.toLowerCase()}: `));
    if (first !== again) throw new UsageError('the passphrases do not match');
    return first;
  }

  async emailCode(): Promise<string> {
    if (this.flags.code) return this.flags.code;
    return (await this.io.prompt('Code from the email: ', { hidden: false })).trim();
  }
}
