// Reconnecting with seed 001's backoff, written once for every family: a socket source (event
// style: schedule() then connect again), a serial port (callback style, the same) and the poll
// recorder (an async loop: `await wait()`). They all log the same line per attempt and word a
// first-connect failure the same way, so a person reading the log of one family can read any.

/** Seconds between reconnect attempts (seed 001's schedule); the last entry repeats. */
export const RECONNECT_BACKOFF_S: readonly number[] = [0.5, 1, 2, 5, 10, 30];

export type LogLevel = 'info' | 'warn' | 'error';

export interface ReconnectorOptions {
  /** What is being reconnected, e.g. `rda://host:port`; prefixes every line. Leave it out when the log already adds it. */
  label?: string;
  /** Seconds between attempts; the last entry repeats (tests shorten it). Default RECONNECT_BACKOFF_S. */
  backoffS?: readonly number[];
  log?: (level: LogLevel, text: string) => void;
}

/**
 * Counts attempts since the last good connection and waits the backoff for the next one. Stopped,
 * it clears its timer, resolves a pending wait() with false and never calls `connect` again.
 */
export class Reconnector {
  private count = 0;
  private timer?: NodeJS.Timeout;
  private release?: (go: boolean) => void;
  private isStopped = false;
  private readonly backoffS: readonly number[];

  constructor(private readonly options: ReconnectorOptions = {}) {
    const backoff = options.backoffS ?? RECONNECT_BACKOFF_S;
    if (backoff.length === 0 || backoff.some((s) => !(s >= 0)))
      throw new RangeError(`backoff must be a list of seconds >= 0, got [${backoff.join(', ')}]`);
    this.backoffS = backoff;
  }

  /** Attempts made since the last success (0 before any failure). The session shows it as `connecting(attempt)`. */
  get attempt(): number {
    return this.count;
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  /** Whether an attempt is waiting for its turn. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** The delay before the next attempt, in seconds. */
  get nextDelayS(): number {
    return this.backoffS[Math.min(this.count, this.backoffS.length - 1)];
  }

  /**
   * Logs why and when, then calls `connect` after the backoff. A second schedule() while one is
   * pending is ignored (an error and a close of the same socket both ask): one drop, one attempt.
   */
  schedule(why: string, connect: () => void): void {
    if (this.isStopped || this.timer) return;
    const delayS = this.announce(why);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.isStopped) connect();
    }, delayS * 1000);
  }

  /** The same for an async loop: resolves true when it is time to try, false if stopped first. */
  wait(why: string): Promise<boolean> {
    if (this.isStopped) return Promise.resolve(false);
    if (this.release) throw new Error('Reconnector.wait() called while another wait is pending');
    const delayS = this.announce(why);
    return new Promise<boolean>((resolve) => {
      this.release = (go) => {
        this.release = undefined;
        clearTimeout(this.timer);
        this.timer = undefined;
        resolve(go);
      };
      this.timer = setTimeout(() => this.release?.(!this.isStopped), delayS * 1000);
    });
  }

  /** A connection is up: the next drop starts the schedule from its first entry again. */
  succeeded(): void {
    if (this.count > 0) this.options.log?.('info', `${this.prefix}reconnected after ${this.count} attempt${this.count === 1 ? '' : 's'}`);
    this.count = 0;
  }

  /** No more attempts: clears the timer and releases a pending wait() with false. Idempotent. */
  stop(): void {
    this.isStopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.release?.(false);
  }

  private get prefix(): string {
    return this.options.label ? `${this.options.label}: ` : '';
  }

  private announce(why: string): number {
    const delayS = this.nextDelayS;
    this.count++;
    this.options.log?.('warn', `${this.prefix}${why}; reconnecting in ${delayS} s (attempt ${this.count})`);
    return delayS;
  }
}

export interface CannotConnectOptions {
  /**
   * The next step when nobody answered (ECONNREFUSED, ENOENT), e.g. "is the RDA server running
   * and sending on that port?"; other errors (a bad host name, a timeout) have advice of their
   * own in core/advice.ts.
   */
  hint?: string;
  /** "connect to" (default) or, for things that are opened rather than connected to, "open". */
  verb?: string;
}

const NOBODY_THERE = new Set(['ECONNREFUSED', 'ENOENT']);

/** A first connection failed; `detail` is the code (or message) without the label and hint. */
export class CannotConnectError extends Error {
  readonly code?: string;
  constructor(
    message: string,
    readonly detail: string,
    code: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'CannotConnectError';
    if (code) this.code = code;
  }
}

/**
 * The error for a first connection that failed: `cannot connect to LABEL: CODE (hint)`. The code
 * (ECONNREFUSED) is what advice.ts and people search for; the message is used when there is none.
 * An error that already is one is returned as it is, so layers do not repeat the label.
 */
export function cannotConnect(label: string, error: unknown, options: CannotConnectOptions = {}): CannotConnectError {
  if (error instanceof CannotConnectError) return error;
  const e = error as NodeJS.ErrnoException | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const detail = code ?? (e?.message || String(error));
  const hint = options.hint && code && NOBODY_THERE.has(code) ? ` (${options.hint})` : '';
  return new CannotConnectError(`cannot ${options.verb ?? 'connect to'} ${label}: ${detail}${hint}`, detail, code, error);
}

/** "connection lost (read ECONNRESET)": the `why` of a drop or a failed attempt, for Reconnector's line. */
export function lostWhy(error?: Error, what = 'connection lost'): string {
  const detail = error instanceof CannotConnectError ? error.detail : error?.message;
  return detail ? `${what} (${detail})` : what;
}
