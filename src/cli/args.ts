// Argument parsing shared by the CLI's commands, with errors a user can act on.
import { parseArgs } from 'node:util';

/** A mistake the user can fix: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** `--help` (or `-h`) given to a command: its usage is printed and the run ends, exit code 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super(usage);
  }
}

/** A command's name and its usage text, for --help and for the hint in its errors. */
export interface CommandHelp {
  name: string;
  usage: () => string;
}

/**
 * parseArgs (strict) whose errors become UsageErrors in the CLI's own words: which option, for
 * which command, and where to look. `--help`/`-h` anywhere asks for the command's usage.
 */
export function args<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(argv: string[], options: T, command: CommandHelp) {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(command.usage());
  const hint = `labscope ${command.name} --help lists them`;
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const e = error as Error & { code?: string };
    // Node's own wording quotes unevenly and names no way out; say which option and where to look.
    // "Option '-o, --out <value>' argument missing" names --out; "Unknown option '--bogus'. …" names --bogus.
    const option = /option '([^']+)'/i
      .exec(e.message)?.[1]
      ?.replace(/^-\w, /, '')
      .replace(/ <value>$/, '');
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`${command.name}: unknown option ${option ?? '(unnamed)'} (${hint})`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw new UsageError(
          option && /argument missing/.test(e.message)
            ? `${command.name}: ${option} needs a value (${hint})`
            : `${command.name}: ${option ? `${option} ` : ''}takes no value (${hint})`,
        );
      default:
        throw new UsageError(`${command.name}: ${e.message} (${hint})`);
    }
  }
}

export function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${value}"`);
  return n;
}
