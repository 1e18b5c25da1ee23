// Finding mokucli and checking its version, as the moku package does (MOKU_CLI_PATH, then PATH)
// with Labscope's own ways in front: the URI's mokucli= (the simulator's stand-in uses it) and the
// setting labscope.mokucliPath, which the extension hands to session workers as
// LABSCOPE_MOKUCLI_PATH. Every refusal names what was found (or looked at) and what is needed.
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveExecutable, Subprocess } from '../../transports/subprocess';
import { compareVersions, parseMokucliVersion, versionText, type Version } from './protocol';

/** The variable the extension sets from labscope.mokucliPath for the session's worker. */
export const SETTING_VARIABLE = 'LABSCOPE_MOKUCLI_PATH';

export interface FoundMokucli {
  file: string;
  /** Where the path came from, for messages. */
  from: string;
}

const HELP = 'install mokucli (Liquid Instruments\' "Moku CLI") and set labscope.mokucliPath (or MOKU_CLI_PATH) to it, or put it on PATH';

/** `~` and `~/…` as the user's home, as the moku package expands MOKU_CLI_PATH. */
export function expandHome(file: string): string {
  if (file === '~') return os.homedir();
  if (file.startsWith('~/')) return path.join(os.homedir(), file.slice(2));
  return file;
}

/** mokucli's path: `explicit` (mokucli=), the setting, MOKU_CLI_PATH, PATH, in that order. */
export function findMokucli(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): FoundMokucli {
  const candidates: [string | undefined, string][] = [
    [explicit, 'mokucli= in the URI'],
    [env[SETTING_VARIABLE], 'the setting labscope.mokucliPath'],
    [env.MOKU_CLI_PATH, 'MOKU_CLI_PATH'],
  ];
  for (const [value, from] of candidates) {
    if (!value?.trim()) continue;
    const file = expandHome(value.trim());
    try {
      return { file: resolveExecutable(file, env), from };
    } catch (error) {
      // A path that was asked for and is wrong is not passed over for another one.
      const code = (error as { code?: string }).code === 'EACCES' ? 'is not executable' : 'does not exist';
      throw new Error(`mokucli ${file} (from ${from}) ${code}: ${HELP}`);
    }
  }
  try {
    return { file: resolveExecutable('mokucli', env), from: 'PATH' };
  } catch {
    throw new Error(`mokucli was not found (not set in labscope.mokucliPath or MOKU_CLI_PATH, and not on PATH): ${HELP}`);
  }
}

/** Runs `mokucli --version` and reads its version (`4.0.3` or `mokucli 2.2.2`). */
export function mokucliVersion(found: FoundMokucli, timeoutMs = 15_000): Promise<{ version: Version; text: string }> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const sub = new Subprocess({
      file: found.file,
      args: ['--version'],
      label: 'mokucli',
      onLine: (line) => lines.push(line),
      onExit: (end) => {
        clearTimeout(timer);
        const text = [...lines, end.stderr].join('\n').trim();
        const version = parseMokucliVersion(text);
        if (end.kind === 'failed' && !version) return reject(new Error(`${found.file} --version failed: ${end.error.message}`));
        if (!version)
          return reject(
            new Error(`${found.file} --version printed ${JSON.stringify(text.slice(0, 80))}, no version number: is it mokucli?`),
          );
        resolve({ version, text });
      },
    });
    const timer = setTimeout(() => {
      void sub.stop();
      reject(new Error(`${found.file} --version did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sub.start();
  });
}

/** Refuses a mokucli older than `needed`, naming both. */
export function checkMokucliVersion(found: FoundMokucli, version: Version, needed: { version: Version; why: string }): void {
  if (compareVersions(version, needed.version) >= 0) return;
  throw new Error(
    `mokucli ${versionText(version)} at ${found.file} (from ${found.from}) is too old: ${needed.why} needs mokucli ${versionText(needed.version)} or later; install a newer Moku CLI`,
  );
}
