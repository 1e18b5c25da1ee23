// Positioned reads on an open file, for the readers: every read is one page, never the whole file.
import type { FileHandle } from 'node:fs/promises';
import type { SampleType, Samples } from '../writers/types';

/** Bytes a reader reads at a time unless told otherwise: big enough to amortise a call, small enough to hold. */
export const DEFAULT_PAGE_BYTES = 4 << 20;

export const SAMPLE_BYTES: Readonly<Record<SampleType, number>> = { float32: 4, float64: 8 };

/** An empty array of the sample type. */
export function samplesOf(type: SampleType, length: number): Samples {
  return type === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

/** Fills `target` from `position`; a file that ends first is an error naming where. */
export async function readFully(file: FileHandle, target: Uint8Array, position: number, what: string): Promise<void> {
  for (let done = 0; done < target.length;) {
    const { bytesRead } = await file.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) {
      throw new Error(`${what} ends at byte ${position + done}, expected ${position + target.length} (was it cut short?)`);
    }
    done += bytesRead;
  }
}

/** Reads as much of [position, position + length) as the file holds. */
export async function readUpTo(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}
