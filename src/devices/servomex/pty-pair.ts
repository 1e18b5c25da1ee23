// A pair of connected pseudo-terminals made by socat: what one end writes, the other reads, with
// real termios on both, so a simulator on one end and Labscope on the other talk as over a cable.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PtyPair {
  /** The simulator's end. */
  a: string;
  /** The client's end. */
  b: string;
  close(): Promise<void>;
}

export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-pty-'));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  let child: ChildProcess;
  try {
    // Argument array, no shell: the paths are ours, but nothing is ever interpolated into a shell.
    child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'ENOENT'
            ? 'socat is not installed (on Debian/Ubuntu: sudo apt-get install socat); the serial simulators need it for their pseudo-terminals'
            : `socat: ${error.message}`,
        ),
      );
    });
    child.once('exit', (code) =>
      reject(new Error(`socat exited with code ${code} before the pseudo-terminals were ready: ${stderr.trim()}`)),
    );
  });
  const deadline = Date.now() + timeoutMs;
  const ready = (async () => {
    while (!(fs.existsSync(a) && fs.existsSync(b))) {
      if (Date.now() > deadline) throw new Error(`socat made no pseudo-terminals within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    await close();
    throw error;
  }
  failed.catch(() => undefined);
  return { a, b, close };
}
