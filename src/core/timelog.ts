// Block arrival times, the seed's `timelog`: a fixed-size circular log written once per block,
// so keeping the newest N costs the same per block whether the log is full or not.

export class Timelog {
  private readonly block: Float64Array;
  private readonly frame: Float64Array;
  private readonly hostNs: BigInt64Array;
  private readonly wallMs: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.block = new Float64Array(capacity);
    this.frame = new Float64Array(capacity);
    this.hostNs = new BigInt64Array(capacity);
    this.wallMs = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  add(block: number, frame: number, hostNs: bigint, wallMs: number): void {
    const i = this.next;
    this.block[i] = block;
    this.frame[i] = frame;
    this.hostNs[i] = hostNs;
    this.wallMs[i] = wallMs;
    this.next = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** CSV, oldest first: block counter, first frame, monotonic host ns, wall-clock time. */
  toCsv(): string {
    const lines = ['block,frame,host_ns,wall_time'];
    const first = (this.next - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k++) {
      const i = (first + k) % this.capacity;
      lines.push(`${this.block[i]},${this.frame[i]},${this.hostNs[i]},${new Date(this.wallMs[i]).toISOString()}`);
    }
    return lines.join('\n') + '\n';
  }
}
