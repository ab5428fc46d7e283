import { parseArgs as parseArgv, type ParseArgsConfig } from 'node:util';

/**
 * Argument parsing for `somnus`, on node:util's parseArgs in strict mode: an unknown or misplaced
 * option is an error rather than ignored, because a silently ignored `--url` would send a
 * passphrase-derived proof to the default server instead of the intended one.
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Flags {
  url?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  srpProfile?: string;
  code?: string;
  role?: string;
  /** push: the snapshot's message. */
  message?: string;
  /** push, pull, log: the branch (default: the directory's, else master). */
  branch?: string;
  /** push: the org a new project is created in. */
  org?: string;
  /** push, pull, branches, log: the project (default: the directory's). */
  project?: string;
  passphraseStdin: boolean;
  unlock: boolean;
  /** signup, verify: the link of an invitation email (or its token), which verifies the address. */
  invite?: string;
  /** verify: ask for a new verification email instead of typing a code. */
  resend: boolean;
  /** whoami: print only the account key's fingerprint. */
  fingerprint: boolean;
  /**
   * Commands that wrap keys for others: a member's changed key whose fingerprint this is (compared with them
   * out of band) is trusted, and the command goes on (docs/key-authenticity.md).
   */
  trust?: string;
  help: boolean;
  version: boolean;
}

export type FlagName = keyof Flags;

const OPTIONS = {
  url: { type: 'string' },
  email: { type: 'string' },
  'first-name': { type: 'string' },
  'last-name': { type: 'string' },
  'srp-profile': { type: 'string' },
  code: { type: 'string' },
  role: { type: 'string' },
  message: { type: 'string', short: 'm' },
  branch: { type: 'string' },
  org: { type: 'string' },
  project: { type: 'string' },
  'passphrase-stdin': { type: 'boolean' },
  unlock: { type: 'boolean' },
  resend: { type: 'boolean' },
  fingerprint: { type: 'boolean' },
  trust: { type: 'string' },
  invite: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

type OptionName = keyof typeof OPTIONS;

const FLAG_OF: Readonly<Record<OptionName, FlagName>> = {
  url: 'url',
  email: 'email',
  'first-name': 'firstName',
  'last-name': 'lastName',
  'srp-profile': 'srpProfile',
  code: 'code',
  role: 'role',
  message: 'message',
  branch: 'branch',
  org: 'org',
  project: 'project',
  'passphrase-stdin': 'passphraseStdin',
  unlock: 'unlock',
  resend: 'resend',
  fingerprint: 'fingerprint',
  trust: 'trust',
  invite: 'invite',
  help: 'help',
  version: 'version',
};

// hasOwn: an option named `constructor` or `__proto__` must not find anything on the prototype
function optionNamed(name: string): OptionName | undefined {
  return Object.hasOwn(OPTIONS, name) ? (name as OptionName) : undefined;
}

/** The spelling of a flag for messages: firstName → --first-name. */
export function flagSpelling(name: FlagName): string {
  const option = (Object.keys(FLAG_OF) as OptionName[]).find((o) => FLAG_OF[o] === name);
  return option ? `--${option}` : name;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Flags;
  /** Flags given on the command line, to check them against what the command accepts. */
  given: Set<FlagName>;
}

/**
 * Turns a strict-mode rejection into a UsageError that names the option as typed. parseArgs' own
 * messages name options in their canonical form (`-h, --help`) and suggest `--`, which is no help
 * for a misspelt flag; a lenient re-parse yields the tokens to find the offending one.
 */
function usageError(err: unknown, args: string[]): UsageError {
  // by code, not instanceof: node:util's errors come from the core realm, not a test runner's sandbox
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw err;
  const { tokens } = parseArgv({ args, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = optionNamed(token.name);
    if (!option) {
      if (token.name === 'passphrase') {
        // a passphrase in argv is visible in `ps` and shell history
        return new UsageError('passphrases are not accepted as arguments; use the prompt, SOMNUS_PASSPHRASE or --passphrase-stdin');
      }
      return new UsageError(`unknown option ${token.rawName}`);
    }
    if (OPTIONS[option].type === 'boolean') {
      if (token.value !== undefined) return new UsageError(`${token.rawName} takes no value`);
      continue;
    }
    if (token.value === undefined) return new UsageError(`${token.rawName} needs a value`);
    // strict mode takes a following argument that looks like an option for a forgotten value
    if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      const hint = token.value.startsWith('--') ? '' : ` (write ${token.rawName}=<value> for a value that starts with -)`;
      return new UsageError(`${token.rawName} needs a value${hint}`);
    }
  }
  return new UsageError((err as Error).message);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const args = [...argv];
  let parsed;
  try {
    parsed = parseArgv({ args, options: OPTIONS, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw usageError(err, args);
  }
  const flags: Flags = { passphraseStdin: false, unlock: false, resend: false, fingerprint: false, help: false, version: false };
  const given = new Set<FlagName>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const flag = FLAG_OF[token.name];
    if (OPTIONS[token.name].type === 'string') {
      // parseArgs keeps the last of a repeated value; two values for one flag mean a mistake somewhere
      if (given.has(flag)) throw new UsageError(`${token.rawName} given twice`);
      Object.assign(flags, { [flag]: token.value });
    } else {
      Object.assign(flags, { [flag]: true });
    }
    given.add(flag);
  }
  return { positionals: parsed.positionals, flags, given };
}
