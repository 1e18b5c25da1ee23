// A triggered scope's window: which frames to show when the page asks for a trigger. The search
// (scope-trigger.ts) runs on raw samples, and only over frames that arrived since the last request,
// so its cost per frame is the new samples of one channel, not the window.
import type { TriggerRequest, TriggerState } from '../../webview/shared/protocol';
import { findTriggers, triggeredWindow } from './scope-trigger';

/** Reads frames [start, end) interleaved by channel, or null where the ring does not hold them. */
export type ReadFrames = (start: number, end: number) => ArrayLike<number> | null;

export interface TriggeredWindow {
  state: TriggerState;
  /** The trigger the window is aligned on (null: none, free-running or waiting). */
  frame: number | null;
  /** The window to show; null: nothing (waiting in normal or single mode with no trigger yet). */
  window: { start: number; end: number } | null;
}

/** At most this many frames are searched per request: a page that was hidden for a while resumes from the newest. */
const MAX_SEARCH = 1 << 20;

/**
 * Noise rejection: a rising trigger is armed only once the signal has been this share of its
 * peak-to-peak (over the last window) below the level, a falling one above it. Without it, noise
 * riding on a slow edge crosses the level both ways, and a falling edge triggers a rising view.
 */
export const HYSTERESIS_SHARE = 0.1;

/** The trigger channel's extent over one search's frames, ending at `end`. */
interface Span {
  end: number;
  lo: number;
  hi: number;
}

export class TriggerTracker {
  private key = '';
  /** Frames before this were searched. */
  private searched = 0;
  /** The newest trigger found (for holdoff), and the newest whose window has fully arrived. */
  private last?: number;
  private shown?: number;
  /** Triggers found whose post-trigger part has not all arrived yet, oldest first. */
  private pending: number[] = [];
  private readonly carry = { armed: false };
  /**
   * The extent of each search's frames within the last window, oldest first: the peak-to-peak
   * the hysteresis is a share of, kept from the samples searched (never a rescan of the window).
   */
  private spans: Span[] = [];
  /** Single mode: triggers before this frame (when it was armed) do not count. */
  private armedAt = -Infinity;

  /**
   * The window of `frames` frames for `spec` now that the session holds frames [oldest, newest).
   * `channels` is the ring's channel count (the stride of `read`'s samples).
   */
  window(
    spec: TriggerRequest,
    frames: number,
    rate: number,
    channels: number,
    oldest: number,
    newest: number,
    read: ReadFrames,
  ): TriggeredWindow {
    const holdoff = Math.round(spec.holdoffS * rate);
    const pre = Math.round(spec.pre * frames);
    const key = `${spec.mode}/${spec.channel}/${spec.slope}/${spec.level}/${holdoff}/${pre}/${frames}/${spec.arm}`;
    if (key !== this.key || newest < this.searched) {
      // New settings, a re-arm or a new session: triggers found under the old ones do not count.
      // The last window is searched again (normal and auto show a trigger in it at once, and it
      // gives the hysteresis its peak-to-peak); single counts only triggers from now on.
      this.key = key;
      this.searched = Math.max(oldest, newest - frames);
      this.armedAt = spec.mode === 'single' ? newest : -Infinity;
      this.last = this.shown = undefined;
      this.pending = [];
      this.spans = [];
      this.carry.armed = false;
    }
    if (spec.mode === 'single' && this.shown !== undefined) return this.answer('stopped', this.shown, frames, spec.pre);

    const from = Math.max(oldest, this.searched - 1, newest - MAX_SEARCH);
    if (newest - from >= 2) {
      const samples = read(from, newest);
      // Arming carries over only when this search goes on from where the last one ended.
      if (from !== this.searched - 1) this.carry.armed = false;
      if (samples) {
        const hysteresis = HYSTERESIS_SHARE * this.peakToPeak(samples, channels, spec.channel, newest, frames);
        const found = findTriggers(
          { samples, stride: channels, channel: spec.channel, firstFrame: from, last: this.last, carry: this.carry },
          { level: spec.level, slope: spec.slope, hysteresis, holdoff },
        );
        if (found.length) this.last = found[found.length - 1];
        for (const t of found) if (t >= this.armedAt) this.pending.push(t);
      }
      this.searched = newest;
    }
    // A trigger is shown once its window has fully arrived: the newest such, the rest dropped.
    const post = frames - pre;
    while (this.pending.length && this.pending[0] + post <= newest) {
      const t = this.pending.shift()!;
      if (spec.mode === 'single') {
        this.shown = t;
        this.pending = [];
        return this.answer('stopped', t, frames, spec.pre);
      }
      this.shown = t;
    }
    if (this.pending.length > 64) this.pending.splice(0, this.pending.length - 64);

    // Auto free-runs when no trigger came within the last window (a signal that never crosses the
    // level is still seen); its triggered windows are shown while they keep coming.
    if (this.shown !== undefined && (spec.mode !== 'auto' || newest - (this.shown + post) < frames)) {
      return this.answer('triggered', this.shown, frames, spec.pre);
    }
    if (spec.mode === 'auto') return { state: 'auto', frame: null, window: { start: newest - frames, end: newest } };
    return { state: 'waiting', frame: null, window: null };
  }

  /** The channel's peak-to-peak over the last window, these new samples included (0 with none). */
  private peakToPeak(samples: ArrayLike<number>, stride: number, channel: number, newest: number, frames: number): number {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = channel; i < samples.length; i += stride) {
      const x = samples[i];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    this.spans.push({ end: newest, lo, hi });
    while (this.spans.length > 1 && this.spans[0].end <= newest - frames) this.spans.shift();
    for (const span of this.spans) {
      if (span.lo < lo) lo = span.lo;
      if (span.hi > hi) hi = span.hi;
    }
    return hi > lo ? hi - lo : 0;
  }

  private answer(state: TriggerState, trigger: number, frames: number, pre: number): TriggeredWindow {
    return { state, frame: trigger, window: triggeredWindow(trigger, frames, pre) };
  }
}
