import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../src/cli/args';
import { CLIENT_VERSION, defaultClientName } from '../src/version';

describe('parseArgs', () => {
  it('reads positionals, value flags in both spellings and boolean flags', () => {
    const { positionals, flags, given } = parseArgs(['passphrase', 'change', '--code', 'ABC', '--url=http://x', '--passphrase-stdin']);
    expect(positionals).toEqual(['passphrase', 'change']);
    expect(flags).toMatchObject({ code: 'ABC', url: 'http://x', passphraseStdin: true, unlock: false, help: false });
    expect([...given].sort()).toEqual(['code', 'passphraseStdin', 'url']);
  });

  it('treats everything after -- as positional', () => {
    expect(parseArgs(['sessions', 'revoke', '--', '--weird']).positionals).toEqual(['sessions', 'revoke', '--weird']);
  });

  it.each([
    [['--nope'], /unknown option --nope/],
    [['login', '--email'], /--email needs a value/],
    [['login', '--email', '--url', 'x'], /--email needs a value/],
    [['--help=yes'], /takes no value/],
    [['--url', 'a', '--url', 'b'], /given twice/],
    [['login', '--passphrase', 'hunter2'], /not accepted as arguments/],
    [['login', '--passphrase=hunter2'], /not accepted as arguments/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('version', () => {
  it('matches package.json and shapes X-Insomnia-Client like Insomnia does', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(CLIENT_VERSION).toBe(pkg.version);
    expect(defaultClientName('linux')).toBe(`somnus-cli::linux::${pkg.version}`);
  });
});
