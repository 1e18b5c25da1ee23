// What the gui_data socket carries, made into rows: headers paired with their bodies (the board
// may drop a body, or send buffers of watchers that are not ours), buffers placed by the stream
// assembler, complete rows handed on with the frames nobody sent as device gaps. No sockets and
// no timers: BelaSource feeds it messages, and the benchmark feeds it the same way, so what is
// measured is what runs.
import type { BlockInfo } from '../../core/source';
import type { Gap } from '../../core/types';
import { DataStreamParser, parseHeader, type BufferHeader, type DecodedBuffer, type WatcherShape } from './protocol';
import type { StreamAssembler } from './stream-assembler';

/** Where rows, gaps and remarks go: the source's sink, or a benchmark's ring. */
export interface DataPathOutput {
  /** Complete rows (a view, valid only during the call) with the bytes that brought them. */
  frames(rows: Float64Array, block: Omit<BlockInfo, 'frames'>): void;
  gap(gap: Omit<Gap, 'fromFrame'> & { fromFrame?: number }): void;
  log(level: 'info' | 'warn', text: string): void;
  /** A buffer of ours was accepted (the source announces the stream and saves pybela files). */
  accepted?(channel: number, buffer: DecodedBuffer): void;
}

export interface DataPathCounts {
  lostBodies: number;
  foreignBuffers: number;
  monitor: number;
}

export class BelaDataPath {
  readonly counts: DataPathCounts = { lostBodies: 0, foreignBuffers: 0, monitor: 0 };
  private readonly parser = new DataStreamParser([]);
  /** Channel index of each list index, or -1. */
  private channelOf: number[] = [];
  private names: readonly (string | undefined)[] = [];
  private pending?: BufferHeader;
  /** Skip the next body: its header was of a Gui buffer that is no watcher of ours. */
  private skipBody = false;
  private bytes = 0;
  private openGap?: { from: number; frames: number };

  constructor(
    readonly assembler: StreamAssembler,
    private readonly out: DataPathOutput,
    /** Names the board in log lines. */
    private readonly label: string,
  ) {}

  /** The board's list (a header's ID indexes it) and the channel each entry is, or -1. */
  setList(watchers: readonly WatcherShape[], channelOf: readonly number[]): void {
    this.parser.setWatchers(watchers);
    this.channelOf = [...channelOf];
    this.names = watchers.map((w) => w.name);
  }

  /** The data socket (re)opened: a header waiting for its body is forgotten. */
  reset(): void {
    this.parser.reset();
    this.pending = undefined;
    this.skipBody = false;
  }

  /** One gui_data message. A BelaProtocolError is a rejected message: the path has resynchronised. */
  push(message: Uint8Array): void {
    this.bytes += message.length;
    let header: BufferHeader | undefined;
    try {
      header = parseHeader(message);
    } catch (error) {
      // A header of an unknown type: its body goes with it.
      this.lostPending();
      this.skipBody = true;
      throw error;
    }
    if (header) {
      this.lostPending();
      this.skipBody = false;
      if ((this.channelOf[header.id] ?? -1) < 0) {
        // A variable someone else watches, or a Gui buffer of the project's own: skip its body.
        this.counts.foreignBuffers++;
        this.skipBody = true;
        return;
      }
      try {
        this.parser.push(message);
      } catch (error) {
        // A header we cannot use (its type is not the listed one): its body goes with it.
        this.skipBody = true;
        throw error;
      }
      this.pending = header;
      return;
    }
    if (this.skipBody) {
      this.skipBody = false;
      return;
    }
    this.pending = undefined;
    const decoded = this.parser.push(message);
    if (!decoded) return;
    if (decoded.kind === 'monitor') {
      this.counts.monitor++;
      return;
    }
    const channel = this.channelOf[decoded.id] ?? -1;
    if (channel < 0) return;
    if (!this.assembler.add(channel, decoded)) {
      if (this.assembler.stats.staleBuffers === 1)
        this.out.log(
          'info',
          `${this.label}: dropped a buffer of ${decoded.name} from frame ${decoded.ref}, before our watch (an earlier client's)`,
        );
      return;
    }
    this.out.accepted?.(channel, decoded);
    this.flush(false);
  }

  /** Writes complete rows (when `all`, the stream is over: every row it can), then reports the frames nobody sent in them. */
  flush(all: boolean): void {
    const assembler = this.assembler;
    const rows = assembler.take(all);
    if (!rows) return;
    this.out.frames(rows.data, { hostNs: process.hrtime.bigint(), bytes: this.bytes, markers: [] });
    this.bytes = 0;
    // A run of lost rows may go on in the next rows: it is reported once it ends (or the stream does).
    const rowsEnd = rows.frame + rows.data.length / assembler.width;
    for (const [frame, frames] of rows.lost) {
      const g = this.openGap;
      if (g && g.from + g.frames === frame) g.frames += frames;
      else {
        this.closeGap();
        this.openGap = { from: frame, frames };
      }
    }
    if (all || (this.openGap && this.openGap.from + this.openGap.frames < rowsEnd)) this.closeGap();
  }

  /** The header before this message lost its body (the board's send queue was full). */
  private lostPending(): void {
    const lost = this.pending;
    this.pending = undefined;
    if (!lost) return;
    this.parser.reset();
    this.counts.lostBodies++;
    this.out.log(
      'warn',
      `${this.label}: a buffer of ${this.names[lost.id] ?? lost.id} came without its body (the board's send queue was full)`,
    );
    // Its frames are a device gap in the rows (written when they are complete); with no dense
    // channel to see them missing, count the lost buffer here.
    if (!this.assembler.hasDense()) this.out.gap({ frames: 0, cause: 'device' });
  }

  private closeGap(): void {
    const g = this.openGap;
    this.openGap = undefined;
    if (!g) return;
    this.out.gap({ fromFrame: g.from - this.assembler.startFrame, frames: g.frames, cause: 'device' });
  }
}
