// Preloaded with --require into every thread of a fault-test process (workers inherit the
// parent's execArgv). In the acquisition thread whose ring size is THROW_IN_WORKER_BUFFER frames,
// it throws an uncaught error THROW_IN_WORKER_MS after the thread starts: a bug in a source or a
// family, as far as the session can tell. Every other thread is left alone.
// A --require preload is CommonJS, and runs before any loader that could take an import.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isMainThread, workerData } = require('node:worker_threads');

const buffer = Number(process.env.THROW_IN_WORKER_BUFFER);
if (!isMainThread && workerData && workerData.bufferSize === buffer) {
  setTimeout(
    () => {
      throw new Error('injected fault: the acquisition thread throws');
    },
    Number(process.env.THROW_IN_WORKER_MS ?? 1000),
  );
}
