// Bela's own board code (../shared/peers/bela-board) as a running peer: npm test builds it into
// .test-tmp/bela-board (BELA_BOARD_BUILD), and this starts one project on a free port.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BOARD = path.resolve(__dirname, '../../../shared/peers/bela-board/bela-board');

export interface RunningBoard {
  port: number;
  host: string;
  /** SIGTERM, then waits for the exit (the board runs cleanup() and exits 0). */
  stop(): Promise<void>;
}

/** bela-board's built executable for `project`, if BELA_BOARD_BUILD names a build. */
export const boardBuilt = (project = 'all-types'): boolean =>
  !!process.env.BELA_BOARD_BUILD && fs.existsSync(path.join(process.env.BELA_BOARD_BUILD, 'bin', `bela-board-${project}`));

/** Starts `project` on a port the kernel picks; resolves once its server listens (its ready file). */
export async function startBelaBoard(project: string): Promise<RunningBoard> {
  if (!boardBuilt(project))
    throw new Error(`bela-board-${project} is not built: BELA_BOARD_BUILD must name build.sh's folder (npm test sets it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bela-board-'));
  const ready = path.join(dir, 'ready.json');
  const child = spawn(BOARD, ['--project', project, '--port', '0', '--ready-file', ready, '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: process.env,
  });
  // Registered now: a board that dies early must not leave stop() waiting for an exit already gone.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; !fs.existsSync(ready); i++) {
    if (i > 200 || child.exitCode !== null) {
      await stop();
      throw new Error(`bela-board ${project} did not get ready in 10 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const { port, host } = JSON.parse(fs.readFileSync(ready, 'utf8')) as { port: number; host: string };
  return { port, host, stop };
}
