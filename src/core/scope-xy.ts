// A scope's XY view: one channel against another over the window, from raw samples (min/max
// columns pair no sample with its partner). A long window is thinned to every step-th frame, so a
// frame never carries more than MAX_POINTS pairs whatever the rate.
import type { ReadFrames } from './scope-triggered';

export const MAX_XY_POINTS = 16384;

export function xyPoints(
  read: ReadFrames,
  channels: number,
  x: number,
  y: number,
  start: number,
  end: number,
  max = MAX_XY_POINTS,
): { points: Float32Array<ArrayBuffer>; count: number; step: number } {
  const step = Math.max(1, Math.ceil((end - start) / max));
  const samples = start < end ? read(start, end) : null;
  if (!samples) return { points: new Float32Array(0), count: 0, step };
  const frames = Math.floor(samples.length / channels);
  const count = Math.ceil(frames / step);
  const points = new Float32Array(count * 2);
  for (let i = 0, f = 0; f < frames; i++, f += step) {
    points[i * 2] = samples[f * channels + x];
    points[i * 2 + 1] = samples[f * channels + y];
  }
  return { points, count, step };
}
