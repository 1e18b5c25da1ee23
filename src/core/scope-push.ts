// Live frames pushed to a scope page as their columns are snapped, instead of waiting for the page
// to ask: a pulled frame is a whole round trip old (page → host → page) before it is drawn, a
// pushed one only the way back. A window of frames in flight bounds it: the page acknowledges each
// frame once drawn, and with `inFlight` frames unacknowledged the host sends nothing, so a hidden,
// busy or closed page (which acknowledges nothing) costs nothing after that.
import type { ScopeFrame } from '../../webview/shared/protocol';
import { scopeWindow, type ScopeFeed, type ScopeRequest } from './scope-feed';

export interface PushSource {
  readonly rate: number;
  readonly lastSample: number;
  readonly deliveredSample?: number;
}

export interface ScopePushOptions {
  /** Frames sent and not yet drawn, at most (default 2: one drawing, one on its way). */
  inFlight?: number;
  /** How often the ring is looked at for new columns, ms (default 4: a column at 25 kHz × 10 s / 1200 px is 8.3 ms). */
  intervalMs?: number;
}

/** A request the host may push for: a live time view whose columns are cut whole (the column cache's frames). */
export function pushable(request: ScopeRequest): boolean {
  return request.end === null && !request.trigger && !request.spectrum && !request.xy;
}

export class ScopePush {
  private request?: ScopeRequest;
  private inFlight = 0;
  private lastEnd = -1;
  private timer?: ReturnType<typeof setInterval>;
  private readonly max: number;
  private readonly intervalMs: number;

  constructor(
    private readonly feed: ScopeFeed,
    private readonly source: PushSource,
    private readonly send: (frame: ScopeFrame) => void,
    /** Whether the page can show what is sent now (a hidden panel's cannot). */
    private readonly visible: () => boolean,
    options: ScopePushOptions = {},
  ) {
    this.max = options.inFlight ?? 2;
    this.intervalMs = options.intervalMs ?? 4;
  }

  get active(): boolean {
    return this.request !== undefined;
  }

  /** Answers `request` now and pushes its newer frames from here on. */
  subscribe(request: ScopeRequest): void {
    this.request = request;
    this.inFlight = 0;
    this.lastEnd = -1;
    this.push();
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
  }

  /** The page drew frame `seq`: one more may be sent. */
  drawn(seq: number): void {
    if (this.request && seq === this.request.seq && this.inFlight > 0) this.inFlight--;
  }

  stop(): void {
    this.request = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const r = this.request;
    if (!r || this.inFlight >= this.max || !this.visible()) return;
    const newest = this.source.deliveredSample ?? this.source.lastSample;
    // A frame only when the window moved (a column was snapped): between columns nothing changes.
    if (scopeWindow(r, this.source.rate || 1, newest).end === this.lastEnd) return;
    this.push();
  }

  private push(): void {
    const r = this.request!;
    const frame = this.feed.frame(r);
    // The page keeps what it is sent (messages arrive in order): the next frame carries only newer columns.
    this.request = {
      ...r,
      have:
        frame.key !== undefined && frame.firstColumn !== undefined
          ? { key: frame.key, from: frame.firstColumn, to: frame.firstColumn + frame.columns }
          : null,
    };
    this.lastEnd = frame.windowEnd;
    this.inFlight++;
    this.send({ ...frame, pushed: true });
  }
}
