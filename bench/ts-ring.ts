// The baseline for the ring benchmark: the same ring written the natural way in TypeScript on a
// SharedArrayBuffer (Atomics for the indices, typed-array copies for the data, the same
// claimed/written check against torn reads).
export class TsRing {
  readonly data: Float32Array;
  private readonly index: BigInt64Array;

  constructor(
    readonly channels: number,
    readonly capacity: number,
  ) {
    this.data = new Float32Array(new SharedArrayBuffer(channels * capacity * 4));
    this.index = new BigInt64Array(new SharedArrayBuffer(16));
  }

  written(): number {
    return Number(Atomics.load(this.index, 0));
  }

  write(frames: Float32Array): void {
    const n = frames.length / this.channels;
    const w = this.written();
    Atomics.store(this.index, 1, BigInt(w + n));
    let slot = w % this.capacity;
    let done = 0;
    while (done < n) {
      const run = Math.min(n - done, this.capacity - slot);
      this.data.set(frames.subarray(done * this.channels, (done + run) * this.channels), slot * this.channels);
      done += run;
      slot = 0;
    }
    Atomics.store(this.index, 0, BigInt(w + n));
  }

  readInto(start: number, end: number, out: Float32Array): void {
    if (end > this.written()) throw new Error('not written yet');
    let slot = start % this.capacity;
    let done = 0;
    const n = end - start;
    while (done < n) {
      const run = Math.min(n - done, this.capacity - slot);
      out.set(this.data.subarray(slot * this.channels, (slot + run) * this.channels), done * this.channels);
      done += run;
      slot = 0;
    }
    if (Number(Atomics.load(this.index, 1)) - this.capacity > start) throw new Error('overwritten');
  }
}
