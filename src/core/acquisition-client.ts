// The main thread's end of one acquisition thread: starts the worker, asks it things (one typed
// request/reply helper for every command), hands its events to the session, and tears it down.
// A session has one; nothing else talks to the worker.
import { Worker } from 'node:worker_threads';
import { isReply, Requester } from './request-reply';
import type { Command, Event, Replies, WorkerInit } from './worker-protocol';
import { workerScript } from './worker-script';

/**
 * How long close() waits for a worker that has nothing left to finish to leave on its own
 * before terminating it. The grace never runs while a recording is open (see close()).
 */
const EXIT_GRACE_MS = 5000;
/** How often a close that waits on a recording's last write says so in the log. */
const STILL_FINISHING_EVERY_MS = 5000;

export interface AcquisitionClientHandlers {
  event(message: Event): void;
  /** The thread crashed (an uncaught error in it). */
  crashed(error: Error): void;
  /** The thread is gone; `code` is its exit code (0 after a close). */
  exited(code: number): void;
}

export class AcquisitionClient {
  private readonly worker: Worker;
  private readonly requests: Requester<Command>;
  private gone = false;
  private readonly exit: Promise<number>;
  /** The file of the recording the worker has open (between recording-started and its end). */
  private recordingPath?: string;
  /** Called when the open recording ends, so a waiting close() can start its grace. */
  private onRecordingClosed?: () => void;

  constructor(
    init: WorkerInit,
    private readonly handlers: AcquisitionClientHandlers,
  ) {
    const script = workerScript();
    this.worker = new Worker(script.code, { workerData: init, eval: script.eval });
    this.requests = new Requester<Command>((message) => this.worker.postMessage(message));
    this.worker.on('message', (message: unknown) => {
      if (isReply(message)) this.requests.receive(message);
      else {
        this.track(message as Event);
        handlers.event(message as Event);
      }
    });
    this.worker.on('error', (error) => handlers.crashed(error));
    this.exit = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        this.gone = true;
        // A thread that died with a recording open never said how it ended: say it here, so the
        // user is told the file holds only what was flushed (NPY and CSV are valid up to their
        // last flush; a MAT recording stays in its .part, which `labscope recover` repairs).
        const open = this.recordingPath;
        if (open !== undefined) {
          this.recordingPath = undefined;
          handlers.event({
            kind: 'recording-failed',
            message: `recording to ${open} was not finished: the acquisition thread exited (code ${code}) before closing it; the file holds what was flushed before`,
          });
        }
        this.requests.close('the acquisition thread has ended');
        handlers.exited(code);
        resolve(code);
      });
    });
  }

  /** Follows the worker's recording from its events, which come in the order they happened. */
  private track(event: Event): void {
    if (event.kind === 'recording-started') this.recordingPath = event.path;
    else if (event.kind === 'recording-ended' || event.kind === 'recording-failed') {
      this.recordingPath = undefined;
      this.onRecordingClosed?.();
    }
  }

  /** True once the thread has exited: requests then reject at once. */
  get ended(): boolean {
    return this.gone;
  }

  /** Asks the thread; resolves with its reply's value, rejects with its error or if it goes away. */
  request<K extends Command['kind']>(command: Extract<Command, { kind: K }>): Promise<Replies[K]> {
    return this.requests.request<Replies[K]>(command);
  }

  /**
   * Asks the thread to close (it ends its recording and frees its ring), then waits for it to exit.
   *
   * A thread with a recording open is never terminated, however long its close takes: it is
   * writing the last frames, fsyncing, turning a MAT's .part into the .mat and writing the final
   * sidecar, and those calls block in the kernel, where terminate() cannot reach them (the thread
   * stops only once the call returns). Terminating it would save no time and would skip exactly
   * the steps that make the file final, and leave the user without a summary. So the wait is said
   * in the log instead, and the grace starts once the recording has ended (or at once, when there
   * is none): a thread that then still does not leave (a handle keeping its loop alive, a stuck
   * loop) is terminated.
   */
  async close(): Promise<void> {
    if (this.gone) return;
    let grace: NodeJS.Timeout | undefined;
    const startGrace = () => {
      grace ??= setTimeout(() => void this.worker.terminate(), EXIT_GRACE_MS);
    };
    const started = Date.now();
    const finishing = setInterval(() => {
      if (this.recordingPath === undefined) return;
      const s = Math.round((Date.now() - started) / 1000);
      this.handlers.event({ kind: 'log', level: 'info', text: `closing: still finishing the recording to ${this.recordingPath} (${s} s)` });
    }, STILL_FINISHING_EVERY_MS);
    this.onRecordingClosed = startGrace;
    if (this.recordingPath === undefined) startGrace();
    try {
      // The reply comes after the recording's end event: by then the grace is running.
      await this.request({ kind: 'close' }).catch(() => undefined);
      await this.exit;
    } finally {
      clearTimeout(grace);
      clearInterval(finishing);
      this.onRecordingClosed = undefined;
    }
  }
}
