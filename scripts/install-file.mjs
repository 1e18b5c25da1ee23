// Puts a built file in place the way a linker does: written beside the target, then renamed over
// it. Never copied over it in place: copyFileSync truncates the target's inode, and truncating a
// file that a running process has mapped (a native addon, dist/serialport.node) takes away even
// that process's relocated private pages of it, so its next call through the addon's GOT jumps
// to an unrelocated address. That was issue 16's crash at exit: `npm run build` in the tree while
// `labscope record` ran from its dist/ made every recording segfault in the worker's teardown,
// the first call into serialport's addon since the rebuild. A rename leaves running processes
// the old inode.
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';

export function installFile(source, target) {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    copyFileSync(source, temporary);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
