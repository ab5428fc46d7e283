/** What every command gets: parsed input, output, secret sources and access to the saved session. */
import { FileTrustStore } from './trust-file';
import type { TrustStore } from '../trust/store';
import { isSrpProfile, type SrpProfile } from '@somnus/srp';
import { SomnusClient } from '../client';
import { normalizeBaseUrl } from '../http';
import { UsageError, type FlagName, type Flags } from './args';
import { DEFAULT_URL } from './help';
import type { CliIo } from './io';
import type { Output } from './output';
import type { Secrets } from './secrets';
import { loadSession, type StoredSession } from './session-store';

export class NotLoggedInCliError extends Error {
  override readonly name = 'NotLoggedInCliError';
}

export interface CommandContext {
  io: CliIo;
  out: Output;
  flags: Flags;
  /** Positionals after the command words. */
  args: string[];
  secrets: Secrets;
  configDir: string;
  client(options: { baseUrl: string; sessionId?: string; srpProfile?: SrpProfile; trustStore?: TrustStore }): SomnusClient;
  /** Server for commands that start without a session (signup, login). */
  serverUrl(): string;
  /** The saved session and a client for it; errors if there is none for the requested server. */
  session(): Promise<{ session: StoredSession; client: SomnusClient }>;
  srpProfile(): SrpProfile | undefined;
}

export interface Command {
  /** Flags the command accepts (beyond --help). */
  flags: readonly FlagName[];
  /** Does it take positional words (`passphrase change`, `sessions revoke <id>`)? Otherwise extras are an error. */
  subcommands: boolean;
  /** Does it act on the saved session (so a 401 means "log in again")? */
  usesSession: boolean;
  run(ctx: CommandContext): Promise<void>;
}

export function createContext(io: CliIo, out: Output, flags: Flags, args: string[], secrets: Secrets, configDir: string): CommandContext {
  // an explicit server: the flag, else the environment
  const requested = flags.url ?? (io.env['SOMNUS_URL'] || undefined);
  const ctx: CommandContext = {
    io,
    out,
    flags,
    args,
    secrets,
    configDir,
    client: (o) => new SomnusClient({ ...o, fetch: io.fetch }),
    serverUrl: () => normalizeBaseUrl(requested ?? DEFAULT_URL),
    async session() {
      const session = await loadSession(configDir);
      if (!session) throw new NotLoggedInCliError('not logged in; run `somnus login`');
      // never send a token for one server to another one the user named
      if (requested !== undefined && normalizeBaseUrl(requested) !== session.baseUrl) {
        throw new NotLoggedInCliError(`not logged in at ${normalizeBaseUrl(requested)} (the saved session is for ${session.baseUrl}); run \`somnus login\``);
      }
      out.redactor.add(session.sessionId);
      // pins and seen key histories persist next to the session (docs/key-authenticity.md §3.1)
      const trustStore = new FileTrustStore(configDir);
      return { session, client: ctx.client({ baseUrl: session.baseUrl, sessionId: session.sessionId, srpProfile: session.srpProfile, trustStore }) };
    },
    srpProfile() {
      if (flags.srpProfile === undefined) return undefined;
      if (!isSrpProfile(flags.srpProfile)) throw new UsageError(`--srp-profile must be insomnia or rfc2945, not ${flags.srpProfile}`);
      return flags.srpProfile;
    },
  };
  return ctx;
}

/** Email from --email, else asked for. */
export async function emailFrom(ctx: CommandContext): Promise<string> {
  const email = (ctx.flags.email ?? (await ctx.io.prompt('Email: ', { hidden: false }))).trim();
  if (!email) throw new UsageError('an email is required');
  return email;
}
