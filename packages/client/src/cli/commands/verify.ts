/**
 * `somnus verify [code] | --resend | --invite <link>`: proves the account's email address (docs/protocol.md
 * §4.1). Until it is verified the account cannot see, accept or decline invitations.
 */
import { inviteTokenFrom } from '../../flows/signup';
import { UsageError } from '../args';
import type { Command } from '../context';

/** An invitation link (or token) as given on the command line, checked before anything is sent. */
export function inviteLink(given: string): string {
  try {
    inviteTokenFrom(given);
  } catch (err) {
    throw new UsageError(`--invite: ${(err as Error).message}`);
  }
  return given;
}

const USAGE = 'usage: somnus verify [<code>] | somnus verify --resend | somnus verify --invite <link>';

export const verifyCommand: Command = {
  flags: ['url', 'code', 'resend', 'invite'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    if (ctx.args.length > 1) throw new UsageError(USAGE);
    if (ctx.args[0] !== undefined && ctx.flags.code !== undefined) throw new UsageError('give the code once: as an argument or with --code');
    const typed = ctx.args[0] ?? ctx.flags.code;
    const ways = [typed !== undefined, ctx.flags.resend, ctx.flags.invite !== undefined].filter(Boolean).length;
    if (ways > 1) throw new UsageError(`one at a time: a code, --resend or --invite (${USAGE})`);
    const invite = ctx.flags.invite === undefined ? undefined : inviteLink(ctx.flags.invite);
    const { session, client } = await ctx.session();
    if (ctx.flags.resend) {
      const res = await client.resendVerification();
      ctx.out.line(res.isVerified ? `${session.email} is already verified.` : `A new verification email was sent to ${session.email}; then run: somnus verify <code>`);
      return;
    }
    if (invite !== undefined) {
      await client.verifyWithInvite(invite);
      ctx.out.line(`${session.email} is verified by the invitation link.`);
      return;
    }
    const code = typed ?? (await ctx.secrets.emailCode());
    if (!code.trim()) throw new UsageError('the code from the verification email is required (or --resend for a new email)');
    await client.verifyEmail(code);
    ctx.out.line(`${session.email} is verified.`);
  },
};
