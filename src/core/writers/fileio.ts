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

/**
 * After a write at `position` failed (a full disk), cuts off whatever part of it landed, so the
 * file ends where it did before. A truncate that fails too is added to the write's error.
 */
export function cutBack(fd: number, position: number, error: Error): void {
  try {
    fs.ftruncateSync(fd, position);
  } catch (e) {
    error.message += `; the part written could not be cut off either: ${(e as Error).message}`;
  }
}
