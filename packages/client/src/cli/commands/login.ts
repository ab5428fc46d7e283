/** `somnus login`: SRP login, then the session is saved (0600) for the other commands. */
import type { Command } from '../context';
import { emailFrom } from '../context';
import { loadSession, saveSession, sessionPath } from '../session-store';

export const loginCommand: Command = {
  flags: ['url', 'email', 'srpProfile', 'passphraseStdin'],
  subcommands: false,
  usesSession: false,
  async run(ctx) {
    const srpProfile = ctx.srpProfile();
    const baseUrl = ctx.serverUrl();
    const email = await emailFrom(ctx);
    const passphrase = await ctx.secrets.passphrase();
    // read before the login so a corrupted file fails early, not after a session was opened
    const previous = await loadSession(ctx.configDir).catch(() => null);

    const client = ctx.client({ baseUrl });
    const result = await client.login({ email, passphrase, srpProfile });
    ctx.out.redactor.add(result.sessionId);
    await saveSession(ctx.configDir, {
      baseUrl: client.baseUrl,
      sessionId: result.sessionId,
      accountId: result.accountId,
      email: result.email,
      srpProfile: result.srpProfile,
    });

    // The replaced token would otherwise stay valid on the server until it expires.
    if (previous && previous.sessionId !== result.sessionId) {
      ctx.out.redactor.add(previous.sessionId);
      await ctx
        .client({ baseUrl: previous.baseUrl, sessionId: previous.sessionId })
        .logout()
        .catch(() => undefined); // already expired or server gone: nothing left to revoke
    }

    ctx.out.line(`Logged in as ${result.email} (account ${result.accountId}) at ${client.baseUrl}.`);
    ctx.out.note(`Session saved in ${sessionPath(ctx.configDir)}`);
  },
};
