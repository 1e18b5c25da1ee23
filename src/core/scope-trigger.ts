// A scope's trigger, found on raw samples: min/max columns hide where within a column the signal
// crossed the level, so a trace aligned on them jitters by up to a column. The search is a pure
// function over the samples the host reads from the ring; the feed aligns its window on the result.

export type TriggerSlope = 'rising' | 'falling';
export type TriggerMode = 'auto' | 'normal' | 'single';

export interface TriggerSpec {
  level: number;
  slope: TriggerSlope;
  /**
   * Schmitt hysteresis (≥ 0, in the channel's unit). A rising trigger fires where the signal
   * reaches `level` from below, but only once it has been at or below `level - hysteresis` since
   * the last trigger, so noise riding on a slow edge fires once per edge, not at every wiggle
   * around the level. Falling: mirrored (armed at or above `level + hysteresis`). With 0, a trigger
   * is exactly x[i-1] < level ≤ x[i] (rising) or x[i-1] > level ≥ x[i] (falling).
   */
  hysteresis: number;
  /** Frames after a trigger during which no other may fire (≥ 0). */
  holdoff: number;
}

export interface TriggerInput {
  /** Samples, interleaved by `stride` channels (1: one channel's own samples). */
  samples: ArrayLike<number>;
  stride?: number;
  /** The channel within each interleaved frame. */
  channel?: number;
  /** Absolute frame index of the samples' first frame. */
  firstFrame?: number;
  /** The last trigger fired (absolute frame), for holdoff across calls; none: undefined. */
  last?: number;
  /**
   * Whether hysteresis had armed the trigger after the previous call's samples; updated to what
   * it is after these. Lets a search go on chunk by chunk (a live stream) with the same result
   * as one search over all the samples, when each chunk repeats the previous one's last sample.
   */
  carry?: { armed: boolean };
}

/**
 * Every trigger frame (absolute) in the samples, in order: the frame whose sample met the level
 * (the first sample at or past it). The first sample can only arm (it has no predecessor). NaN
 * (a gap) neither arms nor fires, and breaks a crossing. `limit` stops after that many.
 */
export function findTriggers(input: TriggerInput, spec: TriggerSpec, limit = Infinity): number[] {
  checkSpec(spec);
  const { samples } = input;
  const stride = input.stride ?? 1;
  const channel = input.channel ?? 0;
  const first = input.firstFrame ?? 0;
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`trigger stride ${stride} is not a whole number ≥ 1`);
  if (!Number.isInteger(channel) || channel < 0 || channel >= stride)
    throw new RangeError(`trigger channel ${channel} is not below the stride ${stride}`);
  const frames = Math.floor(samples.length / stride);
  // Falling is rising on the negated signal: one loop, and the two cannot drift apart.
  const sign = spec.slope === 'rising' ? 1 : -1;
  const level = sign * spec.level;
  const arm = level - spec.hysteresis;
  let next = input.last === undefined ? -Infinity : input.last + Math.max(1, spec.holdoff);
  const out: number[] = [];
  let prev = NaN;
  let armed = input.carry?.armed ?? false;
  for (let i = 0; i < frames && out.length < limit; i++) {
    const x = sign * samples[i * stride + channel];
    const frame = first + i;
    if (x <= arm) armed = true;
    // Without hysteresis, armed = "the previous sample was below": exactly the crossing test.
    const crossed = spec.hysteresis > 0 ? armed && x >= level : prev < level && x >= level;
    if (crossed && frame >= next && i > 0) {
      out.push(frame);
      next = frame + Math.max(1, spec.holdoff);
      armed = false;
    } else if (crossed && spec.hysteresis > 0 && i > 0) {
      armed = false; // a crossing in holdoff still uses up its arming, as on a bench scope
    }
    if (Number.isNaN(x)) armed = false;
    prev = x;
  }
  if (input.carry) input.carry.armed = armed;
  return out;
}

/** The first trigger in the samples, or null. */
export function nextTrigger(input: TriggerInput, spec: TriggerSpec): number | null {
  return findTriggers(input, spec, 1)[0] ?? null;
}

/** The window [start, end) of `frames` frames aligned so `pre` (0…1) of it lies before `trigger`. */
export function triggeredWindow(trigger: number, frames: number, pre: number): { start: number; end: number } {
  if (!(pre >= 0 && pre <= 1)) throw new RangeError(`pre-trigger ${pre} is not a fraction from 0 to 1`);
  const start = trigger - Math.round(pre * frames);
  return { start, end: start + frames };
}

function checkSpec(spec: TriggerSpec): void {
  if (!Number.isFinite(spec.level)) throw new RangeError(`trigger level ${spec.level} is not a finite number`);
  if (spec.slope !== 'rising' && spec.slope !== 'falling')
    throw new RangeError(`trigger slope ${String(spec.slope)} is not rising or falling`);
  if (!(spec.hysteresis >= 0 && Number.isFinite(spec.hysteresis)))
    throw new RangeError(`trigger hysteresis ${spec.hysteresis} is not a finite number ≥ 0`);
  if (!(Number.isInteger(spec.holdoff) && spec.holdoff >= 0))
    throw new RangeError(`trigger holdoff ${spec.holdoff} is not a whole number of frames ≥ 0`);
}
