// Small file operations the writers share.
import * as fs from 'node:fs';

/** Flushes, fsyncs and closes `fd`; it is closed even when the flush or fsync throws. */
export function closeDurably(fd: number, flush: () => void): void {
  try {
    flush();
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
