// The body of a session's acquisition thread: a thin adapter between the session's requests and
// the Acquisition, so the same Acquisition can be driven directly in benchmarks and tests. The
// entry point (src/acquisition-worker.ts) hands it the families, since the core imports none.
import { parentPort, workerData } from 'node:worker_threads';
import { Acquisition } from './acquisition';
import type { Families } from './registry';
import { answerRequests, isRequest, type Request } from './request-reply';
import { setSerialBridgeRequester } from '../transports/serial-bridge';
import type { Command, Event, Replies, WorkerInit } from './worker-protocol';

export function runAcquisitionThread(families: Families): void {
  const port = parentPort;
  if (!port) throw new Error("runAcquisitionThread() runs inside a session's worker thread");
  const init = workerData as WorkerInit;
  const post = (message: Event) => port.postMessage(message);
  setSerialBridgeRequester((serial) => port.postMessage({ kind: 'serial-bridge', port: serial } satisfies Event, [serial]));

  let acquisition: Acquisition | undefined;
  try {
    acquisition = new Acquisition(families.createSource(init.uri, { backoffS: init.backoffS }), init.bufferSize, post);
    acquisition.start();
  } catch (error) {
    post({ kind: 'failed', message: (error as Error).message });
  }

  const sourced = (what: string): Acquisition => {
    if (!acquisition) throw new Error(`cannot ${what}: the session has no source`);
    return acquisition;
  };
  const handle = (command: Command): Replies[Command['kind']] => {
    switch (command.kind) {
      case 'record':
        return sourced('record').startRecording(command.request);
      case 'stop-recording':
        return sourced('stop recording').stopRecording();
      case 'save-timelog':
        return sourced('save a timelog').saveTimelog(command.path);
      case 'pause':
        return sourced('pause').pause();
      case 'resume':
        return sourced('resume').resume(command.from);
      case 'refresh':
        acquisition?.refresh();
        return null;
      case 'resize-ring':
        return sourced('resize the buffer').resizeRing(command.seconds);
      case 'stop-stream':
        sourced('stop the stream').stopStream();
        return null;
      case 'close':
        acquisition?.close();
        return null;
    }
  };
  const answer = answerRequests<Command, Replies[Command['kind']]>(handle, (reply) => port.postMessage(reply));
  port.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    const request = message as Request<Command>;
    void answer(request).then(() => {
      // The reply to close is the thread's last word: with the port closed, the thread exits.
      if (request.body.kind === 'close') port.close();
    });
  });
}
