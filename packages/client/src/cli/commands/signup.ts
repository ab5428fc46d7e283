/** `somnus signup`: creates the account; key material is generated in-process by the SDK. */
import type { Command } from '../context';
import { emailFrom } from '../context';
import { inviteLink } from './verify';

export const signupCommand: Command = {
  flags: ['url', 'email', 'firstName', 'lastName', 'srpProfile', 'passphraseStdin', 'invite'],
  subcommands: false,
  usesSession: false,
  async run(ctx) {
    const srpProfile = ctx.srpProfile();
    const baseUrl = ctx.serverUrl();
    // checked before the passphrase is asked: a mangled link should cost nothing
    const invite = ctx.flags.invite === undefined ? undefined : inviteLink(ctx.flags.invite);
    const email = await emailFrom(ctx);
    const passphrase = await ctx.secrets.newPassphrase({ stdinLine: 0, envName: 'SOMNUS_PASSPHRASE', label: 'Passphrase' });
    ctx.out.note('Generating keys…');
    const result = await ctx.client({ baseUrl }).signup({
      email,
      passphrase,
      firstName: ctx.flags.firstName,
      lastName: ctx.flags.lastName,
      srpProfile,
      invite,
    });
    ctx.out.line(`Signed up ${result.email} (account ${result.accountId}) at ${baseUrl}.`);
    ctx.out.line('Your passphrase cannot be recovered by the server: without it your data cannot be decrypted.');
    if (result.isVerified) {
      ctx.out.line(`${result.email} is verified by the invitation link.`);
      ctx.out.line('Next: somnus login');
    } else {
      // invitations stay out of reach until the address is proven (docs/protocol.md §4.1)
      ctx.out.line(`We emailed ${result.email} a link and a code to verify the address: open the link, or run`);
      ctx.out.line('somnus login, then somnus verify <code> (somnus verify --resend for a new email).');
    }
  },
};
