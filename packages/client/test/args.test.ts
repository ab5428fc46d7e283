import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagSpelling, parseArgs, UsageError } from '../src/cli/args';
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

  it('takes -h for --help, a lone - as a positional, repeated boolean flags and values that start with - when written with =', () => {
    const { positionals, flags, given } = parseArgs(['project', '-', '-h', '--unlock', '--unlock', '--email=-x@example.com']);
    expect(positionals).toEqual(['project', '-']);
    expect(flags).toMatchObject({ help: true, unlock: true, email: '-x@example.com' });
    expect([...given].sort()).toEqual(['email', 'help', 'unlock']);
  });

  it('leaves flags unset when not given', () => {
    const { flags, given } = parseArgs(['whoami']);
    expect(flags).toEqual({ passphraseStdin: false, unlock: false, resend: false, fingerprint: false, help: false, version: false });
    expect(given.size).toBe(0);
  });

  it('does not read options after --', () => {
    expect(parseArgs(['login', '--', '--nope', '--email']).positionals).toEqual(['login', '--nope', '--email']);
  });

  it.each([
    [['-x'], 'unknown option -x'],
    [['--constructor'], 'unknown option --constructor'],
    [['--__proto__=1'], 'unknown option --__proto__'],
    [['--nope=secret'], 'unknown option --nope'],
    [['-psecret'], 'unknown option -p'],
    [['login', '--email', '-x@example.com'], '--email needs a value (write --email=<value> for a value that starts with -)'],
    [['login', '--email', '--'], '--email needs a value'],
    [['--url=a', '--url', 'a'], '--url given twice'],
    [['--version=1'], '--version takes no value'],
    [['-h', '--passphrase=secret'], 'passphrases are not accepted as arguments; use the prompt, SOMNUS_PASSPHRASE or --passphrase-stdin'],
  ])('rejects %j with exactly: %s', (argv, message) => {
    let thrown: unknown;
    try {
      parseArgs(argv);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe(message);
  });

  it('spells flags as they are typed', () => {
    expect(flagSpelling('firstName')).toBe('--first-name');
    expect(flagSpelling('passphraseStdin')).toBe('--passphrase-stdin');
    expect(flagSpelling('help')).toBe('--help');
  });
});

describe('version', () => {
  it('matches package.json and shapes X-Insomnia-Client like Insomnia does', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(CLIENT_VERSION).toBe(pkg.version);
    expect(defaultClientName('linux')).toBe(`somnus-cli::linux::${pkg.version}`);
  });
});
