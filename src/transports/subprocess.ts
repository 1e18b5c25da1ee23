// A long-running helper program as a transport (mokucli bridges a Moku's stream to stdout): run
// from an argument array, never through a shell; stdout to a callback as lines (or raw chunks);
// stderr logged and remembered, since for some tools any stderr text means the run went wrong;
// the exit reported as `ended` (code 0) or `failed` (any other code, or a signal, with the last
// words it wrote on stderr). The child must never outlive its owner:
//
// - stop() sends SIGTERM, then SIGKILL after a grace, and resolves once the child has exited.
// - On Linux the child is started through util-linux's `setpriv --pdeathsig KILL`, which execs the
//   program in place (same pid) with the kernel's parent-death signal set: when the thread that
//   spawned it ends, for any reason, the kernel kills the child. Node's own hooks are not enough:
//   a worker's process 'exit' event runs when the worker returns or calls process.exit(), but not
//   when the main thread terminate()s it (the session does after a grace), nor when the whole
//   process exits, crashes or is killed (checked on Node 20). pdeathsig covers all of those, once
//   armed: setpriv arms it just before it execs the program, and a thread ended before that (a
//   millisecond after the spawn, seen once in CI under load) leaves the child to another thread
//   of the process, so it dies with the process instead. onSpawn is reported only once armed.
// - Everywhere, a process 'exit' hook SIGKILLs the children still running in that thread, for
//   platforms without setpriv. There, a crash of the whole process (or a terminate()d worker)
//   can still leave a child running: the limit, stated.
//
// Children are spawned with `detached: false` (the default), so they stay in our process group and
// a terminal's Ctrl-C reaches them too. Only the child itself is signalled: a tool that starts
// programs of its own must stop them when it is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { cannotConnect, type LogLevel } from './reconnect';

export type SubprocessEnd =
  | { kind: 'ended'; code: 0; stderr: string }
  | { kind: 'failed'; error: Error; code: number | null; signal: NodeJS.Signals | null; stderr: string };

export interface SubprocessOptions {
  /** The program: a path, or a name looked up on PATH. */
  file: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Names the program in messages; default the file's base name. */
  label?: string;
  /** The next step when the program is not found, e.g. "is mokucli installed? Set MOKU_CLI_PATH to it". */
  hint?: string;
  /** 'lines' (default): onLine per stdout line, without its line end; 'raw': onData per chunk. */
  stdout?: 'lines' | 'raw';
  onLine?: (line: string) => void;
  onData?: (chunk: Buffer) => void;
  /** Each piece of stderr text as it comes (it is also logged line by line, and remembered). */
  onStderr?: (text: string) => void;
  log?: (level: LogLevel, text: string) => void;
  /**
   * The child runs its program. Where setpriv guards it, only once the program has replaced
   * setpriv (so the parent-death signal is armed, see armed()): a thread ended before that
   * moment can leave the child to the process (the kernel hands it to another thread).
   */
  onSpawn?: (pid: number) => void;
  /** The program exited by itself, or could not be started. Not called after stop(). */
  onExit?: (end: SubprocessEnd) => void;
  /** Between SIGTERM and SIGKILL (default 2 s). */
  killGraceMs?: number;
  /** A stdout line longer than this fails the run (default 64 MiB): a runaway must not exhaust memory. */
  maxLineChars?: number;
}

/** How much of stderr is kept for the failure message and `stderr`. */
const STDERR_KEEP = 16 << 10;
/** After the exit, how long stdout may still drain before its pipe is closed (a grandchild may hold it). */
const DRAIN_MS = 1000;

export class Subprocess {
  private child?: ChildProcess;
  private stopping?: Promise<void>;
  private exited = false;
  private reported = false;
  private stderrTail = '';
  private readonly label: string;

  constructor(private readonly options: SubprocessOptions) {
    this.label = options.label ?? path.basename(options.file);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && !this.exited;
  }

  /** The stderr text so far (its last 16 KiB). */
  get stderr(): string {
    return this.stderrTail;
  }

  start(): void {
    if (this.child || this.stopping) return;
    const o = this.options;
    let file: string;
    try {
      file = resolveExecutable(o.file, o.env ?? process.env, o.cwd);
    } catch (error) {
      return this.report({
        kind: 'failed',
        error: cannotConnect(o.file, error, { verb: 'start', hint: o.hint }),
        code: null,
        signal: null,
        stderr: '',
      });
    }
    const [command, args] = PDEATHSIG ? [PDEATHSIG, ['--pdeathsig', 'KILL', '--', file, ...o.args]] : [file, [...o.args]];
    const child = spawn(command, args, {
      cwd: o.cwd,
      env: o.env,
      shell: false,
      detached: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    track(child);
    child.on('error', (error) => {
      // Only a spawn that failed after the checks above (the file vanished): there is no process.
      if (child.pid === undefined) {
        this.exited = true;
        this.report({
          kind: 'failed',
          error: cannotConnect(o.file, error, { verb: 'start', hint: o.hint }),
          code: null,
          signal: null,
          stderr: this.stderrTail,
        });
      }
    });
    child.on('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) return;
      void armed(pid, () => this.exited).then(() => {
        if (!this.stopping && !this.exited) o.onSpawn?.(pid);
      });
    });
    this.readStdout(child);
    this.readStderr(child);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => {
      this.exited = true;
      exit = { code, signal };
      // The streams may still hold the last output: let them drain, but not forever.
      const drain = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, DRAIN_MS);
      drain.unref();
      child.once('close', () => clearTimeout(drain));
    });
    child.once('close', () => {
      this.flushStdout();
      this.flushStderr();
      if (!exit) return;
      const { code, signal } = exit;
      if (code === 0) return this.report({ kind: 'ended', code: 0, stderr: this.stderrTail });
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const words = lastWords(this.stderrTail);
      this.report({
        kind: 'failed',
        error: new Error(`${this.label} ${how}${words ? `: ${words}` : ''}`),
        code,
        signal,
        stderr: this.stderrTail,
      });
    });
  }

  /** SIGTERM, then SIGKILL after the grace; resolves when the child has exited. No onExit after this. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const child = this.child;
    this.stopping = child && child.pid !== undefined ? this.kill(child) : Promise.resolve();
    return this.stopping;
  }

  private kill(child: ChildProcess): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), this.options.killGraceMs ?? 2000);
      child.once('exit', () => {
        clearTimeout(killer);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private report(end: SubprocessEnd): void {
    if (this.reported || this.stopping) return;
    this.reported = true;
    this.options.onExit?.(end);
  }

  // stdout ------------------------------------------------------------------------------------

  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  private readStdout(child: ChildProcess): void {
    const o = this.options;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.stopping || this.reported) return;
      if (o.stdout === 'raw') return o.onData?.(chunk);
      let text = this.partial + this.decoder.write(chunk);
      let newline: number;
      while ((newline = text.indexOf('\n')) >= 0) {
        const line = text.endsWith('\r', newline) ? text.slice(0, newline - 1) : text.slice(0, newline);
        text = text.slice(newline + 1);
        o.onLine?.(line);
        if (this.stopping || this.reported) return;
      }
      this.partial = text;
      const max = o.maxLineChars ?? 64 << 20;
      if (this.partial.length > max) {
        this.partial = '';
        this.report({
          kind: 'failed',
          error: new Error(`${this.label} wrote a line of more than ${max} characters without a line end`),
          code: null,
          signal: null,
          stderr: this.stderrTail,
        });
        // Reported as failed by us, not by its exit: the program must still be ended.
        void this.kill(child);
      }
    });
  }

  /** The last line, if the program ended without a line end. */
  private flushStdout(): void {
    if (this.options.stdout === 'raw' || this.stopping || this.reported) return;
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.options.onLine?.(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }

  // stderr ------------------------------------------------------------------------------------

  private readonly errDecoder = new StringDecoder('utf8');
  private errPartial = '';

  private readStderr(child: ChildProcess): void {
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = this.errDecoder.write(chunk);
      if (!text) return;
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEEP);
      if (this.stopping) return;
      this.options.onStderr?.(text);
      const lines = (this.errPartial + text).split('\n');
      this.errPartial = lines.pop() ?? '';
      for (const line of lines) this.logStderr(line);
    });
  }

  private flushStderr(): void {
    const rest = this.errDecoder.end();
    if (rest) this.stderrTail = (this.stderrTail + rest).slice(-STDERR_KEEP);
    const last = this.errPartial + rest;
    this.errPartial = '';
    if (last && !this.stopping) this.logStderr(last);
  }

  private logStderr(line: string): void {
    const text = line.replace(/\r$/, '');
    if (text.trim()) this.options.log?.('warn', `${this.label}: ${text}`);
  }
}

/** The last non-empty stderr line(s), at most 300 characters: what a failure message quotes. */
function lastWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let words = '';
  for (let i = lines.length - 1; i >= 0 && words.length < 300; i--) words = words ? `${lines[i]} / ${words}` : lines[i];
  return words.length > 300 ? `…${words.slice(-299)}` : words;
}

/**
 * The absolute path of `file` as spawn would find it (a path as it is, relative to cwd; a bare
 * name on PATH), checked to be executable, so a missing program is named plainly (ENOENT, EACCES)
 * rather than by a wrapper's exit code.
 */
export function resolveExecutable(file: string, env: NodeJS.ProcessEnv = process.env, cwd?: string): string {
  const executable = (candidate: string): boolean => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes('/') || file.includes(path.sep)) {
    const full = path.resolve(cwd ?? process.cwd(), file);
    if (executable(full)) return full;
    const code = fs.existsSync(full) ? 'EACCES' : 'ENOENT';
    throw Object.assign(new Error(`${code}: ${full}`), { code });
  }
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, file + ext);
      if (executable(candidate)) return candidate;
    }
  }
  throw Object.assign(new Error(`ENOENT: ${file} is not on PATH`), { code: 'ENOENT' });
}

/** util-linux's setpriv, if this system has one that knows --pdeathsig (Linux). */
/**
 * Resolves once child `pid` no longer runs setpriv: setpriv sets the parent-death signal and then
 * execs the program, so from then on the kernel kills the child with this thread. Polled from
 * /proc (no event tells it); gives up after 2 s (a child that stays setpriv that long is stuck,
 * and stop() still kills it).
 */
async function armed(pid: number, gone: () => boolean): Promise<void> {
  if (!PDEATHSIG) return;
  const setpriv = SETPRIV_REAL ?? PDEATHSIG;
  const deadline = Date.now() + 2000;
  for (let wait = 1; !gone() && Date.now() < deadline; wait = Math.min(wait * 2, 20)) {
    let exe: string;
    try {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      return; // gone already, or /proc not readable: nothing more to learn
    }
    if (exe !== setpriv) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

const PDEATHSIG: string | undefined = (() => {
  if (process.platform !== 'linux') return undefined;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
})();

/** setpriv's real path, as /proc/PID/exe shows it while the child still runs setpriv. */
const SETPRIV_REAL: string | undefined = (() => {
  try {
    return PDEATHSIG ? fs.realpathSync(PDEATHSIG) : undefined;
  } catch {
    return undefined;
  }
})();

// The children still running in this thread; killed if the thread (or process) exits normally.
const live = new Set<ChildProcess>();
let hooked = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => {
    if (child.pid === undefined) live.delete(child);
  });
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}
