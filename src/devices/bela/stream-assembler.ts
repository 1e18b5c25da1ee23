// Bela's watcher buffers (one per variable, each with its own frames) made into one frame-indexed
// stream: row r is board frame startFrame + r, one column per requested variable. Pure: no I/O,
// the source feeds it decoded buffers and writes what it returns.
//
// Values are placed by frame (newest wins) into a window that starts at the next row to write;
// frames nobody sent stay NaN. A row is complete once every active dense channel has passed it
// and every sparse one has too, or once it is `holdFrames` behind the newest frame any channel
// reached (a sparse variable set rarely, or a dense one that stopped, cannot hold the stream
// back for ever). Values that arrive for rows already written are counted as late and dropped.
//
// A dense buffer ending in zeros may be the zero-padded last buffer of a stream (the board does
// not send the real count): its zeros are held until the channel's next buffer. If that one starts
// right after it, they were real values; anything else (an overlap, a jump, the stream's end)
// means they were padding, and those frames stay NaN.
//
// A scheduled window (`endFrame`: the frame after its last) bounds the stream: values at or after
// it are dropped (the board's own end may be a frame later, or a board may ignore `durations`),
// zeros of a buffer that reaches the end are real values (the board sent the window up to its
// end, padding only after it), and the rows end there: `complete` says the window is written.
import type { DecodedBuffer, TimestampMode } from './protocol';

export interface AssemblerChannel {
  name: string;
  /** Undefined until the board lists it: it does not hold rows back. */
  mode?: TimestampMode;
}

export interface CompletedRows {
  /** Board frame of the first row. */
  frame: number;
  /** rows × channels, interleaved. */
  data: Float64Array;
  /** Runs of rows in which some active dense channel sent nothing: [first frame, frames]. */
  lost: [number, number][];
}

interface ChannelState {
  mode?: TimestampMode;
  active: boolean;
  /** Frames before this are passed (exclusive end of what it has sent). */
  frontier: number;
  /** Buffers with a ref before this are stale (from before our watch). */
  watchFrame: number;
  /** Trailing zeros of the last dense buffer, not yet known to be values: [from, end). */
  suspect?: { from: number; end: number };
  /**
   * Dense: the frames at or after the next row it has values for, as sorted disjoint [from, end)
   * runs (one run while the board sends every buffer; a lost body splits it). What take() tells
   * the lost rows from, a run per buffer rather than a flag per value.
   */
  covered: [number, number][];
}

export interface AssemblerStats {
  staleBuffers: number;
  lateValues: number;
  paddingDropped: number;
  /** Values at or after a scheduled window's end (the board's inclusive last frame, or a board ignoring `durations`). */
  beyondWindow: number;
}

export class StreamAssembler {
  /** The next row to write is this board frame. */
  private next: number;
  private window: Float64Array;
  private capacity: number;
  /** Rows of the window that hold anything (from next). */
  private span = 0;
  /**
   * Rows a take() handed out as a view on the window: moved out (and NaN-filled) before the
   * window is touched again, so the caller reads them in place, with no copy.
   */
  private taken = 0;
  private readonly channels: ChannelState[];
  readonly stats: AssemblerStats = { staleBuffers: 0, lateValues: 0, paddingDropped: 0, beyondWindow: 0 };

  constructor(
    readonly startFrame: number,
    channels: readonly AssemblerChannel[],
    private readonly holdFrames: number,
    /** Exclusive end of a scheduled window (board frame); Infinity: until stopped. */
    readonly endFrame = Infinity,
  ) {
    this.next = startFrame;
    this.capacity = 4096;
    this.window = new Float64Array(this.capacity * channels.length).fill(NaN);
    this.channels = channels.map((c) => ({
      mode: c.mode,
      active: c.mode !== undefined,
      frontier: startFrame,
      watchFrame: startFrame,
      covered: [],
    }));
  }

  get width(): number {
    return this.channels.length;
  }

  /** The board frame of the next row to be written. */
  get nextFrame(): number {
    return this.next;
  }

  /** Every row of a scheduled window has been taken. */
  get complete(): boolean {
    return this.next >= this.endFrame;
  }

  /** The channel is (again) watched from `frame`: older buffers are stale, and it holds rows back from there. */
  watched(channel: number, mode: TimestampMode, frame: number): void {
    const c = this.channels[channel];
    c.mode = mode;
    c.active = true;
    c.watchFrame = Math.max(frame, this.startFrame);
    c.frontier = Math.max(c.watchFrame, this.next);
    this.dropSuspect(c);
  }

  /** The channel's stream ended (the board lists it as not watched): it holds nothing back, its held zeros were padding. */
  unwatched(channel: number): void {
    const c = this.channels[channel];
    c.active = false;
    this.dropSuspect(c);
  }

  isActive(channel: number): boolean {
    return this.channels[channel].active;
  }

  /** The end of what `channel` has sent (exclusive; its watch frame before its first buffer). */
  frontierOf(channel: number): number {
    return this.channels[channel].frontier;
  }

  /** Some channel is a listed dense variable (whose missing frames show as lost rows). */
  hasDense(): boolean {
    return this.channels.some((c) => c.mode === 'dense');
  }

  /** Places a decoded buffer of `channel`; false when it was stale (its ref precedes the watch). */
  add(channel: number, b: DecodedBuffer): boolean {
    this.settle();
    const c = this.channels[channel];
    if (b.ref < c.watchFrame) {
      this.stats.staleBuffers++;
      return false;
    }
    const end = this.endFrame;
    if (b.mode === 'dense') {
      let n = b.raw.length;
      if (c.suspect) {
        if (b.ref === c.suspect.end) this.placeZeros(channel, c.suspect.from, c.suspect.end);
        else this.dropSuspect(c);
        c.suspect = undefined;
      }
      let zeros = b.trailingZeros;
      if (b.ref + n >= end) {
        // The buffer reaches the window's end: what is before it is all real, what is after it dropped.
        const inside = Math.max(0, end - b.ref);
        this.stats.beyondWindow += n - inside;
        n = inside;
        zeros = 0;
      }
      const real = n - zeros;
      this.placeRun(channel, b.ref, b.raw, real);
      if (zeros > 0) c.suspect = { from: b.ref + real, end: b.ref + n };
      c.frontier = Math.max(c.frontier, b.ref + real);
    } else {
      let last = b.ref;
      const frames = b.frames;
      for (let k = 0; k < b.count; k++) {
        const frame = frames[k];
        if (frame >= end) {
          this.stats.beyondWindow++;
          last = end;
          continue;
        }
        this.place(channel, frame, b.raw[k]);
        last = Math.max(last, frame);
      }
      // A full buffer's successor may still set the last frame again (newest wins); a padded one ended the stream.
      c.frontier = Math.max(c.frontier, b.padded ? last + 1 : last);
    }
    c.active = true;
    return true;
  }

  /**
   * Rows that are complete now (or, when `flush`: the stream is over, every row up to the slowest
   * channel's last value, within the hold). `data` is a view on the window, valid until the next call of
   * add() or take(): write it out (the ring copies it) before handing the assembler more.
   */
  take(flush = false): CompletedRows | undefined {
    this.settle();
    let end: number;
    if (flush) {
      for (const c of this.channels) this.dropSuspect(c);
      // The stream is over: rows up to where the slowest channel that sent anything got. Past it
      // that channel's values never come, and its NaN would claim the project set nothing there
      // (a sparse variable's last, partial buffer is lost when the program stops). As while
      // streaming, a channel more than the hold behind the newest does not cut the rest short.
      let lo = Infinity;
      let hi = -Infinity;
      for (const c of this.channels) {
        if (!c.active || c.frontier <= c.watchFrame) continue;
        lo = Math.min(lo, c.frontier);
        hi = Math.max(hi, c.frontier);
      }
      end = lo === Infinity ? this.next + this.span : Math.max(lo, hi - this.holdFrames);
      for (const c of this.channels) if (c.active && c.mode === 'dense' && c.frontier > c.watchFrame) end = Math.min(end, c.frontier);
    } else {
      let min = Infinity;
      let max = -Infinity;
      for (const c of this.channels) {
        if (!c.active) continue;
        min = Math.min(min, c.frontier);
        max = Math.max(max, c.frontier);
      }
      if (min === Infinity) return undefined;
      end = Math.max(min, max - this.holdFrames);
      end = Math.min(end, this.next + this.span);
    }
    end = Math.min(end, this.endFrame);
    const rows = end - this.next;
    if (rows <= 0) return undefined;
    // Rows past every value (frames nobody sent before a later buffer, or the window's end) are NaN rows of the window.
    if (rows > this.capacity) this.grow(rows);
    this.span = Math.max(this.span, rows);
    const data = this.window.subarray(0, rows * this.width);
    const lost = this.lostRows(end);
    const frame = this.next;
    this.next = end;
    this.span -= rows;
    this.taken = rows;
    return { frame, data, lost };
  }

  /**
   * Runs of rows in [next, end) in which some active dense channel (watched by then) sent
   * nothing: the union of each channel's uncovered runs. Their covered runs before `end` go.
   */
  private lostRows(end: number): [number, number][] {
    const holes: [number, number][] = [];
    for (const c of this.channels) {
      if (!c.active || c.mode !== 'dense') continue;
      let at = Math.max(this.next, c.watchFrame);
      const runs = c.covered;
      let keep = 0;
      for (const run of runs) {
        if (at >= end) break;
        if (run[0] > at) holes.push([at, Math.min(run[0], end)]);
        at = Math.max(at, Math.min(run[1], end));
        if (run[1] <= end) keep++;
      }
      if (at < end) holes.push([at, end]);
      runs.splice(0, keep);
      if (runs.length > 0 && runs[0][0] < end) runs[0][0] = end;
    }
    if (holes.length === 0) return [];
    holes.sort((a, b) => a[0] - b[0]);
    const lost: [number, number][] = [];
    for (const [from, to] of holes) {
      const last = lost[lost.length - 1];
      if (last && from <= last[0] + last[1]) last[1] = Math.max(last[1], to - last[0]);
      else lost.push([from, to - from]);
    }
    return lost;
  }

  /** Moves the rows the last take() handed out off the window: what is left goes to the front, the freed tail is NaN again. */
  private settle(): void {
    const rows = this.taken;
    if (rows === 0) return;
    this.taken = 0;
    const w = this.width;
    const left = this.span * w;
    this.window.copyWithin(0, rows * w, rows * w + left);
    this.window.fill(NaN, left, (rows + this.span) * w);
  }

  private dropSuspect(c: ChannelState): void {
    if (!c.suspect) return;
    this.stats.paddingDropped += c.suspect.end - c.suspect.from;
    c.suspect = undefined;
  }

  /**
   * values[0..count) at frames ref, ref+1, …: one strided loop with the bounds worked out once
   * (a 32-watcher stream places 1.4 M values a second), and one covered run for the channel.
   */
  private placeRun(channel: number, ref: number, values: ArrayLike<number>, count: number): void {
    let k = 0;
    if (ref < this.next) {
      const late = Math.min(count, this.next - ref);
      this.stats.lateValues += late;
      k = late;
    }
    if (k >= count) return;
    const lastRow = ref + count - 1 - this.next;
    if (lastRow >= this.capacity) this.grow(lastRow + 1);
    const w = this.width;
    const window = this.window;
    const first = ref + k;
    for (let at = (first - this.next) * w + channel; k < count; k++, at += w) window[at] = values[k];
    if (lastRow >= this.span) this.span = lastRow + 1;
    this.cover(channel, first, ref + count);
  }

  /** Zeros at frames [from, end) of a dense channel (held zeros that turned out to be values). */
  private placeZeros(channel: number, from: number, end: number): void {
    for (let f = from; f < end; f++) this.place(channel, f, 0);
    this.cover(channel, Math.max(from, this.next), end);
  }

  private place(channel: number, frame: number, value: number): void {
    if (frame < this.next) {
      this.stats.lateValues++;
      return;
    }
    const row = frame - this.next;
    if (row >= this.capacity) this.grow(row + 1);
    this.window[row * this.width + channel] = value;
    if (row >= this.span) this.span = row + 1;
  }

  /** Frames [from, end) of `channel` hold values: merged into its sorted runs. */
  private cover(channel: number, from: number, end: number): void {
    if (from >= end) return;
    const runs = this.channels[channel].covered;
    const last = runs[runs.length - 1];
    // The usual case: the next buffer goes on where the last one ended.
    if (!last || from > last[1]) {
      runs.push([from, end]);
      return;
    }
    if (from >= last[0]) {
      last[1] = Math.max(last[1], end);
      return;
    }
    runs.push([from, end]);
    runs.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const run of runs) {
      const m = merged[merged.length - 1];
      if (m && run[0] <= m[1]) m[1] = Math.max(m[1], run[1]);
      else merged.push([run[0], run[1]]);
    }
    runs.splice(0, runs.length, ...merged);
  }

  private grow(rows: number): void {
    const capacity = Math.max(rows, this.capacity * 2);
    const w = this.width;
    const window = new Float64Array(capacity * w).fill(NaN);
    window.set(this.window.subarray(0, this.span * w));
    this.window = window;
    this.capacity = capacity;
  }
}
