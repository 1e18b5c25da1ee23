// Entry point of Labscope's worker threads (bundled as dist/acquisition-worker.js): a session's
// acquisition thread, or a simulator's thread (workerData says which). Either composes itself like
// the extension and the CLI do, registering the families before the core builds anything from a URI.
import { registry } from './devices/index';
import { runAcquisitionThread } from './core/acquisition-thread';
import { isSimulatorThread, runSimulatorThread } from './core/simulator-thread';

if (isSimulatorThread()) runSimulatorThread(registry);
else runAcquisitionThread(registry);
