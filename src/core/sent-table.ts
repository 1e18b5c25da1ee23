// When a simulator handed each recent block of frames to its socket: the start of a wire-to-pixel
// latency figure. Kept in a fixed table (optionally on a SharedArrayBuffer, so a simulator running
// in its own thread writes it and the session on the main thread reads it, without messages).

/** Blocks remembered: 4096 × 20 ms blocks is over a minute of signal. */
export const SENT_BLOCKS = 4096;
/** The bytes a table needs: a count, then [from, to, at] per block. */
export const SENT_TABLE_BYTES = 8 * (1 + 3 * SENT_BLOCKS);

export class SentTable {
  private readonly cells: Float64Array;

  constructor(readonly buffer: ArrayBufferLike = new ArrayBuffer(SENT_TABLE_BYTES)) {
    if (buffer.byteLength < SENT_TABLE_BYTES)
      throw new RangeError(`a sent table needs ${SENT_TABLE_BYTES} bytes, was given ${buffer.byteLength}`);
    this.cells = new Float64Array(buffer, 0, 1 + 3 * SENT_BLOCKS);
  }

  /** Frames [from, to) went to the socket at `at` (epoch ms, performance.timeOrigin + performance.now()). */
  add(from: number, to: number, at = performance.timeOrigin + performance.now()): void {
    const n = this.cells[0];
    const i = 1 + 3 * (n % SENT_BLOCKS);
    this.cells[i] = from;
    this.cells[i + 1] = to;
    this.cells[i + 2] = at;
    // The count last: a reader in another thread sees the entry whole once it counts it.
    this.cells[0] = n + 1;
  }

  /**
   * When the block holding `frame` was sent, while remembered. Searched from the newest back: a
   * scope asks for its newest frame, found in the first entry or two.
   */
  sentAt(frame: number): number | undefined {
    if (!(frame >= 0)) return undefined;
    const n = this.cells[0];
    for (let k = n - 1; k >= 0 && k >= n - SENT_BLOCKS; k--) {
      const i = 1 + 3 * (k % SENT_BLOCKS);
      if (frame >= this.cells[i] && frame < this.cells[i + 1]) return this.cells[i + 2];
    }
    return undefined;
  }
}
