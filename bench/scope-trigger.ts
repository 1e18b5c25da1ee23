// (e4) What a triggered scope costs the host per frame: 64 ch × 25 kHz (a 5 Hz sine on every
// channel, so a trigger every 200 ms) in a native ring filled in simulated time, 20 ms blocks,
// one request per block, a 1200-column plot. Measured: ScopeFeed.frame() with a normal trigger
// (rising through 0) and with auto on a level never crossed (free-running). Baseline, same run:
// the same window rescanned whole every frame (ScopeFeed without its column cache), which is what a
// window starting anywhere costs when nothing is kept. `npm run bench -- scope-trigger`.
import { performance } from 'node:perf_hooks';
import { ScopeFeed, type ScopeRequest } from '../src/core/scope-feed';
import type { TriggerRequest } from '../webview/shared/protocol';
import { liveRing } from '../test/support/live-ring';
import type { Row } from './report';

const CHANNELS = 64;
const RATE = 25_000;
const BLOCK = 500;
const SECONDS = Number(process.env.SCOPE_TRIGGER_SECONDS ?? 10);

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** Host ms per frame [p50, p95] over SECONDS of stream after the window filled. */
function cost(windowS: number, trigger: TriggerRequest | null, columnCache: boolean): [number, number] {
  const ring = liveRing(CHANNELS, Math.ceil(RATE * windowS * 1.5) + BLOCK, (f, c) => 50 * Math.sin((2 * Math.PI * 5 * f) / RATE + c), RATE);
  try {
    const feed = new ScopeFeed(ring.source, { columnCache });
    const request: ScopeRequest = {
      type: 'request',
      seq: 1,
      columns: 1200,
      windowS,
      end: null,
      channels: Array.from({ length: CHANNELS }, (_, i) => i),
      have: null,
      ...(trigger ? { trigger } : {}),
    };
    ring.write(Math.ceil(RATE * windowS));
    const times: number[] = [];
    for (let t = 0; t < SECONDS * RATE; t += BLOCK) {
      ring.write(BLOCK);
      const started = performance.now();
      const frame = feed.frame(request);
      times.push(performance.now() - started);
      // The page keeps what it is sent, as a live page does.
      if (frame.key !== undefined && frame.firstColumn !== undefined)
        request.have = { key: frame.key, from: frame.firstColumn, to: frame.firstColumn + frame.columns };
      else request.have = null;
    }
    return [quantile(times, 0.5), quantile(times, 0.95)];
  } finally {
    ring.release();
  }
}

export function benchScopeTrigger(): Row[] {
  const normal: TriggerRequest = { mode: 'normal', channel: 0, slope: 'rising', level: 0, holdoffS: 0, pre: 0.25, arm: 0 };
  const never: TriggerRequest = { ...normal, mode: 'auto', level: 1000 };
  const rows: Row[] = [];
  for (const windowS of [1, 10]) {
    const [b50, b95] = cost(windowS, null, false);
    const base = 'the window rescanned each frame';
    for (const [what, trigger] of [
      ['normal trigger', normal],
      ['auto, free-running', never],
    ] as const) {
      const [o50, o95] = cost(windowS, trigger, true);
      rows.push(
        { name: `${windowS} s window, ${what}: host p50`, ours: o50, baseline: b50, baselineName: base, unit: 'ms' },
        { name: `${windowS} s window, ${what}: host p95`, ours: o95, baseline: b95, baselineName: base, unit: 'ms' },
      );
    }
  }
  return rows;
}
