/** `somnus logout`: revoke on the server, then delete the local file (even if the server already forgot it). */
import { SomnusApiError } from '../../errors';
import type { Command } from '../context';
import { clearSession } from '../session-store';

export const logoutCommand: Command = {
  flags: ['url'],
  subcommands: false,
  usesSession: true,
  async run(ctx) {
    const { session, client } = await ctx.session();
    try {
      await client.logout();
    } catch (err) {
      // an expired or revoked token is as logged out as it gets; anything else (server down) must
      // not leave the user believing the session ended when it did not
      if (!(err instanceof SomnusApiError && err.code === 'UNAUTHORIZED')) throw err;
    }
    await clearSession(ctx.configDir);
    ctx.out.line(`Logged out ${session.email}.`);
  },
};
