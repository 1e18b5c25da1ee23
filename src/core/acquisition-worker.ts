// Entry point of a session's acquisition thread: a thin adapter between worker messages and
// the Acquisition, so the same Acquisition can be driven directly in benchmarks.
import { parentPort, workerData } from 'node:worker_threads';
import { Acquisition } from './acquisition';
import { createSource } from '../devices/index';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (message: FromWorker) => port.postMessage(message);

let acquisition: Acquisition | undefined;
try {
  acquisition = new Acquisition(createSource(init.uri, { backoffS: init.backoffS }), init.bufferSize, post);
  acquisition.start();
} catch (error) {
  post({ kind: 'failed', message: (error as Error).message });
}

port.on('message', (message: ToWorker) => {
  try {
    switch (message.kind) {
      case 'record':
        if (!acquisition) throw new Error('the session has no source');
        acquisition.startRecording(message.request);
        break;
      case 'stop-recording':
        acquisition?.stopRecording();
        break;
      case 'save-timelog':
        acquisition?.saveTimelog(message.path);
        break;
      case 'close':
        acquisition?.close();
        post({ kind: 'closed' });
        port.close();
        break;
    }
  } catch (error) {
    const text = (error as Error).message;
    // A refused recording is answered as such, so the session's startRecording() rejects.
    post(message.kind === 'record' ? { kind: 'recording-failed', message: text } : { kind: 'log', level: 'error', text });
  }
});
