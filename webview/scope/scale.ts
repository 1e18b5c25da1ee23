// Autoscale: each lane's range follows its data, growing at once (nothing is clipped) and
// shrinking only when the data has used less than half of it for a while (no breathing).

export interface Range {
  lo: number;
  hi: number;
}

/** Min and max of rows [first, first + count) of a min/max frame, ignoring NaN columns. */
export function extent(minmax: Float32Array, columns: number, row: number): Range | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  const base = row * columns * 2;
  for (let i = base; i < base + columns * 2; i += 2) {
    const a = minmax[i];
    const b = minmax[i + 1];
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  return lo <= hi ? { lo, hi } : undefined;
}

/** Pads a data extent to a range to draw: 5 % each side, and never zero height. */
export function padded(e: Range): Range {
  const span = e.hi - e.lo || Math.abs(e.hi) || 1;
  return { lo: e.lo - span * 0.05, hi: e.hi + span * 0.05 };
}

const SHRINK_AFTER = 30;

export class AutoRange {
  private range?: Range;
  private smallFor = 0;

  update(e: Range | undefined): Range | undefined {
    if (!e) return this.range;
    const want = padded(e);
    const r = this.range;
    if (!r || want.lo < r.lo || want.hi > r.hi) {
      this.range = r ? { lo: Math.min(r.lo, want.lo), hi: Math.max(r.hi, want.hi) } : want;
      this.smallFor = 0;
    } else if (want.hi - want.lo < (r.hi - r.lo) / 2) {
      if (++this.smallFor >= SHRINK_AFTER) {
        this.range = want;
        this.smallFor = 0;
      }
    } else {
      this.smallFor = 0;
    }
    return this.range;
  }

  reset(): void {
    this.range = undefined;
    this.smallFor = 0;
  }
}
