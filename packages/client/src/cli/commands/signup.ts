/** `somnus signup`: creates the account; key material is generated in-process by the SDK. */
import type { Command } from '../context';
import { emailFrom } from '../context';

export const signupCommand: Command = {
  flags: ['url', 'email', 'firstName', 'lastName', 'srpProfile', 'passphraseStdin'],
  subcommands: false,
  usesSession: false,
  async run(ctx) {
    const srpProfile = ctx.srpProfile();
    const baseUrl = ctx.serverUrl();
    const email = await emailFrom(ctx);
    const passphrase = await ctx.secrets.newPassphrase({ stdinLine: 0, envName: 'SOMNUS_PASSPHRASE', label: 'Passphrase' });
    ctx.out.note('Generating keys…');
    const result = await ctx.client({ baseUrl }).signup({
      email,
      passphrase,
      firstName: ctx.flags.firstName,
      lastName: ctx.flags.lastName,
      srpProfile,
    });
    ctx.out.line(`Signed up ${result.email} (account ${result.accountId}) at ${baseUrl}.`);
    ctx.out.line('Your passphrase cannot be recovered by the server: without it your data cannot be decrypted.');
    ctx.out.line('Next: somnus login');
  },
};
