// The acquisition side of a session: owns the source, writes the ring, runs recordings, and
// reports to the session. It runs in the session's worker thread; `post` is the way out.
import * as fs from 'node:fs';
import { native, type AnyNativeRing, type NativeRing, type NativeSamples, type SampleType } from './native';
import { Recording } from './recording';
import { Timelog } from './timelog';
import type { BlockInfo, Source, SourceSink, StreamFormat, StreamOutcome } from './source';
import type { Sample } from './sample';
import type { Anchor, Gap, Marker } from './types';
import {
  emptyStats,
  type AcquisitionStats,
  type Event,
  type RecordingRequest,
  type RecordingSummary,
  type Replies,
  type ResumeFrom,
} from './worker-protocol';
import { frameAtTime } from './frame-time';

/** One anchor per second of data is enough to map frames to host time to well under a block. */
const ANCHOR_EVERY_S = 1;
/** Block arrival times kept for the timelog (the seed keeps 100000). */
const TIMELOG_MAX = 100_000;
const STATS_EVERY_MS = 250;
/** A live source is silent once it has sent nothing for max(this, SILENT_PERIODS of its periods). */
const SILENT_MIN_S = 2;
const SILENT_PERIODS = 3;

export class Acquisition implements SourceSink {
  private ring?: NativeRing<SampleType>;
  private format_?: StreamFormat;
  private recording?: Recording;
  private recordingFamily = '';
  /** Why the last recording could not be finished, for a stopRecording() that asked. */
  private lastRecordingFailure?: string;
  private readonly stats: AcquisitionStats = emptyStats();
  /**
   * While paused: where the consumers stopped (the pause point). The ring goes on filling unless
   * the source could hold its input; recordings drain only up to the pause point.
   */
  private paused?: { frame: number; wallMs: number; held: boolean };
  /** Frames resumes passed over (in the ring, never delivered). */
  private skippedFrames = 0;
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
  /** The source called written(): it writes the ring itself, and must be told of a new one (ringChanged). */
  private directWriter = false;
  /** Host time of the newest block, or of the (re)connect that is still waiting for one. */
  private lastDataNs = process.hrtime.bigint();
  /** Set while the source is silent (see silentS), so the log says so once, not every tick. */
  private silentSince?: bigint;
  /**
   * A timed recording ends by this host time at the latest (its duration plus the silence grace),
   * even if frames stopped coming: a silent device must not keep a `--duration` run waiting.
   */
  private recordingDeadlineNs?: bigint;

  constructor(
    private readonly source: Source,
    private readonly bufferSize: number,
    private readonly post: (message: Event) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), STATS_EVERY_MS);
    this.source.start(this);
  }

  // ---- SourceSink ----

  format<T extends SampleType = 'float32'>(format: StreamFormat & { sampleType?: T }): NativeRing<T> {
    const sampleType = format.sampleType ?? 'float32';
    if (this.ring && this.format_) {
      const before = this.format_;
      const same =
        before.rate === format.rate &&
        this.ring.sampleType === sampleType &&
        before.channels.length === format.channels.length &&
        before.channels.every((c, i) => c.name === format.channels[i].name);
      if (!same) {
        throw new Error(
          `the device changed its format mid-session (was ${before.channels.length} channels at ${before.rate} Hz, now ${format.channels.length} at ${format.rate} Hz); start a new session`,
        );
      }
      // Same sample type, checked above: the ring is the one the source asked for.
      return this.ring as NativeRing<T>;
    }
    this.format_ = format;
    // A family that sizes its buffer in seconds can only say so once the rate is known: here.
    const capacity = format.ringSeconds !== undefined ? Math.max(1, Math.ceil(format.ringSeconds * format.rate)) : this.bufferSize;
    const ring = new (native().Ring)(format.channels.length, capacity, sampleType);
    this.ring = ring;
    this.post({ kind: 'format', ringId: ring.id, channels: format.channels, rate: format.rate, source: format.source, sampleType });
    return ring as NativeRing<T>;
  }

  written(block: BlockInfo): void {
    this.directWriter = true;
    this.writtenBlock(block);
  }

  private writtenBlock(block: BlockInfo): void {
    const ring = this.ring!;
    const firstFrame = ring.written() - block.frames;
    if (this.awaitingData) {
      this.awaitingData = false;
      this.post({ kind: 'streaming' });
    }
    this.heard(block.hostNs);
    this.stats.frames += block.frames;
    this.stats.blocks++;
    this.stats.bytes += block.bytes;
    const wallMs = Date.now();
    this.timelog.add(block.deviceBlock ?? this.stats.blocks - 1, firstFrame, block.hostNs, wallMs);
    if (firstFrame - this.lastAnchorFrame >= ANCHOR_EVERY_S * this.format_!.rate)
      this.anchor({ frame: firstFrame, hostNs: block.hostNs, wallMs });
    if (block.markers.length > 0) {
      remember(this.history.markers, block.markers);
      this.recording?.addMarkers(block.markers);
      this.post({ kind: 'markers', markers: block.markers });
    }
    this.drainRecording();
  }

  frames(frames: NativeSamples, block: Omit<BlockInfo, 'frames'>): void {
    const ring = this.ring!;
    // The ring refuses the other sample type (ETYPE) rather than convert: a source bug, loudly.
    ring.write(frames);
    this.writtenBlock({ ...block, frames: frames.length / ring.channels });
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

  samples(batch: Sample[]): void {
    this.post({ kind: 'samples', samples: batch });
  }

  connecting(attempt: number): void {
    this.awaitingData = true;
    this.heard(process.hrtime.bigint());
    if (attempt > 0) this.stats.reconnects++;
    this.post({ kind: 'connecting', attempt });
  }

  ended(reason: string, outcome: StreamOutcome = 'finished'): void {
    if (this.endedReason) return;
    this.endedReason = `stream ended: ${reason}`;
    this.endRecording(this.undelivered(`stream ended: ${reason}`));
    // The pause ends with the stream: a recording started on it now may have all the ring holds.
    this.paused = undefined;
    this.postStats();
    this.post({ kind: 'ended', reason, outcome });
  }

  failed(error: Error): void {
    this.endedReason = `stream failed: ${error.message}`;
    this.endRecording(this.undelivered(`stream failed: ${error.message}`));
    this.paused = undefined;
    this.postStats();
    this.post({ kind: 'failed', message: error.message });
  }

  // ---- requests from the session ----

  startRecording(request: RecordingRequest): Replies['record'] {
    if (!this.ring || !this.format_) throw new Error('no data has arrived yet: nothing to record');
    if (this.recording) throw new Error(`already recording to ${this.recording.status().path}`);
    this.recordingFamily = request.family;
    // While paused, "now" for a consumer is the pause point: it starts there and waits for resume.
    const now = this.paused ? this.paused.frame : this.ring.written();
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
    this.recordingDeadlineNs =
      request.durationS === undefined
        ? undefined
        : process.hrtime.bigint() + BigInt(Math.round((request.durationS + this.silenceGraceS()) * 1e9));
    const started = { path: request.path, format: request.format, startFrame: recording.startFrame };
    this.post({ kind: 'recording-started', ...started });
    this.drainRecording();
    if (this.endedReason) this.endRecording(this.endedReason);
    return started;
  }

  /** Ends the recording and returns its summary; throws when there is none or it cannot be finished. */
  stopRecording(reason = 'stopped by the user'): RecordingSummary {
    if (!this.recording) throw new Error('not recording');
    const summary = this.endRecording(reason);
    if (!summary) throw new Error(this.lastRecordingFailure ?? 'the recording could not be finished');
    return summary;
  }

  /**
   * Stops the consumers at the newest frame: a recording gets everything up to here, then
   * nothing until resume(). A source that can hold its input is held as well.
   */
  pause(): { frame: number; wallMs: number; held: boolean } {
    if (this.finished || this.endedReason) throw new Error('the stream is over: there is nothing to pause');
    if (this.paused) throw new Error('the session is already paused');
    if (!this.ring) throw new Error('no data has arrived yet: there is nothing to pause');
    this.drainRecording();
    const held = typeof this.source.pause === 'function';
    this.paused = { frame: this.ring.written(), wallMs: Date.now(), held };
    this.source.pause?.();
    this.post({ kind: 'paused', ...this.paused });
    return this.paused;
  }

  /**
   * Lets the consumers go on: from the pause point (the ring still holds what came meanwhile;
   * what it no longer holds is an overrun gap), from the newest frame, or from the frame that
   * arrived at a given time. Frames passed over are a `skipped` gap in the recording.
   */
  resume(from: ResumeFrom): { frame: number; skipped: number } {
    const paused = this.paused;
    if (!paused) throw new Error('the session is not paused');
    const ring = this.ring!;
    const written = ring.written();
    // A held source lost no time while paused: whatever `from` says, nothing newer was missed, and
    // the few frames that were already under way when it stopped are not "live" to jump to.
    let frame = paused.frame;
    if (!paused.held && from.kind === 'live') frame = written;
    if (!paused.held && from.kind === 'time') frame = frameAtTime(this.history.anchors, this.format_!.rate, from.wallMs);
    frame = Math.min(Math.max(frame, paused.frame), written);
    const skipped = frame - paused.frame;
    // A recording started while paused catches up to the pause point before anything is skipped.
    this.drainRecording();
    this.paused = undefined;
    if (skipped > 0) {
      this.skippedFrames += skipped;
      this.recording?.skipTo(frame);
      this.post({ kind: 'gap', gap: { fromFrame: paused.frame, frames: skipped, cause: 'skipped' } });
    }
    if (paused.held) this.source.resume?.();
    this.post({ kind: 'resumed', frame, skipped });
    this.drainRecording();
    return { frame, skipped };
  }

  /** Posts the stats as they are now (the session's refresh is answered after them). */
  refresh(): void {
    this.postStats();
  }

  saveTimelog(file: string): Replies['save-timelog'] {
    try {
      fs.writeFileSync(file, this.timelog.toCsv());
    } catch (error) {
      throw new Error(`cannot save the timelog to ${file}: ${(error as Error).message}`);
    }
    const saved = { path: file, blocks: this.timelog.length };
    this.post({ kind: 'timelog-saved', ...saved });
    return saved;
  }

  /**
   * Replaces the ring by one of `seconds` holding the newest frames the old one had (all of them
   * when it grows), at the same frame numbers: how far back getData and a recording from the
   * past reach. A recording drains first and reads the new ring after; a pause that still needs
   * frames a smaller ring would drop is refused, as is a source that writes the ring itself and
   * cannot be handed another.
   */
  resizeRing(seconds: number): Replies['resize-ring'] {
    if (this.finished) throw new Error('the session is closed');
    const ring = this.ring;
    const format = this.format_;
    if (!ring || !format)
      throw new Error('no data has arrived yet: the buffer is made with the first data (set its size before, e.g. buffer=)');
    if (!Number.isFinite(seconds) || !(seconds > 0)) throw new Error(`a buffer of ${seconds} s: it must be a number of seconds > 0`);
    if (this.directWriter && !this.source.ringChanged)
      throw new Error('this source writes its buffer itself and cannot be moved to another one');
    const capacity = Math.max(1, Math.ceil(seconds * format.rate));
    this.drainRecording();
    const written = ring.written();
    const keepFrom = Math.max(ring.oldest(), written - capacity);
    if (this.paused && this.paused.frame < keepFrom) {
      const need = (written - this.paused.frame) / format.rate;
      throw new Error(
        `the pause still holds the frames from ${this.paused.frame}: a buffer under ${need.toFixed(1)} s would drop them (resume first, or choose a longer one)`,
      );
    }
    const next = new (native().Ring)(ring.channels, capacity, ring.sampleType, keepFrom) as NativeRing<SampleType>;
    try {
      // The same type on both sides (made above from ring.sampleType).
      if (written > keepFrom) (next as NativeRing<'float64'>).write(ring.read(keepFrom, written) as Float64Array);
      this.recording?.moveTo(next);
    } catch (error) {
      next.release();
      throw error;
    }
    this.ring = next;
    this.source.ringChanged?.(next as AnyNativeRing);
    this.post({ kind: 'ring', ringId: next.id, capacity });
    ring.release();
    return { capacity, seconds: capacity / format.rate };
  }

  /**
   * Ends the stream at the user's request and keeps the session's ring: the source finishes
   * gracefully where it can (Source.stopStream), else it is stopped and the stream ended here.
   */
  stopStream(): void {
    if (this.finished) throw new Error('the session is closed');
    if (this.endedReason) throw new Error(`the stream is over already (${this.endedReason})`);
    if (this.source.stopStream) this.source.stopStream();
    else this.source.stop();
    // A source without stopStream(), or one whose stopStream() did not end the stream: end it here.
    this.ended('stopped by the user', 'stopped');
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.source.stop();
    this.endRecording(this.undelivered('session closed'));
    if (this.timer) clearInterval(this.timer);
    // The session keeps these figures after the thread is gone: they must be the final ones.
    this.postStats();
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
      if (recording.drain(this.deliverable())) this.endRecording('duration reached');
    } catch (error) {
      this.recordingFailed(error as Error);
    }
  }

  private endRecording(reason: string, endedShort?: string): RecordingSummary | undefined {
    const recording = this.recording;
    if (!recording) return undefined;
    this.recording = undefined;
    this.recordingDeadlineNs = undefined;
    try {
      recording.drain(this.deliverable());
      const summary = recording.finish(reason, endedShort);
      this.post({ kind: 'recording-ended', summary });
      return summary;
    } catch (error) {
      this.lastRecordingFailure = `finishing ${recording.status().path} failed: ${(error as Error).message}`;
      this.post({ kind: 'recording-failed', message: this.lastRecordingFailure });
      return undefined;
    }
  }

  /** Seconds without data after which a live source counts as silent. */
  private silenceGraceS(): number {
    const rate = this.format_?.rate ?? 0;
    return Math.max(SILENT_MIN_S, rate > 0 ? SILENT_PERIODS / rate : 0);
  }

  private heard(hostNs: bigint): void {
    this.lastDataNs = hostNs;
    if (this.silentSince === undefined) return;
    const s = Number(hostNs - this.silentSince) / 1e9 + this.silenceGraceS();
    this.silentSince = undefined;
    this.stats.silentS = 0;
    this.post({ kind: 'log', level: 'info', text: `data again after ${s.toFixed(1)} s without any` });
  }

  /**
   * A live source that has sent nothing for longer than the grace is silent: said once in the
   * log, and as `silentS` in every stats report until data comes again. A timed recording whose
   * deadline has passed ends short, saying why; a held (paused) source is not silent.
   */
  private checkSilence(now: bigint): void {
    const flowing = !this.finished && !this.endedReason && !this.paused?.held;
    const quietS = Number(now - this.lastDataNs) / 1e9;
    const grace = this.silenceGraceS();
    if (flowing && quietS > grace) {
      if (this.silentSince === undefined) {
        this.silentSince = this.lastDataNs + BigInt(Math.round(grace * 1e9));
        this.post({
          kind: 'log',
          level: 'warn',
          text: `no data for ${Math.floor(quietS)} s (nothing has arrived since; is the device still sending?)`,
        });
      }
      this.stats.silentS = Math.floor(quietS);
    } else if (!flowing) {
      this.stats.silentS = 0;
    }
    if (this.recording && this.recordingDeadlineNs !== undefined && now >= this.recordingDeadlineNs) {
      const status = this.recording.status();
      const why = `no data for ${Math.floor(quietS)} s: ${status.frames} of ${this.recording.expectedFrames} frames arrived before the duration (plus ${grace} s grace) was up`;
      this.post({ kind: 'log', level: 'warn', text: `recording to ${status.path} ended short: ${why}` });
      this.endRecording('ended short: the device stopped sending', why);
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
    this.checkSilence(process.hrtime.bigint());
    if (this.recording) {
      try {
        this.recording.flush();
      } catch (error) {
        this.recordingFailed(error as Error);
      }
    }
    this.postStats();
  }

  private postStats(): void {
    this.post({ kind: 'stats', stats: this.currentStats(), recording: this.recording?.status() });
  }

  /** The newest frame consumers may have: the pause point while paused. */
  private deliverable(): number {
    return this.paused ? this.paused.frame : Infinity;
  }

  /** The end reason of a recording cut short while paused says what it never got. */
  private undelivered(reason: string): string {
    const paused = this.paused;
    if (!paused) return reason;
    const after = (this.ring?.written() ?? paused.frame) - paused.frame;
    return after > 0 ? `${reason} while paused (the ${after} frames after the pause point were not delivered)` : `${reason} while paused`;
  }

  private currentStats(): AcquisitionStats {
    const source = this.source.summary?.();
    const delivered = Math.min(this.ring?.written() ?? 0, this.paused?.frame ?? Infinity) - this.skippedFrames;
    const stats = { ...this.stats, delivered };
    return source ? { ...stats, source } : stats;
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
