// The page's side of delta frames: it keeps the columns it was sent, by absolute column index, and
// rebuilds the whole window from them, so a live frame only needs to carry the newest columns.
import type { HeldColumns, ScopeFrame } from '../shared/protocol';

/** x mod n for negative x too: a young stream's window has columns numbered below 0. */
const slotOf = (column: number, columns: number): number => ((column % columns) + columns) % columns;

export class ColumnStore {
  private key?: string;
  private rows = 0;
  private columns = 0;
  private data = new Float32Array(0);
  private held = new Float64Array(0);
  private window?: HeldColumns;

  /** What to tell the host with the next request. */
  have(): HeldColumns | null {
    return this.window ?? null;
  }

  forget(): void {
    this.key = undefined;
    this.window = undefined;
  }

  /** Takes a frame (whole or delta) and returns the whole window's min/max, rows × columns × 2. */
  accept(frame: Omit<ScopeFrame, 'minmax'>, values: Float32Array): Float32Array {
    const rows = frame.channels.length;
    const columns = frame.columns;
    if (frame.key === undefined || frame.firstColumn === undefined) {
      this.forget();
      return values;
    }
    if (frame.key !== this.key) {
      if (frame.delta) throw new Error('a delta frame for columns this page does not hold');
      this.key = frame.key;
      this.rows = rows;
      this.columns = columns;
      this.data = new Float32Array(rows * columns * 2);
      this.held = new Float64Array(columns).fill(NaN);
    }
    const from = frame.delta?.from ?? frame.firstColumn;
    const count = frame.delta?.count ?? columns;
    for (let k = 0; k < count; k++) {
      const column = from + k;
      const slot = slotOf(column, columns);
      for (let r = 0; r < rows; r++) {
        this.data[(r * columns + slot) * 2] = values[(r * count + k) * 2];
        this.data[(r * columns + slot) * 2 + 1] = values[(r * count + k) * 2 + 1];
      }
      this.held[slot] = column;
    }
    const first = frame.firstColumn;
    const out = new Float32Array(rows * columns * 2);
    const split = slotOf(first, columns);
    for (let r = 0; r < rows; r++) {
      const row = this.data.subarray(r * columns * 2, (r + 1) * columns * 2);
      out.set(row.subarray(split * 2), r * columns * 2);
      out.set(row.subarray(0, split * 2), (r * columns + columns - split) * 2);
    }
    // Columns not held, and those reaching before what the ring still holds, show nothing.
    const per = (frame.windowEnd - frame.windowStart) / columns;
    const stale = Math.min(columns, Math.max(0, Math.ceil((frame.oldest - frame.windowStart) / per)));
    for (let i = 0; i < columns; i++) {
      if (i >= stale && this.held[slotOf(first + i, columns)] === first + i) continue;
      for (let r = 0; r < rows; r++) out.fill(NaN, (r * columns + i) * 2, (r * columns + i + 1) * 2);
    }
    this.window = { key: this.key!, from: first, to: first + columns };
    return out;
  }
}
