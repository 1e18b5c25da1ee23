// The acquisition side of a session: owns the source, writes the ring, runs recordings, and
// reports to the session. It runs in the session's worker thread; `post` is the way out.
import * as fs from 'node:fs';
import { native, type NativeRing } from './native';
import { Recording } from './recording';
import { Timelog } from './timelog';
import type { BlockInfo, Source, SourceSink, StreamFormat } from './source';
import type { Anchor, Gap, Marker } from './types';
import type { AcquisitionStats, FromWorker, RecordingRequest } from './worker-protocol';

/** One anchor per second of data is enough to map frames to host time to well under a block. */
const ANCHOR_EVERY_S = 1;
/** Block arrival times kept for the timelog (the seed keeps 100000). */
const TIMELOG_MAX = 100_000;
const STATS_EVERY_MS = 250;

export class Acquisition implements SourceSink {
  private ring?: NativeRing;
  private format_?: StreamFormat;
  private recording?: Recording;
  private recordingFamily = '';
  private readonly stats: AcquisitionStats = {
    frames: 0, blocks: 0, bytes: 0, lostFrames: 0, gaps: 0, reconnects: 0, errors: 0, measuredRate: 0, driftMs: 0,
  };
  private firstAnchor?: Anchor;
  private lastAnchorFrame = -Infinity;
  /** Kept so a recording that starts in the past (fromFrame) gets what happened since then. */
  private readonly history = { markers: [] as Marker[], gaps: [] as Gap[], anchors: [] as Anchor[] };
  private readonly timelog = new Timelog(TIMELOG_MAX);
  private timer?: NodeJS.Timeout;
  private finished = false;
  /** Set while (re)connecting: the next block tells the session that data flows again. */
  private awaitingData = true;
  /** Why the stream is over, once it is: a recording started later ends as soon as it drains. */
  private endedReason?: string;

  constructor(
    private readonly source: Source,
    private readonly bufferSize: number,
    private readonly post: (message: FromWorker) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), STATS_EVERY_MS);
    this.source.start(this);
  }

  // ---- SourceSink ----

  format(format: StreamFormat): NativeRing {
    if (this.ring && this.format_) {
      const before = this.format_;
      const same = before.rate === format.rate && before.channels.length === format.channels.length
        && before.channels.every((c, i) => c.name === format.channels[i].name);
      if (!same) {
        throw new Error(`the device changed its format mid-session (was ${before.channels.length} channels at ${before.rate} Hz, now ${format.channels.length} at ${format.rate} Hz); start a new session`);
      }
      return this.ring;
    }
    this.format_ = format;
    this.ring = new (native().Ring)(format.channels.length, this.bufferSize);
    this.post({ kind: 'format', ringId: this.ring.id, channels: format.channels, rate: format.rate });
    return this.ring;
  }

  written(block: BlockInfo): void {
    const ring = this.ring!;
    const firstFrame = ring.written() - block.frames;
    if (this.awaitingData) {
      this.awaitingData = false;
      this.post({ kind: 'streaming' });
    }
    this.stats.frames += block.frames;
    this.stats.blocks++;
    this.stats.bytes += block.bytes;
    const wallMs = Date.now();
    this.timelog.add(block.deviceBlock ?? this.stats.blocks - 1, firstFrame, block.hostNs, wallMs);
    if (firstFrame - this.lastAnchorFrame >= ANCHOR_EVERY_S * this.format_!.rate) this.anchor({ frame: firstFrame, hostNs: block.hostNs, wallMs });
    if (block.markers.length > 0) {
      remember(this.history.markers, block.markers);
      this.recording?.addMarkers(block.markers);
      this.post({ kind: 'markers', markers: block.markers });
    }
    this.drainRecording();
  }

  frames(frames: Float32Array, block: Omit<BlockInfo, 'frames'>): void {
    const ring = this.ring!;
    ring.write(frames);
    this.written({ ...block, frames: frames.length / ring.channels });
  }

  gap(gap: Omit<Gap, 'fromFrame'> & { fromFrame?: number }): void {
    const full: Gap = { ...gap, fromFrame: gap.fromFrame ?? (this.ring ? this.ring.written() : 0) };
    this.stats.lostFrames += gap.frames;
    this.stats.gaps++;
    remember(this.history.gaps, [full]);
    this.recording?.deviceGap(full);
    this.post({ kind: 'gap', gap: full });
  }

  log(level: 'info' | 'warn' | 'error', text: string): void {
    this.post({ kind: 'log', level, text });
  }

  rejected(what: string): void {
    this.stats.errors++;
    // A noisy line would flood the log: the first few are shown, then one in a thousand.
    const n = this.stats.errors;
    if (n <= 10 || n % 1000 === 0) this.post({ kind: 'log', level: 'warn', text: `${what}${n > 10 ? ` (${n} bad inputs so far)` : ''}` });
  }

  connecting(attempt: number): void {
    this.awaitingData = true;
    if (attempt > 0) this.stats.reconnects++;
    this.post({ kind: 'connecting', attempt });
  }

  ended(reason: string): void {
    this.endedReason = `stream ended: ${reason}`;
    this.endRecording(`stream ended: ${reason}`);
    this.post({ kind: 'ended', reason });
  }

  failed(error: Error): void {
    this.endedReason = `stream failed: ${error.message}`;
    this.endRecording(`stream failed: ${error.message}`);
    this.post({ kind: 'failed', message: error.message });
  }

  // ---- requests from the session ----

  startRecording(request: RecordingRequest): void {
    if (!this.ring || !this.format_) throw new Error('no data has arrived yet: nothing to record');
    if (this.recording) throw new Error(`already recording to ${this.recording.status().path}`);
    this.recordingFamily = request.family;
    const now = this.ring.written();
    const from = Math.min(Math.max(0, Math.floor(request.fromFrame ?? now)), now);
    let recording: Recording;
    try {
      recording = new Recording(this.ring, request, this.format_, from, () => this.summary());
    } catch (error) {
      throw new Error(`cannot record to ${request.path}: ${(error as Error).message}`);
    }
    for (const g of this.history.gaps) recording.deviceGap(g);
    recording.addMarkers(this.history.markers);
    for (const a of this.history.anchors) recording.addAnchor(a);
    this.recording = recording;
    this.post({ kind: 'recording-started', path: request.path, format: request.format, startFrame: recording.startFrame });
    this.drainRecording();
    if (this.endedReason) this.endRecording(this.endedReason);
  }

  stopRecording(reason = 'stopped by the user'): void {
    this.endRecording(reason);
  }

  saveTimelog(file: string): void {
    fs.writeFileSync(file, this.timelog.toCsv());
    this.post({ kind: 'timelog-saved', path: file, blocks: this.timelog.length });
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.source.stop();
    this.endRecording('session closed');
    if (this.timer) clearInterval(this.timer);
    this.ring?.release();
  }

  // ---- internals ----

  private anchor(anchor: Anchor): void {
    this.lastAnchorFrame = anchor.frame;
    this.firstAnchor ??= anchor;
    remember(this.history.anchors, [anchor]);
    this.recording?.addAnchor(anchor);
    this.post({ kind: 'anchor', anchor });
    const first = this.firstAnchor;
    const hostS = Number(anchor.hostNs - first.hostNs) / 1e9;
    if (hostS > 0) {
      const frames = anchor.frame - first.frame;
      this.stats.measuredRate = frames / hostS;
      this.stats.driftMs = (frames / this.format_!.rate - hostS) * 1000;
    }
  }

  private drainRecording(): void {
    const recording = this.recording;
    if (!recording) return;
    try {
      if (recording.drain()) this.endRecording('duration reached');
    } catch (error) {
      this.recordingFailed(error as Error);
    }
  }

  private endRecording(reason: string): void {
    const recording = this.recording;
    if (!recording) return;
    this.recording = undefined;
    try {
      recording.drain();
      this.post({ kind: 'recording-ended', summary: recording.finish(reason) });
    } catch (error) {
      this.post({ kind: 'recording-failed', message: `finishing ${recording.status().path} failed: ${(error as Error).message}` });
    }
  }

  private recordingFailed(error: Error): void {
    const recording = this.recording;
    this.recording = undefined;
    try {
      recording?.finish(`failed: ${error.message}`);
    } catch {
      // the file is as valid as its last flush; the error below is what the user needs
    }
    this.post({ kind: 'recording-failed', message: `recording to ${recording?.status().path ?? 'a file'} failed: ${error.message}` });
  }

  private tick(): void {
    if (this.recording) {
      try {
        this.recording.flush();
      } catch (error) {
        this.recordingFailed(error as Error);
      }
    }
    this.post({ kind: 'stats', stats: this.currentStats(), recording: this.recording?.status() });
  }

  private currentStats(): AcquisitionStats {
    const source = this.source.summary?.();
    return source ? { ...this.stats, source } : { ...this.stats };
  }

  private summary(): Record<string, unknown> {
    return { ...this.currentStats(), family: this.recordingFamily, nominalRate: this.format_?.rate };
  }
}

/** History is bounded so a week-long session cannot grow without limit; the newest is kept. */
const HISTORY_MAX = 100_000;
function remember<T>(list: T[], items: T[]): void {
  list.push(...items);
  if (list.length > HISTORY_MAX) list.splice(0, list.length - HISTORY_MAX);
}
