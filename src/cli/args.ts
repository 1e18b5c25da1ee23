// Argument parsing shared by the CLI's commands, with errors a user can act on.
import { parseArgs } from 'node:util';

/** A mistake the user can fix: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** parseArgs (strict) whose errors become UsageErrors without Node's internal codes. */
export function args<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const e = error as Error & { code?: string };
    // Node's own wording quotes unevenly and names no way out; say which option and where to look.
    const option = /option '([^']+)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) throw new UsageError(`unknown option ${option} (labscope --help lists them)`);
    throw new UsageError(e.message);
  }
}

export function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${value}"`);
  return n;
}
