// A session's simulator in a thread of its own: generating 64 channels × 25 kHz of signal (or
// pacing a file) is real work, and on the extension host's main thread it competes with the tree,
// the scopes and every other extension. The thread runs the family's simulate() as the CLI's
// `labscope simulate` does in its own process; send times come back through a SentTable on shared
// memory, so a scope's latency figure costs no messages.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { RunningSimulator } from './family';
import type { Families } from './registry';
import { SENT_TABLE_BYTES, SentTable } from './sent-table';
import { workerScript } from './worker-script';

interface SimulatorInit {
  simulator: { uri: string; sentBuffer: SharedArrayBuffer };
}

type FromThread = { type: 'ready'; uri: string; description?: string } | { type: 'error'; message: string };

/** How long a stop may take before the thread is terminated (its sockets are closed with it). */
const STOP_GRACE_MS = 3000;

/** True in a worker started by startSimulatorThread. */
export function isSimulatorThread(data: unknown = workerData): boolean {
  return typeof data === 'object' && data !== null && 'simulator' in data;
}

/** Starts `uri`'s simulator (a `sim:` URI) in a new thread; resolves once it listens. */
export async function startSimulatorThread(uri: string): Promise<RunningSimulator> {
  const sentBuffer = new SharedArrayBuffer(SENT_TABLE_BYTES);
  const script = workerScript();
  const init: SimulatorInit = { simulator: { uri, sentBuffer } };
  const worker = new Worker(script.code, { eval: script.eval, workerData: init });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const ready = await new Promise<Extract<FromThread, { type: 'ready' }>>((resolve, reject) => {
    worker.once('message', (m: FromThread) => (m.type === 'ready' ? resolve(m) : reject(new Error(m.message))));
    worker.once('error', reject);
    void exited.then((code) => reject(new Error(`the simulator's thread exited (code ${code}) before it listened`)));
  }).catch(async (error: Error) => {
    await worker.terminate();
    throw error;
  });
  const table = new SentTable(sentBuffer);
  let stopping: Promise<void> | undefined;
  return {
    uri: ready.uri,
    description: ready.description,
    sentAt: (frame) => table.sentAt(frame),
    stop: () =>
      (stopping ??= (async () => {
        worker.postMessage('stop');
        const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), STOP_GRACE_MS).unref());
        if ((await Promise.race([exited, grace])) === 'late') await worker.terminate();
      })()),
  };
}

/** The thread's side: run the simulator until told to stop. */
export function runSimulatorThread(families: Families): void {
  const port = parentPort!;
  const { uri, sentBuffer } = (workerData as SimulatorInit).simulator;
  const post = (m: FromThread) => port.postMessage(m);
  (async () => {
    const resolved = families.resolve(uri);
    const sim = await resolved.family.simulate(resolved.uri, { sentBuffer });
    port.on('message', (m: unknown) => {
      if (m !== 'stop') return;
      // Its sockets closed, the thread ends (the main side waits for that exit).
      void Promise.resolve(sim.stop()).finally(() => process.exit(0));
    });
    post({ type: 'ready', uri: sim.uri, ...(sim.description ? { description: sim.description } : {}) });
  })().catch((error: Error) => {
    post({ type: 'error', message: error.message });
    process.exit(1);
  });
}
