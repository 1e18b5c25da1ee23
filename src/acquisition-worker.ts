// Entry point of a session's acquisition thread (bundled as dist/acquisition-worker.js): the
// worker composes itself like the extension and the CLI do, registering the families before the
// core builds the session's source from its URI.
import { registry } from './devices/index';
import { runAcquisitionThread } from './core/acquisition-thread';

runAcquisitionThread(registry);
