// The scope's other views, host side, on a live native ring: a triggered window (auto, normal,
// single, holdoff, pre-trigger) against numpy's crossings on the same samples, the spectrum
// against numpy's rfft, XY against the ring's own samples, and what the page may ask of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeFeed, type ScopeRequest } from '../../src/core/scope-feed';
import { parseScopeMessage, ScopeMessageError, type TriggerRequest } from '../../webview/shared/protocol';
import { liveRing } from '../support/live-ring';
import { pythonJson } from '../helpers/python';

const RATE = 1000;
/** 10 Hz sine with a little fast ripple (so crossings are not exactly periodic), channel 1 its negative. */
const wave = (f: number, c: number) => (c ? -1 : 1) * (Math.sin((2 * Math.PI * 10 * f) / RATE) + 0.05 * Math.sin(f * 2.7));

/** numpy's rising (or falling) crossings of `level` on the float32 samples of channel 0, frames [0, n). */
function crossings(n: number, level: number, slope: 'rising' | 'falling'): number[] {
  return pythonJson<number[]>(
    `import sys,json,numpy as np
n=int(sys.argv[1]); L=float(sys.argv[2]); f=np.arange(n)
x=(np.sin(2*np.pi*10*f/${RATE})+0.05*np.sin(f*2.7)).astype(np.float32).astype(np.float64)
if sys.argv[3]=='falling': x=-x; L=-L
print(json.dumps((np.flatnonzero((x[:-1]<L)&(x[1:]>=L))+1).tolist()))`,
    String(n),
    String(level),
    slope,
  );
}

const ask = (over: Partial<ScopeRequest> = {}): ScopeRequest => ({
  type: 'request',
  seq: 1,
  columns: 200,
  windowS: 0.2,
  end: null,
  channels: [0],
  have: null,
  ...over,
});
const trig = (over: Partial<TriggerRequest> = {}): TriggerRequest => ({
  mode: 'normal',
  channel: 0,
  slope: 'rising',
  level: 0.3,
  holdoffS: 0,
  pre: 0.25,
  arm: 0,
  ...over,
});

test('normal trigger: the newest crossing whose window has arrived, aligned with its pre-trigger share', () => {
  const live = liveRing(2, 1 << 16, wave, RATE);
  try {
    const feed = new ScopeFeed(live.source);
    const frames = 200;
    for (let step = 0; step < 40; step++) {
      live.write(37 + (step % 5) * 11); // uneven chunks, as a device delivers them
      const f = feed.frame(ask({ trigger: trig() }));
      const newest = live.written();
      const all = crossings(newest, 0.3, 'rising');
      const complete = all.filter((t) => t + (frames - 50) <= newest);
      if (!complete.length) {
        assert.equal(f.trigger?.state, 'waiting');
        continue;
      }
      const t = complete.at(-1)!;
      assert.deepEqual(f.trigger, { state: 'triggered', frame: t }, `after ${newest} frames`);
      assert.equal(f.windowStart, t - 50);
      assert.equal(f.windowEnd, t + 150);
      // One column per frame here: the trace is the samples, the trigger sample 50 columns in.
      const mm = new Float32Array(f.minmax);
      assert.equal(mm[50 * 2], Math.fround(wave(t, 0)));
      assert.ok(mm[49 * 2] < 0.3 && mm[50 * 2] >= 0.3, 'the crossing is at the pre-trigger point');
    }
  } finally {
    live.release();
  }
});

test('falling slope and holdoff: no two triggers shown closer than the holdoff', () => {
  const live = liveRing(2, 1 << 16, wave, RATE);
  try {
    const feed = new ScopeFeed(live.source);
    const shown = new Set<number>();
    for (let step = 0; step < 60; step++) {
      live.write(50);
      const f = feed.frame(ask({ trigger: trig({ slope: 'falling', level: -0.2, holdoffS: 0.15 }) }));
      if (f.trigger?.frame !== null && f.trigger?.frame !== undefined) shown.add(f.trigger.frame);
    }
    const list = [...shown].sort((a, b) => a - b);
    const falling = new Set(crossings(live.written(), -0.2, 'falling'));
    assert.ok(list.length >= 5, `triggers shown: ${list}`);
    for (const t of list) assert.ok(falling.has(t), `${t} is a falling crossing of -0.2`);
    // 10 Hz: a crossing every 100 frames; a 150-frame holdoff lets every other one through.
    for (let i = 1; i < list.length; i++) assert.ok(list[i] - list[i - 1] >= 150, `spacing ${list[i] - list[i - 1]}`);
  } finally {
    live.release();
  }
});

test('auto free-runs on a signal that never crosses; normal waits with nothing drawn', () => {
  const live = liveRing(1, 1 << 16, () => 0.1, RATE);
  try {
    const feed = new ScopeFeed(live.source);
    live.write(1000);
    const auto = feed.frame(ask({ trigger: trig({ mode: 'auto' }) }));
    assert.deepEqual(auto.trigger, { state: 'auto', frame: null });
    assert.deepEqual([auto.windowStart, auto.windowEnd], [800, 1000], 'the live window');
    assert.ok(
      Array.from(new Float32Array(auto.minmax)).every((v) => Math.abs(v - 0.1) < 1e-6),
      'drawn',
    );
    const normal = feed.frame(ask({ trigger: trig({ mode: 'normal' }) }));
    assert.deepEqual(normal.trigger, { state: 'waiting', frame: null });
    assert.ok(Array.from(new Float32Array(normal.minmax)).every(Number.isNaN), 'nothing drawn while waiting');
  } finally {
    live.release();
  }
});

test('single: the first trigger after arming is held, and Arm takes the next', () => {
  const live = liveRing(2, 1 << 12, wave, RATE); // a small ring: the capture outlives its samples
  try {
    const feed = new ScopeFeed(live.source);
    live.write(500);
    const before = feed.frame(ask({ trigger: trig({ mode: 'single' }) }));
    assert.equal(before.trigger?.state, 'waiting', 'armed now: earlier crossings do not count');
    live.write(300);
    const first = feed.frame(ask({ trigger: trig({ mode: 'single' }) }));
    assert.equal(first.trigger?.state, 'stopped');
    const t = first.trigger!.frame!;
    assert.equal(
      t,
      crossings(800, 0.3, 'rising').find((c) => c > 500),
      'the first crossing after arming',
    );
    const trace = new Float32Array(first.minmax);
    live.write(20_000); // the ring laps the capture
    const held = feed.frame(ask({ trigger: trig({ mode: 'single' }) }));
    assert.deepEqual(held.trigger, { state: 'stopped', frame: t });
    assert.deepEqual(new Float32Array(held.minmax), trace, 'the capture is kept after its samples are gone');
    feed.frame(ask({ trigger: trig({ mode: 'single', arm: 1 }) }));
    live.write(300);
    const again = feed.frame(ask({ trigger: trig({ mode: 'single', arm: 1 }) }));
    assert.equal(again.trigger?.state, 'stopped');
    assert.ok(again.trigger!.frame! > 20_800, `re-armed: ${again.trigger!.frame}`);
  } finally {
    live.release();
  }
});

test('spectrum: dB per bin equals numpy rfft with scipy windows; averaging takes a spectrum per half transform', () => {
  const fs = 1024;
  const value = (f: number, c: number) =>
    c === 0 ? 2 * Math.sin((2 * Math.PI * 50 * f) / fs) : 0.5 * Math.cos((2 * Math.PI * 123.5 * f) / fs) + 0.1;
  const live = liveRing(2, 1 << 16, value, fs);
  try {
    const feed = new ScopeFeed(live.source);
    live.write(3000);
    for (const window of ['hann', 'blackmanharris', 'rectangular'] as const) {
      const f = feed.frame(ask({ columns: 4096, channels: [0, 1], spectrum: { size: 1024, window, averaging: 'off', count: 1 } }));
      assert.deepEqual(f.spectrum, { size: 1024, bins: 513, binHz: 1, averaged: 1 });
      assert.equal(f.columns, 513, 'a column per bin when the plot is wider');
      assert.deepEqual([f.windowStart, f.windowEnd], [3000 - 1024, 3000]);
      const ours = new Float32Array(f.minmax);
      const ref = pythonJson<number[][]>(
        `import sys,json,numpy as np
from scipy.signal import get_window
N=1024; f=np.arange(1976,3000)
xs=[(2*np.sin(2*np.pi*50*f/1024)).astype(np.float32), (0.5*np.cos(2*np.pi*123.5*f/1024)+0.1).astype(np.float32)]
w=get_window(sys.argv[1] if sys.argv[1]!='rectangular' else 'boxcar', N)
out=[]
for x in xs:
  a=np.abs(np.fft.rfft(x.astype(np.float64)*w))/w.sum(); a[1:-1]*=2
  out.append((20*np.log10(np.maximum(a,1e-150))).tolist())
print(json.dumps(out))`,
        window,
      );
      for (let r = 0; r < 2; r++)
        for (let k = 0; k < 513; k++) {
          const want = ref[r][k];
          if (want < -90) continue; // float32 round-off floor: numbers, not a spectrum
          assert.ok(Math.abs(ours[(r * 513 + k) * 2] - want) < 0.01, `${window} row ${r} bin ${k}: ${ours[(r * 513 + k) * 2]} vs ${want}`);
        }
      assert.ok(Math.abs(ours[50 * 2] - 20 * Math.log10(2)) < 0.01, `${window}: a bin-centred sine reads its amplitude`);
    }
    // Narrower than the bins: each column spans its bins' min and max (the 50 Hz peak survives).
    const narrow = feed.frame(ask({ columns: 100, channels: [0], spectrum: { size: 1024, window: 'hann', averaging: 'off', count: 1 } }));
    const mm = new Float32Array(narrow.minmax);
    const peak = Math.max(...Array.from({ length: 100 }, (_, c) => mm[c * 2 + 1]));
    assert.ok(Math.abs(peak - 20 * Math.log10(2)) < 0.01, `peak ${peak} dB`);

    const avg = { size: 1024, window: 'hann', averaging: 'linear', count: 4 } as const;
    assert.equal(feed.frame(ask({ spectrum: avg })).spectrum?.averaged, 1);
    assert.equal(feed.frame(ask({ spectrum: avg })).spectrum?.averaged, 1, 'no new samples: the same spectrum');
    live.write(511);
    assert.equal(feed.frame(ask({ spectrum: avg })).spectrum?.averaged, 1, 'less than half a transform new');
    live.write(1);
    assert.equal(feed.frame(ask({ spectrum: avg })).spectrum?.averaged, 2);
  } finally {
    live.release();
  }
});

test('spectrum before `size` samples: nothing drawn, averaged 0', () => {
  const live = liveRing(1, 1 << 12, () => 1, 100);
  try {
    live.write(100);
    const f = new ScopeFeed(live.source).frame(ask({ spectrum: { size: 256, window: 'hann', averaging: 'off', count: 1 } }));
    assert.equal(f.spectrum?.averaged, 0);
    assert.ok(Array.from(new Float32Array(f.minmax)).every(Number.isNaN));
  } finally {
    live.release();
  }
});

test('XY: the ring samples as pairs, thinned to at most 16384 points for a long window', () => {
  const live = liveRing(3, 1 << 20, (f, c) => f * 10 + c, 10_000);
  try {
    const feed = new ScopeFeed(live.source);
    live.write(500);
    const short = feed.frame(ask({ windowS: 0.1, xy: { x: 2, y: 0 } }));
    assert.equal(short.xy?.step, 1);
    assert.equal(short.xy?.count, 500, 'a young stream: the frames there are');
    const p = new Float32Array(short.xy!.points);
    for (let i = 0; i < 500; i++) assert.deepEqual([p[i * 2], p[i * 2 + 1]], [i * 10 + 2, i * 10]);
    live.write(200_000);
    const long = feed.frame(ask({ windowS: 10, xy: { x: 0, y: 1 } }));
    assert.equal(long.xy?.step, Math.ceil(100_000 / 16384));
    assert.ok(long.xy!.count <= 16384);
    const q = new Float32Array(long.xy!.points);
    const first = long.windowStart;
    assert.deepEqual([q[2], q[3]], [Math.fround((first + 7) * 10), Math.fround((first + 7) * 10 + 1)]);
  } finally {
    live.release();
  }
});

test('what a page may ask of these views is checked, naming the field', () => {
  const base = { type: 'request', seq: 1, columns: 10, windowS: 1, end: null, channels: [0] };
  const ok = parseScopeMessage({ ...base, trigger: trig({ channel: 2 }) }, 3);
  assert.deepEqual(ok.type === 'request' && ok.trigger, trig({ channel: 2 }));
  const spectrum = { size: 4096, window: 'hamming', averaging: 'exponential', count: 8 };
  const sp = parseScopeMessage({ ...base, spectrum }, 3);
  assert.deepEqual(sp.type === 'request' && sp.spectrum, spectrum);
  assert.deepEqual(parseScopeMessage({ type: 'export', format: 'npy', start: 5, end: 9, channels: [2, 0] }, 3), {
    type: 'export',
    format: 'npy',
    start: 5,
    end: 9,
    channels: [2, 0],
  });
  const bad: Array<[unknown, RegExp]> = [
    [{ ...base, trigger: trig({ channel: 3 }) }, /trigger.channel/],
    [{ ...base, trigger: { ...trig(), mode: 'often' } }, /trigger.mode/],
    [{ ...base, trigger: trig({ level: Number.NaN }) }, /trigger.level/],
    [{ ...base, trigger: trig({ pre: 1.5 }) }, /trigger.pre/],
    [{ ...base, trigger: trig({ holdoffS: -1 }) }, /trigger.holdoffS/],
    [{ ...base, trigger: 'on' }, /trigger is not an object/],
    [{ ...base, spectrum: { ...spectrum, size: 1000 } }, /spectrum.size/],
    [{ ...base, spectrum: { ...spectrum, window: 'kaiser' } }, /spectrum.window/],
    [{ ...base, spectrum: { ...spectrum, count: 0 } }, /spectrum.count/],
    [{ ...base, spectrum, xy: { x: 0, y: 1 } }, /spectrum and an XY view at once/],
    [{ ...base, xy: { x: 0, y: 5 } }, /request.xy/],
    [{ type: 'export', format: 'exe', start: 0, end: 1, channels: [0] }, /export.format/],
    [{ type: 'export', format: 'csv', start: 5, end: 5, channels: [0] }, /export.start\/end/],
    [{ type: 'export', format: 'csv', start: 0, end: 1, channels: [0, 0] }, /listed once/],
    [{ type: 'export', format: 'png', data: 'data:text/html;base64,PHNjcmlwdD4=' }, /PNG data: URL/],
  ];
  for (const [message, pattern] of bad)
    assert.throws(
      () => parseScopeMessage(message, 3),
      (e: Error) => e instanceof ScopeMessageError && pattern.test(e.message),
      JSON.stringify(message),
    );
});

test('noise on a slow edge: every trigger shown is on a rising edge of the signal under it', () => {
  // 2 Hz, amplitude 50, uniform noise ±5 (the RDA simulator's): near 0 the noise crosses both ways.
  const frac = (v: number) => v - Math.floor(v);
  const noise = (f: number) => 5 * (2 * frac(Math.sin(f * 12.9898) * 43758.5453) - 1);
  const clean = (f: number) => 50 * Math.sin((2 * Math.PI * 2 * f) / RATE);
  const live = liveRing(1, 1 << 16, (f) => clean(f) + noise(f), RATE);
  try {
    const feed = new ScopeFeed(live.source);
    const seen = new Set<number>();
    for (let step = 0; step < 120; step++) {
      live.write(17 + (step % 7) * 5);
      const f = feed.frame(ask({ windowS: 1, trigger: trig({ level: 0 }) }));
      if (f.trigger?.frame != null) seen.add(f.trigger.frame);
    }
    assert.ok(seen.size >= 3, `triggers: ${[...seen]}`);
    for (const t of seen)
      assert.ok(Math.cos((2 * Math.PI * 2 * t) / RATE) > 0.5, `frame ${t} is on a rising edge (phase ${((t % 500) / 500).toFixed(2)})`);
  } finally {
    live.release();
  }
});

test('a search chunk by chunk, carrying its arming, finds what one search over everything finds', async () => {
  const { findTriggers } = await import('../../src/core/scope-trigger');
  const x = Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.01) + 0.3 * Math.sin(i * 1.7));
  const spec = { level: 0.2, slope: 'rising' as const, hysteresis: 0.5, holdoff: 0 };
  const whole = findTriggers({ samples: x }, spec);
  const carry = { armed: false };
  const chunked: number[] = [];
  let last: number | undefined;
  for (let from = 0; from < x.length; from += 97) {
    const start = Math.max(0, from - 1); // each chunk repeats the previous one's last sample
    const found = findTriggers({ samples: x.slice(start, from + 97), firstFrame: start, last, carry }, spec);
    if (found.length) last = found.at(-1);
    chunked.push(...found);
  }
  assert.ok(whole.length >= 5);
  assert.deepEqual(chunked, whole);
});

test('spectra at most ten a second: a short transform at a high rate waits for a tenth of a second of samples', () => {
  const live = liveRing(1, 1 << 16, (f) => Math.sin(f), 25_000);
  try {
    const feed = new ScopeFeed(live.source);
    const spec = { size: 256, window: 'hann', averaging: 'linear', count: 100 } as const;
    live.write(1000);
    assert.equal(feed.frame(ask({ spectrum: spec })).spectrum?.averaged, 1);
    live.write(2499); // ten half transforms, but not yet 0.1 s
    assert.equal(feed.frame(ask({ spectrum: spec })).spectrum?.averaged, 1);
    live.write(1);
    assert.equal(feed.frame(ask({ spectrum: spec })).spectrum?.averaged, 2);
  } finally {
    live.release();
  }
});

test('a triggered window is scanned once per trigger; free-running auto frames are live columns the page can keep', () => {
  const live = liveRing(2, 1 << 16, wave, RATE);
  try {
    let scans = 0;
    const decimate = live.source.decimate;
    live.source.decimate = (a, b, n, out) => {
      if (b - a > 1) scans++; // the latest value reads one frame: not a scan
      return decimate(a, b, n, out);
    };
    const feed = new ScopeFeed(live.source);
    live.write(400);
    const first = feed.frame(ask({ trigger: trig() }));
    assert.equal(first.trigger?.state, 'triggered');
    const after = scans;
    live.write(5); // no new crossing: the same window
    const again = feed.frame(ask({ trigger: trig() }));
    assert.equal(again.trigger?.frame, first.trigger?.frame);
    assert.deepEqual(new Float32Array(again.minmax), new Float32Array(first.minmax));
    assert.equal(scans, after, 'the same triggered window is not scanned again');

    const never = trig({ mode: 'auto', level: 5 });
    const f1 = feed.frame(ask({ trigger: never }));
    assert.equal(f1.trigger?.state, 'auto');
    assert.ok(f1.key !== undefined && f1.firstColumn !== undefined, 'free-running: columns the page may keep');
    live.write(3);
    const f2 = feed.frame(ask({ trigger: never, have: { key: f1.key!, from: f1.firstColumn!, to: f1.firstColumn! + f1.columns } }));
    assert.deepEqual(f2.delta, { from: f1.firstColumn! + f1.columns, count: 3 }, 'only the new columns');
  } finally {
    live.release();
  }
});
