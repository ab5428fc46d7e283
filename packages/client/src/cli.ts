/**
 * `somnus`: the command-line client. main() takes its streams, environment and prompt as
 * arguments so tests drive it in-process; run directly (`pnpm somnus …` / tsx) it wires the real
 * process through bin.ts. Exit status: 0 ok, 1 error with exactly one line on stderr.
 */
import { CryptoError, WrongPassphraseError } from '@somnus/crypto';
import {
  BranchNotFoundError,
  FingerprintMismatchError,
  KeyChangedError,
  KeyHistoryError,
  InvalidDocumentError,
  LocalChangesError,
  NoProjectKeyError,
  NoSeatsError,
  NotLoggedInError,
  ProjectKeyUnwrapError,
  ProjectNotFoundError,
  ServerProofError,
  SomnusApiError,
  SomnusNetworkError,
  SomnusResponseError,
  SyncConflictError,
  SyncGraphqlError,
  SyncIntegrityError,
} from './errors';
import { flagSpelling, parseArgs, UsageError, type FlagName } from './cli/args';
import { accountCommand } from './cli/commands/account';
import { branchesCommand } from './cli/commands/branches';
import { logCommand } from './cli/commands/log';
import { loginCommand } from './cli/commands/login';
import { logoutCommand } from './cli/commands/logout';
import { orgCommand } from './cli/commands/org';
import { passphraseCommand } from './cli/commands/passphrase';
import { projectCommand } from './cli/commands/project';
import { pullCommand } from './cli/commands/pull';
import { pushCommand } from './cli/commands/push';
import { sessionsCommand } from './cli/commands/sessions';
import { shareCommand } from './cli/commands/share';
import { signupCommand } from './cli/commands/signup';
import { unshareCommand } from './cli/commands/unshare';
import { verifyCommand } from './cli/commands/verify';
import { sameFingerprint } from '@somnus/models';
import { whoamiCommand } from './cli/commands/whoami';
import { keysCommand } from './cli/commands/keys';
import { createContext, NotLoggedInCliError, type Command } from './cli/context';
import { COMMAND_HELP, OVERVIEW } from './cli/help';
import { PromptError, type CliIo } from './cli/io';
import { Output, Redactor } from './cli/output';
import { Secrets } from './cli/secrets';
import { clearSession, configDir, SessionFileError } from './cli/session-store';
import { SyncDirError } from './cli/sync-dir';
import { CLIENT_VERSION } from './version';

export { PromptError, type CliIo, type PromptOptions, type Writer } from './cli/io';

export const COMMANDS: Readonly<Record<string, Command>> = {
  signup: signupCommand,
  login: loginCommand,
  whoami: whoamiCommand,
  verify: verifyCommand,
  logout: logoutCommand,
  passphrase: passphraseCommand,
  sessions: sessionsCommand,
  org: orgCommand,
  project: projectCommand,
  push: pushCommand,
  pull: pullCommand,
  branches: branchesCommand,
  log: logCommand,
  share: shareCommand,
  unshare: unshareCommand,
  account: accountCommand,
  keys: keysCommand,
};

/** The one line printed for a failure: the server's code and message, or what went wrong locally. */
export function describeError(err: unknown): string {
  if (err instanceof SomnusApiError) {
    const wait = err.retryAfterSeconds !== null ? ` (retry after ${err.retryAfterSeconds}s)` : '';
    return `${err.code}: ${err.message}${wait}`;
  }
  if (err instanceof SyncGraphqlError) return `${err.code ?? 'GRAPHQL_ERROR'}: ${err.message}`;
  if (err instanceof SyncConflictError) return `CONFLICT: ${err.message}`;
  if (err instanceof LocalChangesError) return `LOCAL_CHANGES: ${err.message}; push them first, or move them out of the directory`;
  if (err instanceof SyncIntegrityError) return `INTEGRITY: ${err.message}`;
  if (err instanceof WrongPassphraseError) return 'WRONG_PASSPHRASE: the passphrase does not unlock this account\'s keys';
  if (err instanceof CryptoError) return `${err.code}: ${err.message}`;
  if (err instanceof UsageError) return `${err.message} (see somnus --help)`;
  if (err instanceof KeyChangedError) return `KEY_CHANGED: ${err.message}`;
  if (err instanceof KeyHistoryError) return `KEY_HISTORY: ${err.message}`;
  if (err instanceof FingerprintMismatchError) return `FINGERPRINT_MISMATCH: ${err.message}`;
  if (
    err instanceof SomnusNetworkError ||
    err instanceof SomnusResponseError ||
    err instanceof ServerProofError ||
    err instanceof NotLoggedInError ||
    err instanceof NotLoggedInCliError ||
    err instanceof NoProjectKeyError ||
    err instanceof NoSeatsError ||
    err instanceof ProjectKeyUnwrapError ||
    err instanceof ProjectNotFoundError ||
    err instanceof BranchNotFoundError ||
    err instanceof InvalidDocumentError ||
    err instanceof SyncDirError ||
    err instanceof SessionFileError ||
    err instanceof PromptError
  ) {
    return err.message;
  }
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const redactor = new Redactor();
  const out = new Output(io.stdout, io.stderr, redactor);
  // secrets a script handed us through the environment are scrubbed from day one
  redactor.add(io.env['SOMNUS_PASSPHRASE']);
  redactor.add(io.env['SOMNUS_NEW_PASSPHRASE']);

  let command: Command | undefined;
  let dir: string | undefined;
  try {
    const { positionals, flags, given } = parseArgs(argv);
    if (flags.version) {
      out.line(CLIENT_VERSION);
      return 0;
    }
    let [name, ...args] = positionals;
    if (name === 'help') {
      name = args[0];
      args = [];
      flags.help = true;
    }
    if (!name) {
      out.line(OVERVIEW);
      return flags.help ? 0 : 1;
    }
    // hasOwn: argv must not be able to pick `constructor` or `__proto__` off the table
    command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command ${name}`);
    if (flags.help) {
      out.line(Object.hasOwn(COMMAND_HELP, name) ? COMMAND_HELP[name]! : OVERVIEW);
      return 0;
    }
    if (!command.subcommands && args.length) throw new UsageError(`unexpected argument ${args[0]}`);
    const allowed = new Set<FlagName>([...command.flags, 'help']);
    for (const flag of given) {
      if (!allowed.has(flag)) throw new UsageError(`${name} does not take ${flagSpelling(flag)}`);
    }
    dir = configDir(io.env);
    const ctx = createContext(io, out, flags, args, new Secrets(io, flags, redactor), dir);
    try {
      await command.run(ctx);
    } catch (err) {
      // --trust <fingerprint>: the person compared a member's changed key with them; trust exactly that key
      // and run the command again (once: a second change is refused like the first, docs/key-authenticity.md)
      if (!(err instanceof KeyChangedError) || !flags.trust || !sameFingerprint(flags.trust, err.currentFingerprint)) throw err;
      const { client } = await ctx.session();
      await client.trustKey(err.orgId, err.member.accountId, err.currentFingerprint);
      out.line(`Trusted the key ${err.currentFingerprint} of ${err.member.email ?? err.member.accountId} in ${err.orgId}.`);
      await command.run(ctx);
    }
    return 0;
  } catch (err) {
    // A rejected token is useless; drop it so the next command says "not logged in" plainly.
    // (GraphQL answers a dead session with 200 and the same code in errors[0])
    if (command?.usesSession && dir && (err instanceof SomnusApiError || err instanceof SyncGraphqlError) && err.code === 'UNAUTHORIZED') {
      await clearSession(dir).catch(() => undefined);
      out.error(`${describeError(err)} (session ended; run \`somnus login\`)`);
      return 1;
    }
    out.error(describeError(err));
    return 1;
  }
}

if (require.main === module) {
  void import('./bin').then((bin) => bin.run(process.argv.slice(2)));
}
