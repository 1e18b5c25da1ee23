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
  private present: Uint8Array;
  private capacity: number;
  /** Rows of the window that hold anything (from next). */
  private span = 0;
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
    this.present = new Uint8Array(this.capacity * channels.length);
    this.channels = channels.map((c) => ({ mode: c.mode, active: c.mode !== undefined, frontier: startFrame, watchFrame: startFrame }));
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

  /** Places a decoded buffer of `channel`; false when it was stale (its ref precedes the watch). */
  add(channel: number, b: DecodedBuffer): boolean {
    const c = this.channels[channel];
    if (b.ref < c.watchFrame) {
      this.stats.staleBuffers++;
      return false;
    }
    const end = this.endFrame;
    if (b.mode === 'dense') {
      let n = b.values.length;
      if (c.suspect) {
        if (b.ref === c.suspect.end) for (let f = c.suspect.from; f < c.suspect.end; f++) this.place(channel, f, 0);
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
      this.placeRun(channel, b.ref, b.values, real);
      if (zeros > 0) c.suspect = { from: b.ref + real, end: b.ref + n };
      c.frontier = Math.max(c.frontier, b.ref + real);
    } else {
      let last = b.ref;
      for (let k = 0; k < b.count; k++) {
        const frame = b.frames[k];
        if (frame >= end) {
          this.stats.beyondWindow++;
          last = end;
          continue;
        }
        this.place(channel, frame, b.values[k]);
        last = Math.max(last, frame);
      }
      // A full buffer's successor may still set the last frame again (newest wins); a padded one ended the stream.
      c.frontier = Math.max(c.frontier, b.padded ? last + 1 : last);
    }
    c.active = true;
    return true;
  }

  /** Rows that are complete now (or, when `flush`: the stream is over, every row up to the slowest dense channel's last value). */
  take(flush = false): CompletedRows | undefined {
    let end: number;
    if (flush) {
      for (const c of this.channels) this.dropSuspect(c);
      // The stream is over: rows up to where the slowest dense channel that sent anything got
      // (after that its frames never come: the rows would be its NaN, not the board's gaps).
      end = this.next + this.span;
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
    const w = this.width;
    const data = this.window.slice(0, rows * w);
    const lost: [number, number][] = [];
    const dense = this.channels.map((c, i) => (c.active && c.mode === 'dense' ? i : -1)).filter((i) => i >= 0);
    const watchFrames = dense.map((i) => this.channels[i].watchFrame);
    const present = this.present;
    if (dense.length > 0) {
      for (let r = 0; r < rows; r++) {
        const frame = this.next + r;
        // Plain loops: this runs once per row and dense channel, as often as values arrive.
        let missing = false;
        for (let d = 0; d < dense.length && !missing; d++) missing = frame >= watchFrames[d] && present[r * w + dense[d]] === 0;
        if (!missing) continue;
        const run = lost[lost.length - 1];
        if (run && run[0] + run[1] === frame) run[1]++;
        else lost.push([frame, 1]);
      }
    }
    // Shift the window: what is left moves to the front, the freed tail is NaN again.
    const left = (this.span - rows) * w;
    this.window.copyWithin(0, rows * w, rows * w + left);
    this.window.fill(NaN, left, this.span * w);
    this.present.copyWithin(0, rows * w, rows * w + left);
    this.present.fill(0, left, this.span * w);
    const frame = this.next;
    this.next = end;
    this.span -= rows;
    return { frame, data, lost };
  }

  private dropSuspect(c: ChannelState): void {
    if (!c.suspect) return;
    this.stats.paddingDropped += c.suspect.end - c.suspect.from;
    c.suspect = undefined;
  }

  /**
   * values[0..count) at frames ref, ref+1, …: place() for a dense buffer, with the bounds worked
   * out once and one strided loop (a 32-watcher stream places 1.4 M values a second).
   */
  private placeRun(channel: number, ref: number, values: Float64Array, count: number): void {
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
    const present = this.present;
    for (let at = (ref + k - this.next) * w + channel; k < count; k++, at += w) {
      window[at] = values[k];
      present[at] = 1;
    }
    if (lastRow >= this.span) this.span = lastRow + 1;
  }

  private place(channel: number, frame: number, value: number): void {
    if (frame < this.next) {
      this.stats.lateValues++;
      return;
    }
    const row = frame - this.next;
    if (row >= this.capacity) this.grow(row + 1);
    const at = row * this.width + channel;
    this.window[at] = value;
    this.present[at] = 1;
    if (row >= this.span) this.span = row + 1;
  }

  private grow(rows: number): void {
    const capacity = Math.max(rows, this.capacity * 2);
    const w = this.width;
    const window = new Float64Array(capacity * w).fill(NaN);
    window.set(this.window.subarray(0, this.span * w));
    const present = new Uint8Array(capacity * w);
    present.set(this.present.subarray(0, this.span * w));
    this.window = window;
    this.present = present;
    this.capacity = capacity;
  }
}
