// Independent references for tests: Debian's python3 with numpy, scipy and MNE. Its absence is
// a failure, never a skip: CI installs it (.ci/run).
import { execFileSync } from 'node:child_process';

/** Debian's interpreter: the pyenv python3 that comes first on PATH lacks Debian's modules. */
export const PYTHON = '/usr/bin/python3';

/** Runs a Python script with arguments and returns its stdout parsed as JSON. */
export function pythonJson<T = unknown>(script: string, ...args: string[]): T {
  const out = execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  return JSON.parse(out) as T;
}
