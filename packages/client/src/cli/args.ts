/**
 * Argument parsing for `somnus`. Hand-written (no dependency) and strict: an unknown or misplaced
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
  passphraseStdin: boolean;
  unlock: boolean;
  help: boolean;
  version: boolean;
}

type ValueFlag = 'url' | 'email' | 'firstName' | 'lastName' | 'srpProfile' | 'code' | 'role';
type BoolFlag = 'passphraseStdin' | 'unlock' | 'help' | 'version';
export type FlagName = ValueFlag | BoolFlag;

const VALUE_FLAGS: Record<string, ValueFlag> = {
  '--url': 'url',
  '--email': 'email',
  '--first-name': 'firstName',
  '--last-name': 'lastName',
  '--srp-profile': 'srpProfile',
  '--code': 'code',
  '--role': 'role',
};
const BOOL_FLAGS: Record<string, BoolFlag> = {
  '--passphrase-stdin': 'passphraseStdin',
  '--unlock': 'unlock',
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
};

/** The spelling of a flag for messages: firstName → --first-name. */
export function flagSpelling(name: FlagName): string {
  const all = { ...VALUE_FLAGS, ...BOOL_FLAGS };
  return Object.keys(all).find((k) => all[k] === name && k.startsWith('--')) ?? name;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Flags;
  /** Flags given on the command line, to check them against what the command accepts. */
  given: Set<FlagName>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags: Flags = { passphraseStdin: false, unlock: false, help: false, version: false };
  const given = new Set<FlagName>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const valueFlag = VALUE_FLAGS[name];
    const boolFlag = BOOL_FLAGS[name];
    if (valueFlag) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      if (given.has(valueFlag)) throw new UsageError(`${name} given twice`);
      flags[valueFlag] = value;
      given.add(valueFlag);
    } else if (boolFlag) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      flags[boolFlag] = true;
      given.add(boolFlag);
    } else if (name === '--passphrase') {
      // a passphrase in argv is visible in `ps` and shell history
      throw new UsageError('passphrases are not accepted as arguments; use the prompt, SOMNUS_PASSPHRASE or --passphrase-stdin');
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  return { positionals, flags, given };
}
