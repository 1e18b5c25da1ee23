// The main thread's end of one acquisition thread: starts the worker, asks it things (one typed
// request/reply helper for every command), hands its events to the session, and tears it down.
// A session has one; nothing else talks to the worker.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { isReply, Requester } from './request-reply';
import type { Command, Event, Replies, WorkerInit } from './worker-protocol';

/** How long close() waits for a worker to leave on its own before terminating it. */
const CLOSE_GRACE_MS = 5000;

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

  constructor(init: WorkerInit, handlers: AcquisitionClientHandlers) {
    const script = workerScript();
    this.worker = new Worker(script.code, { workerData: init, eval: script.eval });
    this.requests = new Requester<Command>((message) => this.worker.postMessage(message));
    this.worker.on('message', (message: unknown) => {
      if (isReply(message)) this.requests.receive(message);
      else handlers.event(message as Event);
    });
    this.worker.on('error', (error) => handlers.crashed(error));
    this.exit = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        this.gone = true;
        this.requests.close('the acquisition thread has ended');
        handlers.exited(code);
        resolve(code);
      });
    });
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
   * A thread that does not leave within the grace is terminated; the timer never holds the process.
   */
  async close(): Promise<void> {
    if (this.gone) return;
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_GRACE_MS);
    try {
      await this.request({ kind: 'close' }).catch(() => undefined);
      await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The worker is bundled next to the bundle that loads us (dist/acquisition-worker.js). Run from
 * sources (tests, benchmarks), its .ts entry is loaded through tsx's require hook, registered
 * inside the worker itself.
 */
function workerScript(): { code: string; eval: boolean } {
  const bundled = path.join(__dirname, 'acquisition-worker.js');
  if (fs.existsSync(bundled)) return { code: bundled, eval: false };
  const source = path.join(__dirname, '..', 'acquisition-worker.ts');
  return { code: `require('tsx/cjs/api').register(); require(${JSON.stringify(source)});`, eval: true };
}
