// Wall-clock time → session frame, through the anchors (one per second of data): what
// resume(date) needs to find "the frame that arrived then".
import type { Anchor } from './types';

/**
 * The frame that arrived at `wallMs`: interpolated between the two anchors around it, or
 * extrapolated at the nominal rate beyond the first or last one (the caller clamps the result
 * to what the ring holds). Anchors are in frame order, which is also arrival order.
 */
export function frameAtTime(anchors: readonly Anchor[], rate: number, wallMs: number): number {
  if (anchors.length === 0) return 0;
  let lo = 0;
  let hi = anchors.length - 1;
  if (wallMs <= anchors[0].wallMs) return Math.max(0, Math.round(anchors[0].frame - ((anchors[0].wallMs - wallMs) / 1000) * rate));
  if (wallMs >= anchors[hi].wallMs) return Math.round(anchors[hi].frame + ((wallMs - anchors[hi].wallMs) / 1000) * rate);
  // Binary search for the last anchor at or before wallMs.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (anchors[mid].wallMs <= wallMs) lo = mid;
    else hi = mid;
  }
  const a = anchors[lo];
  const b = anchors[hi];
  const span = b.wallMs - a.wallMs;
  // Two anchors in the same millisecond: the earlier frame is the one that arrived "then".
  if (span <= 0) return a.frame;
  return Math.round(a.frame + ((wallMs - a.wallMs) / span) * (b.frame - a.frame));
}
