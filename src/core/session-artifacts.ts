// The files a session wrote (recordings with their sidecars, timelogs), so delete() removes
// exactly those: never a file the session did not create, never a folder.
import * as fs from 'node:fs';
import { sidecarPathFor } from './writers/sidecar';

export class SessionArtifacts {
  private readonly written: string[] = [];

  /** A recording the acquisition started: the data file, a MAT's `.part`, and the sidecar. */
  addRecording(file: string): void {
    this.add(file, `${file}.part`, sidecarPathFor(file));
  }

  addTimelog(file: string): void {
    this.add(file);
  }

  /** The files that exist now, in the order they were written. */
  files(): string[] {
    return this.written.filter((file) => fs.existsSync(file));
  }

  /**
   * Removes them all; throws naming each file that could not be removed (the rest are gone).
   * Returns what was removed.
   */
  remove(): string[] {
    const removed: string[] = [];
    const failed: string[] = [];
    for (const file of this.files()) {
      try {
        fs.rmSync(file, { force: true });
        removed.push(file);
      } catch (error) {
        failed.push(`${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
    if (failed.length) throw new Error(`could not remove ${failed.join(', ')}`);
    return removed;
  }

  private add(...files: string[]): void {
    for (const file of files) if (!this.written.includes(file)) this.written.push(file);
  }
}
