// What a live scope sends per frame, at every rate: a page asking 60 times a second (as it does
// on requestAnimationFrame) with the columns it keeps (ColumnStore), against a native ring filled
// in simulated time, so the figure is exact and the run takes a second. The baseline is the same
// page without delta frames (it always asks for the whole window). `npm run bench -- scope-bytes`.
import { ScopeFeed } from '../src/core/scope-feed';
import { liveRing } from '../test/support/live-ring';
import { ColumnStore } from '../webview/scope/columns';
import type { Row } from './report';

interface Case {
  name: string;
  channels: number;
  rate: number;
  windowS: number;
  columns: number;
}

/** The figures were taken in an 820-column plot; the 25 kHz one is the scope benchmark's. */
export const CASES: Case[] = [
  { name: '14 ch × 10 Hz, 60 s window', channels: 14, rate: 10, windowS: 60, columns: 820 },
  { name: '14 ch × 10 Hz, 5 s window', channels: 14, rate: 10, windowS: 5, columns: 820 },
  { name: '5 ch × 1 Hz, 60 s window', channels: 5, rate: 1, windowS: 60, columns: 820 },
  { name: '8 ch × 1 kHz, 0.5 s window', channels: 8, rate: 1000, windowS: 0.5, columns: 820 },
  { name: '64 ch × 25 kHz, 10 s window', channels: 64, rate: 25_000, windowS: 10, columns: 1200 },
];

const FPS = 60;

/** Bytes of min/max per frame over `seconds` of stream after the window filled: [median, mean]. */
export function bytesPerFrame(c: Case, deltas: boolean, seconds = 20): { median: number; mean: number } {
  const {
    source,
    write,
    written: sent,
    release,
  } = liveRing(c.channels, Math.ceil(c.rate * c.windowS * 1.5) + 1024, (f, ch) => Math.sin(f * 0.01 + ch), c.rate);
  try {
    const feed = new ScopeFeed(source);
    const page = new ColumnStore();
    const channels = Array.from({ length: c.channels }, (_, i) => i);
    const sizes: number[] = [];
    const warm = Math.ceil(c.windowS * FPS);
    for (let tick = 0; tick < warm + seconds * FPS; tick++) {
      // Whole frames due by this tick's time, as a device delivering at its rate would.
      write(Math.floor(((tick + 1) * c.rate) / FPS) - sent());
      const frame = feed.frame({
        type: 'request',
        seq: tick,
        columns: c.columns,
        windowS: c.windowS,
        end: null,
        channels,
        have: deltas ? page.have() : null,
      });
      const { minmax, ...head } = frame;
      page.accept(head, new Float32Array(minmax));
      if (tick >= warm) sizes.push(minmax.byteLength);
    }
    sizes.sort((a, b) => a - b);
    return { median: sizes[sizes.length >> 1], mean: sizes.reduce((a, b) => a + b, 0) / sizes.length };
  } finally {
    release();
  }
}

export function benchScopeBytes(): Row[] {
  return CASES.map((c) => {
    const ours = bytesPerFrame(c, true);
    const whole = bytesPerFrame(c, false);
    return {
      name: `${c.name}, ${c.columns} columns: bytes per frame (mean; median ${ours.median})`,
      ours: ours.mean,
      baseline: whole.mean,
      baselineName: 'whole windows',
      unit: 'B',
    };
  });
}
