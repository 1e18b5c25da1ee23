// A Recording is one reader of the ring: it appends every frame from its start index to a file
// writer and writes down exactly what it could not get (the writer never waits for it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NativeRing, NativeSamples, SampleType } from './native';
import type { Anchor, ChannelInfo, Gap, Marker } from './types';
import type { RecordingRequest, RecordingStatus, RecordingSummary } from './worker-protocol';
import { openWriter } from './writers/index';
import type { FrameWriter } from './writers/types';
import { sidecarPathFor, writeSidecar, type Sidecar } from './writers/sidecar';

/** Bytes handed to the writer per append: big enough to amortise the call and the syscall. */
const CHUNK_BYTES = 4 << 20;
/** Reads up to this size are copied; larger ones are views on the ring. */
const SMALL_READ_BYTES = 64 << 10;
/** The sidecar is rewritten at most this often while recording (it is small, but not free). */
const SIDECAR_EVERY_MS = 2000;

export interface RecordingContext {
  channels: ChannelInfo[];
  rate: number;
  source?: Record<string, unknown>;
}

interface FileGap {
  row: number;
  fromFrame: number;
  frames: number;
  cause: Gap['cause'];
}

export class Recording {
  readonly startFrame: number;
  readonly sidecarPath: string;
  private readonly writer: FrameWriter;
  /** Frames read from the ring per append. */
  private readonly perChunk: number;
  /** Small reads are copied here rather than viewed (an array of the ring's sample type). */
  private readonly scratch: NativeSamples;
  private readonly endFrame: number;
  private cursor: number;
  private readonly gaps: FileGap[] = [];
  private readonly markers: Marker[] = [];
  private readonly anchors: Anchor[] = [];
  private readonly startedWall = Date.now();
  private readonly startedNs = process.hrtime.bigint();
  private lastSidecar = 0;
  /** The session's counters when the recording began, so its summary counts only its own. */
  private readonly countersAtStart: { errors: number; reconnects: number };
  private closed = false;

  constructor(
    private ring: NativeRing<SampleType>,
    private readonly request: RecordingRequest,
    private readonly context: RecordingContext,
    startFrame: number,
    private readonly summary: () => Record<string, unknown>,
  ) {
    fs.mkdirSync(path.dirname(path.resolve(request.path)), { recursive: true });
    this.startFrame = startFrame;
    this.cursor = startFrame;
    this.countersAtStart = counters(summary());
    this.endFrame = request.durationS === undefined ? Infinity : startFrame + Math.round(request.durationS * context.rate);
    this.writer = openWriter(request.path, request.format, {
      channels: context.channels.map((c) => c.name),
      units: context.channels.map((c) => c.unit),
      rate: context.rate,
      sampleType: ring.sampleType,
    });
    const sampleBytes = ring.sampleType === 'float64' ? 8 : 4;
    this.scratch = ring.sampleType === 'float64' ? new Float64Array(SMALL_READ_BYTES / 8) : new Float32Array(SMALL_READ_BYTES / 4);
    this.perChunk = Math.max(1, Math.floor(CHUNK_BYTES / sampleBytes / ring.channels));
    this.sidecarPath = sidecarPathFor(request.path);
    this.writeSidecar();
  }

  get done(): boolean {
    return this.cursor >= this.endFrame;
  }

  /**
   * Appends what the ring holds past the cursor, up to `limit` (a paused session's pause point);
   * returns true once the duration is reached.
   */
  drain(limit = Infinity): boolean {
    const perChunk = this.perChunk;
    for (;;) {
      const written = this.ring.written();
      const until = Math.min(written, this.endFrame, limit);
      if (this.cursor >= until) break;
      const oldest = this.ring.oldest();
      if (this.cursor < oldest) this.lose(oldest - this.cursor, 'overrun');
      const end = Math.min(until, this.cursor + perChunk);
      let frames: NativeSamples;
      try {
        // Recordings run on the ring's writer thread (the acquisition worker), so nothing can
        // overwrite a view while append() runs: no copy is needed when the range is contiguous.
        // A view costs a few µs to make, more than copying a small block, so small ones are copied.
        const count = (end - this.cursor) * this.ring.channels;
        if (count <= this.scratch.length) {
          this.ring.readInto(this.cursor, end, this.scratch);
          frames = this.scratch.subarray(0, count);
        } else {
          frames = this.ring.read(this.cursor, end);
        }
      } catch (error) {
        // The writer lapped us before we got here: account for the loss at the next pass.
        if ((error as { code?: string }).code === 'EOVERWRITTEN') continue;
        throw error;
      }
      this.writer.append(frames, this.cursor - this.startFrame);
      this.cursor = end;
    }
    return this.done;
  }

  /**
   * Passes over the frames up to `frame` (a resume past the pause point): they are in the ring but
   * not in the file, so the sidecar says where and how many, as for an overrun.
   */
  skipTo(frame: number): void {
    const to = Math.min(frame, this.endFrame);
    if (to > this.cursor) this.lose(to - this.cursor, 'skipped');
  }

  /** The session's ring was resized (Acquisition.resizeRing): it reads the new one, which holds every frame it has not had. */
  moveTo(ring: NativeRing<SampleType>): void {
    if (ring.sampleType !== this.ring.sampleType || ring.channels !== this.ring.channels)
      throw new Error(
        `recording: the new ring is ${ring.channels} × ${ring.sampleType}, not ${this.ring.channels} × ${this.ring.sampleType}`,
      );
    if (ring.oldest() > this.cursor)
      throw new Error(`recording: the new ring starts at frame ${ring.oldest()}, after the recording's next ${this.cursor}`);
    this.ring = ring;
  }

  /** Frames the device lost before they reached the ring: they are not in the file either. */
  deviceGap(gap: Gap): void {
    if (gap.fromFrame >= this.startFrame && gap.fromFrame < this.endFrame) {
      this.gaps.push({ row: this.rowOf(gap.fromFrame), fromFrame: gap.fromFrame, frames: gap.frames, cause: gap.cause });
    }
  }

  addMarkers(markers: Marker[]): void {
    for (const m of markers) if (m.frame >= this.startFrame && m.frame < this.endFrame) this.markers.push(m);
  }

  addAnchor(anchor: Anchor): void {
    if (anchor.frame >= this.startFrame && anchor.frame < this.endFrame) this.anchors.push(anchor);
  }

  flush(): void {
    this.writer.flush();
    if (Date.now() - this.lastSidecar >= SIDECAR_EVERY_MS) this.writeSidecar();
  }

  status(): RecordingStatus {
    const lost = this.gaps.reduce((sum, g) => sum + g.frames, 0);
    return {
      path: this.request.path,
      format: this.request.format,
      frames: this.writer.frames,
      bytes: fileBytes(this.request.path),
      gaps: this.gaps.length,
      lostFrames: lost,
      elapsedS: Number(process.hrtime.bigint() - this.startedNs) / 1e9,
    };
  }

  /** Frames a timed recording is to hold (Infinity without a duration). */
  get expectedFrames(): number {
    return this.endFrame - this.startFrame;
  }

  /** Closes the file and writes the final sidecar; `endedShort` says why a timed one has fewer frames. */
  finish(reason: string, endedShort?: string): RecordingSummary {
    if (!this.closed) {
      this.closed = true;
      this.writer.close();
      this.writeSidecar(reason, endedShort);
    }
    return { ...this.status(), sidecar: this.sidecarPath, startFrame: this.startFrame, reason, ...(endedShort ? { endedShort } : {}) };
  }

  /**
   * The recording's own figures (its frames, bytes, gaps, and the rate and drift measured over its
   * anchors), then the family's live summary (`source`: a poll recorder's late ticks, …) and the
   * session's totals since it connected, under `session`, so nobody mistakes one for the other.
   */
  private ownSummary(endReason?: string): Record<string, unknown> {
    const session = this.summary();
    const { source, family, nominalRate, ...totals } = session as { source?: unknown; family?: unknown; nominalRate?: unknown };
    const status = this.status();
    const first = this.anchors[0];
    const last = this.anchors.at(-1);
    const hostS = first && last ? Number(last.hostNs - first.hostNs) / 1e9 : 0;
    const frames = first && last ? last.frame - first.frame : 0;
    return {
      frames: status.frames,
      bytes: status.bytes,
      gaps: status.gaps,
      lostFrames: status.lostFrames,
      elapsedS: status.elapsedS,
      // Bad input rejected and reconnects while it recorded (the session's counters since its start).
      errors: counters(session).errors - this.countersAtStart.errors,
      reconnects: counters(session).reconnects - this.countersAtStart.reconnects,
      nominalRate: nominalRate ?? this.context.rate,
      // Over the recording's own anchors (one a second): what the device really delivered meanwhile.
      ...(hostS > 0 ? { measuredRate: frames / hostS, driftMs: (frames / this.context.rate - hostS) * 1000 } : {}),
      family,
      ...(endReason ? { ended: endReason } : {}),
      ...(source !== undefined ? { source } : {}),
      session: totals,
    };
  }

  private lose(frames: number, cause: Gap['cause']): void {
    this.gaps.push({ row: this.writer.frames, fromFrame: this.cursor, frames, cause });
    this.cursor += frames;
  }

  /**
   * File row of a session frame: frames the recording never got shift later rows up, and a frame
   * inside such a hole (a marker there) belongs to the row where the hole is.
   */
  private rowOf(frame: number): number {
    let skipped = 0;
    for (const g of this.gaps) {
      if (g.cause !== 'overrun' && g.cause !== 'skipped') continue;
      if (g.fromFrame + g.frames <= frame) skipped += g.frames;
      else if (g.fromFrame <= frame) return g.row;
    }
    return frame - this.startFrame - skipped;
  }

  private writeSidecar(endReason?: string, endedShort?: string): void {
    this.lastSidecar = Date.now();
    const sidecar: Sidecar = {
      labscope: 'recording',
      version: 1,
      // What a person opening the file looks for first: which device it came from.
      device: {
        ...(this.request.deviceName !== undefined ? { name: this.request.deviceName } : {}),
        uri: this.request.deviceUri,
        family: this.request.family,
      },
      file: path.basename(this.request.path),
      format: this.request.format,
      sampleType: this.ring.sampleType,
      channels: this.context.channels.map((c) => ({ name: c.name, unit: c.unit })),
      rate: this.context.rate,
      startTime: new Date(this.startedWall).toISOString(),
      startFrame: this.startFrame,
      frames: this.writer.frames,
      anchors: this.anchors.map((a) => ({ frame: a.frame, time: new Date(a.wallMs).toISOString(), hostNs: a.hostNs.toString() })),
      markers: this.markers.map((m) => ({
        frame: m.frame,
        row: this.rowOf(m.frame),
        type: m.type,
        text: m.text,
        channel: m.channel >= 0 ? (this.context.channels[m.channel]?.name ?? `#${m.channel}`) : null,
      })),
      gaps: this.gaps.map((g) => ({ row: g.row, fromFrame: g.fromFrame, frames: g.frames, cause: g.cause })),
      summary: this.ownSummary(endReason),
      source: this.context.source,
      ...(endedShort ? { endedShort: { expectedFrames: this.expectedFrames, frames: this.writer.frames, reason: endedShort } } : {}),
    };
    writeSidecar(this.sidecarPath, sidecar);
  }
}

function counters(totals: Record<string, unknown>): { errors: number; reconnects: number } {
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { errors: n(totals.errors), reconnects: n(totals.reconnects) };
}

function fileBytes(file: string): number {
  for (const candidate of [file, `${file}.part`]) {
    try {
      return fs.statSync(candidate).size;
    } catch {
      // not there (yet): try the next name
    }
  }
  return 0;
}
