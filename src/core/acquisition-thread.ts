// Entry point of a session's acquisition thread: a thin adapter between worker messages and
// the Acquisition, so the same Acquisition can be driven directly in benchmarks.
import { parentPort, workerData } from 'node:worker_threads';
import { Acquisition } from './acquisition';
import { createSource } from '../devices/index';
import { setSerialBridgeRequester } from './serial-bridge';
import { emptyStats, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (message: FromWorker) => port.postMessage(message);
setSerialBridgeRequester((serial) => port.postMessage({ kind: 'serial-bridge', port: serial } satisfies FromWorker, [serial]));

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
        if (!acquisition) throw new Error('the session has no source');
        acquisition.saveTimelog(message.path);
        break;
      case 'pause':
        if (!acquisition) throw new Error('the session has no source');
        acquisition.pause();
        break;
      case 'resume':
        if (!acquisition) throw new Error('the session has no source');
        acquisition.resume(message.from);
        break;
      case 'refresh':
        // Unanswered, the session's refresh() would wait for the thread to exit.
        if (acquisition) acquisition.refresh(message.id);
        else post({ kind: 'stats', stats: emptyStats(), refresh: message.id });
        break;
      case 'close':
        acquisition?.close();
        post({ kind: 'closed' });
        port.close();
        break;
    }
  } catch (error) {
    const text = (error as Error).message;
    // A refused request is answered as such, so the session's startRecording(), pause() or
    // resume() rejects instead of waiting.
    if (message.kind === 'record') post({ kind: 'recording-failed', message: text });
    else if (message.kind === 'pause' || message.kind === 'resume') post({ kind: 'control-failed', request: message.kind, message: text });
    else if (message.kind === 'save-timelog') post({ kind: 'timelog-failed', path: message.path, message: `cannot save the timelog to ${message.path}: ${text}` });
    else post({ kind: 'log', level: 'error', text });
  }
});
