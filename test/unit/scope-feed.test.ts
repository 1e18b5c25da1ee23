// The host side of a scope: what a request may ask (validated, since a webview is a web page) and
// what a frame holds (min/max per column from the native ring, sized by columns × channels only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../../src/core/native';
import { markersIn, ScopeFeed, scopeWindow, traceStyle, type ScopeSource } from '../../src/core/scope-feed';
import { LIMITS, parseScopeMessage, ScopeMessageError, type HeldColumns } from '../../webview/shared/protocol';
import { ColumnStore } from '../../webview/scope/columns';
import { liveRing } from '../support/live-ring';
import type { Marker } from '../../src/core/types';

const addon = native();

/** A ring of `channels` where channel c at frame f holds f * (c + 1) (or -f for odd frames). */
function source(
  channels: number,
  frames: number,
  capacity: number,
  rate = 1000,
  markers: Marker[] = [],
): ScopeSource & { release(): void } {
  const ring = new addon.Ring(channels, capacity);
  const data = new Float32Array(frames * channels);
  for (let f = 0; f < frames; f++) for (let c = 0; c < channels; c++) data[f * channels + c] = (f % 2 ? -f : f) * (c + 1);
  ring.write(data);
  return {
    channels: Array.from({ length: channels }, (_, c) => ({ name: `c${c}`, unit: 'V' })),
    rate,
    lastSample: frames,
    oldestSample: ring.oldest(),
    markers,
    decimate: (start, end, buckets, out) => addon.decimateMinMax(ring, start, end, buckets, out),
    sentAt: (frame) => 1000 + frame,
    release: () => ring.release(),
  };
}

const request = (
  over: Partial<{ seq: number; columns: number; windowS: number; end: number | null; channels: number[]; have: HeldColumns | null }> = {},
) => ({
  type: 'request' as const,
  seq: 1,
  columns: 10,
  windowS: 1,
  end: null as number | null,
  channels: [0, 1, 2],
  have: null as HeldColumns | null,
  ...over,
});

test('a request is checked field by field, naming what is wrong', () => {
  assert.deepEqual(parseScopeMessage({ type: 'ready', protocol: 1 }, 3), { type: 'ready', protocol: 1 });
  assert.deepEqual(parseScopeMessage({ type: 'reconnect', device: 'other' }, 3), { type: 'reconnect' }, 'nothing else is taken from it');
  assert.deepEqual(parseScopeMessage(request(), 3), request());
  // A young stream's window holds columns below 0 (before its first frame).
  const young = request({ have: { key: 'k', from: -505, to: 95 } });
  assert.deepEqual(parseScopeMessage(young, 3), young);
  const bad: Array<[unknown, RegExp]> = [
    [null, /not an object/],
    [{ type: 'ready', protocol: 2 }, /protocol 2, expected 1/],
    [{ type: 'eval', code: 'x' }, /unknown type "eval"/],
    [request({ columns: 0 }), /columns/],
    [request({ columns: LIMITS.maxColumns + 1 }), /columns/],
    [request({ columns: 1.5 }), /columns/],
    [request({ windowS: 0.01 }), /windowS/],
    [request({ windowS: 61 }), /windowS/],
    [request({ windowS: Number.NaN }), /windowS/],
    [request({ end: -1 }), /end/],
    [request({ channels: [0, 3] }), /channels holds 3, not a channel index below 3/],
    [request({ channels: [1, 1] }), /channel 1 twice/],
    [{ ...request(), channels: 'all' }, /channels is not a list/],
    [{ type: 'drawn', seq: 1, at: 'now', drawMs: 1 }, /drawn.at/],
    [request({ have: { key: 'k', from: 5, to: 2 } }), /have is not a column range/],
    [{ ...request(), have: { key: 7, from: 0, to: 1 } }, /have.key/],
  ];
  const wide = Array.from({ length: 200 }, (_, i) => i);
  assert.throws(
    () => parseScopeMessage(request({ columns: 8000, channels: wide }), 200),
    /8000 columns × 200 channels, more than 1048576 cells/,
  );
  for (const [message, pattern] of bad)
    assert.throws(
      () => parseScopeMessage(message, 3),
      (e: Error) => e instanceof ScopeMessageError && pattern.test(e.message),
      JSON.stringify(message),
    );
});

test('a frame is min/max per column per channel, equal to a naive scan, and its size is columns × channels', () => {
  const s = source(3, 5000, 8000);
  try {
    const feed = new ScopeFeed(s);
    const frame = feed.frame(request({ columns: 10, windowS: 1 }));
    assert.deepEqual([frame.windowStart, frame.windowEnd], [4000, 5000]);
    assert.equal(frame.minmax.byteLength, 3 * 10 * 2 * 4);
    const mm = new Float32Array(frame.minmax);
    for (let c = 0; c < 3; c++) {
      for (let col = 0; col < 10; col++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let f = 4000 + col * 100; f < 4000 + (col + 1) * 100; f++) {
          const v = (f % 2 ? -f : f) * (c + 1);
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        assert.deepEqual([mm[(c * 10 + col) * 2], mm[(c * 10 + col) * 2 + 1]], [lo, hi], `channel ${c} column ${col}`);
      }
    }
    assert.equal(frame.sentAt, 1000 + 4999);
    // The same columns and channels cost the same bytes for a 60 s window as for a 1 s one.
    assert.equal(feed.frame(request({ columns: 10, windowS: 60 })).minmax.byteLength, frame.minmax.byteLength);
  } finally {
    s.release();
  }
});

test('a subset of channels comes back in the order asked; a window older than the ring is NaN there', () => {
  const s = source(4, 5000, 2000); // holds 3000..4999
  try {
    const frame = new ScopeFeed(s).frame(request({ columns: 5, windowS: 4, end: 5000, channels: [3, 1] }));
    assert.deepEqual(frame.channels, [3, 1]);
    // The end snaps to a column boundary (800 frames a column), so scrolling moves whole columns.
    assert.deepEqual([frame.windowStart, frame.windowEnd, frame.oldest], [800, 4800, 3000]);
    const mm = new Float32Array(frame.minmax);
    // Columns 0 and 1 are overwritten, 2 is partly held (3000..3199), 3 and 4 are held.
    for (const row of [0, 1]) {
      const scale = frame.channels[row] + 1;
      assert.ok(Number.isNaN(mm[(row * 5 + 0) * 2]) && Number.isNaN(mm[(row * 5 + 1) * 2]), 'overwritten columns are NaN');
      assert.deepEqual([mm[(row * 5 + 4) * 2], mm[(row * 5 + 4) * 2 + 1]], [-4799 * scale, 4798 * scale]);
      assert.deepEqual([mm[(row * 5 + 2) * 2], mm[(row * 5 + 2) * 2 + 1]], [-3199 * scale, 3198 * scale]);
    }
  } finally {
    s.release();
  }
});

test('live windows end on a column boundary (no shimmer); a young stream leaves the first columns empty', () => {
  assert.deepEqual(scopeWindow({ columns: 100, windowS: 1, end: null }, 1000, 12_345), { start: 11_340, end: 12_340, columns: 100 });
  assert.deepEqual(scopeWindow({ columns: 100, windowS: 1, end: null }, 1000, 12_349), { start: 11_340, end: 12_340, columns: 100 });
  // Fewer frames than columns: a column per frame, so the window ends at the newest frame.
  assert.deepEqual(scopeWindow({ columns: 100, windowS: 0.05, end: null }, 1000, 777), { start: 727, end: 777, columns: 50 });
  assert.deepEqual(scopeWindow({ columns: 820, windowS: 60, end: null }, 10, 95), { start: -505, end: 95, columns: 600 });
  assert.deepEqual(scopeWindow({ columns: 10, windowS: 1, end: 900 }, 1000, 5000), { start: -100, end: 900, columns: 10 });
  const s = source(1, 900, 2000);
  try {
    const frame = new ScopeFeed(s).frame(request({ columns: 10, windowS: 1, end: 900, channels: [0] }));
    const mm = new Float32Array(frame.minmax);
    assert.ok(Number.isNaN(mm[0]) && Number.isNaN(mm[1]), 'column 0 covers frames -100..-1');
    assert.deepEqual([mm[2], mm[3]], [-99, 98], 'column 1 covers frames 0..99');
    assert.deepEqual([mm[18], mm[19]], [-899, 898]);
  } finally {
    s.release();
  }
});

test('markers in the window, by binary search', () => {
  const markers = [10, 20, 30, 40].map((frame) => ({ frame, type: 'Stimulus', text: `S${frame}`, channel: -1, points: 1 }));
  assert.deepEqual(
    markersIn(markers, 15, 40).map((m) => m.label),
    ['S20', 'S30'],
  );
  assert.deepEqual(markersIn(markers, 0, 10), []);
  assert.deepEqual(
    markersIn(markers, 40, 41).map((m) => m.frame),
    [40],
  );
});

test('the column cache gives exactly the frames a full rescan gives, as the stream moves and the ring laps', () => {
  const stream = liveRing(3, 3000, (f, c) => Math.sin(f * 0.01 * (c + 1)) * (c + 1) + (f % 7));
  const { write, source: src } = stream;
  try {
    const cached = new ScopeFeed(src);
    const rescan = new ScopeFeed(src, { columnCache: false });
    let seq = 0;
    const same = (r: ReturnType<typeof request>, why: string) => {
      const a = cached.frame({ ...r, seq: ++seq });
      const b = rescan.frame({ ...r, seq });
      assert.deepEqual([a.windowStart, a.windowEnd], [b.windowStart, b.windowEnd], why);
      assert.deepEqual(new Float32Array(a.minmax), new Float32Array(b.minmax), why);
    };
    write(2500);
    for (let step = 0; step < 40; step++) {
      write(37 + (step % 5) * 50); // blocks of uneven size; the ring (3000) laps the 2 s window
      same(request({ columns: 100, windowS: 2, channels: [0, 1, 2] }), `live, step ${step}`);
      same(request({ columns: 100, windowS: 2, channels: [2, 0] }), `subset, step ${step}`);
      if (step % 7 === 0) same(request({ columns: 100, windowS: 2, end: stream.written() - 900 }), `scrolled back, step ${step}`);
    }
    same(request({ columns: 64, windowS: 2 }), 'a new width starts a new cache');
  } finally {
    stream.release();
  }
});

test('delta frames: a page keeping its columns rebuilds exactly the window a full frame gives, from a few KB', () => {
  const stream = liveRing(4, 6000, (f, c) => Math.cos(f * 0.003 * (c + 1)) + (f % 5) * 0.1);
  const { write, source: src } = stream;
  try {
    const feed = new ScopeFeed(src);
    const rescan = new ScopeFeed(src, { columnCache: false });
    const page = new ColumnStore();
    write(5000);
    let deltas = 0;
    for (let step = 0; step < 60; step++) {
      write(40 + (step % 3) * 30);
      const paused = step >= 30 && step < 40; // a paused window: the same end, nothing new to send
      const end = paused ? 5000 + 30 * 70 - 400 : null;
      const ask = request({ seq: step, columns: 200, windowS: 4, end, channels: [3, 0, 1], have: page.have() });
      const frame = feed.frame(ask);
      const { minmax, ...head } = frame;
      const whole = page.accept(head, new Float32Array(minmax));
      const want = new Float32Array(rescan.frame({ ...ask, have: null }).minmax);
      // A column reaching before the ring's oldest frame shows nothing on the page (a rescan shows
      // the part still held): compare the columns both show.
      const per = (frame.windowEnd - frame.windowStart) / 200;
      const stale = Math.max(0, Math.ceil((frame.oldest - frame.windowStart) / per));
      for (let r = 0; r < 3; r++) for (let i = 0; i < stale * 2; i++) want[r * 400 + i] = Number.NaN;
      assert.deepEqual(whole, want, `step ${step}`);
      if (frame.delta) {
        deltas++;
        // Live after live: the 40–100 frames written since are at most 6 columns of 20 frames.
        if (!paused && step !== 40)
          assert.ok(frame.minmax.byteLength <= 3 * 6 * 8, `a live delta is a few columns, got ${frame.minmax.byteLength} bytes`);
      }
    }
    assert.ok(deltas >= 50, `most frames were deltas (${deltas})`);
  } finally {
    stream.release();
  }
});

/** Asks as a live page does, keeping its columns; returns the frame and the window it rebuilt. */
function ask(feed: ScopeFeed, page: ColumnStore, r: ReturnType<typeof request>) {
  const frame = feed.frame({ ...r, have: page.have() });
  const { minmax, ...head } = frame;
  return { frame, whole: page.accept(head, new Float32Array(minmax)) };
}

test('a slow stream (fewer frames than columns) is a column per frame, and live frames carry only the new ones', () => {
  // 14 channels at 10 Hz in an 820-column plot with a 60 s window: issue 15 measured 92 KB a frame.
  const stream = liveRing(14, 2000, (f, c) => (f % 13) + c * 100);
  const { write, source: src } = stream;
  (src as { rate: number }).rate = 10;
  try {
    const feed = new ScopeFeed(src);
    const rescan = new ScopeFeed(src, { columnCache: false });
    const page = new ColumnStore();
    const channels = Array.from({ length: 14 }, (_, c) => c);
    let sent = 0;
    let frames = 0;
    // 60 requests a second for 80 s: the window is young (before frame 0) for the first minute.
    for (let tick = 0; tick < 80 * 60; tick++) {
      const before = stream.written();
      write(Math.floor(((tick + 1) * 10) / 60) - before);
      const r = request({ seq: tick, columns: 820, windowS: 60, channels });
      const { frame, whole } = ask(feed, page, r);
      const fresh = stream.written() - before;
      if (tick > 0) {
        assert.ok(frame.delta, `tick ${tick}: a delta`);
        // The columns since the last frame: the new frames, plus the newest one when it was held in part.
        assert.ok(
          frame.minmax.byteLength <= (fresh + 1) * 14 * 8,
          `tick ${tick}: ${frame.minmax.byteLength} bytes for ${fresh} new frames`,
        );
      }
      sent += frame.minmax.byteLength;
      frames++;
      assert.equal(frame.columns, 600, 'a column per frame');
      assert.deepEqual([frame.windowEnd - frame.windowStart, frame.windowEnd], [600, stream.written()]);
      if (tick % 97 === 0 || tick === 80 * 60 - 1) {
        const want = new Float32Array(rescan.frame({ ...r, have: null }).minmax);
        assert.deepEqual(whole, want, `tick ${tick}: the page's window is a full rescan's`);
        // Frame f is its own column, min = max = its value; columns before frame 0 are empty.
        const col = frame.columns - 1;
        const f = frame.windowStart + col;
        if (f >= 0) assert.deepEqual([whole[(3 * 600 + col) * 2], whole[(3 * 600 + col) * 2 + 1]], [(f % 13) + 300, (f % 13) + 300]);
        if (frame.windowStart < 0) assert.ok(Number.isNaN(whole[0]) && Number.isNaN(whole[1]));
      }
    }
    // 800 frames of 14 channels in 4800 requests: 112 bytes per new frame, about 19 a request.
    assert.ok(sent / frames < 14 * 8 * 1.5, `${(sent / frames).toFixed(0)} bytes a frame on average`);
  } finally {
    stream.release();
  }
});

test("each row's latest value: the newest frame live, the last one shown when scrolled back", () => {
  const s = source(3, 5000, 8000);
  try {
    const feed = new ScopeFeed(s);
    // Frame 4999 is odd: -4999 × (c + 1).
    assert.deepEqual(feed.frame(request({ channels: [2, 0] })).latest, [-4999 * 3, -4999]);
    assert.deepEqual(feed.frame(request({ channels: [1], end: 3001 })).latest, [3000 * 2]);
    const empty = source(2, 0, 100);
    try {
      assert.deepEqual(new ScopeFeed(empty).frame(request({ channels: [0, 1] })).latest, [null, null]);
    } finally {
      empty.release();
    }
  } finally {
    s.release();
  }
});

test('a frozen feed (the session ended, its ring freed) answers with the traces and values it last showed', () => {
  const stream = liveRing(2, 4000, (f, c) => f * (c + 1));
  const { write, source: src } = stream;
  let freed = false;
  const decimate = src.decimate;
  const gone: ScopeSource = {
    ...src,
    get lastSample() {
      return freed ? 0 : stream.written();
    },
    get oldestSample() {
      return freed ? 0 : src.oldestSample;
    },
    decimate: (a, b, n, out) => (freed ? null : decimate(a, b, n, out)),
  };
  try {
    const feed = new ScopeFeed(gone);
    const page = new ColumnStore();
    write(3000);
    const r = request({ columns: 100, windowS: 2, channels: [1, 0] });
    ask(feed, page, r);
    write(150);
    const last = ask(feed, page, r);
    feed.freeze();
    freed = true; // what Session.close() does: lastSample and oldestSample are 0, no decimation
    write(500); // nothing after the freeze shows
    assert.ok(feed.frozen);
    const again = feed.frame({ ...r, have: null }); // a reloaded page asks for the whole window
    assert.deepEqual([again.windowStart, again.windowEnd], [last.frame.windowStart, last.frame.windowEnd]);
    // Only the cached window is left: the page may not scroll back into nothing.
    assert.equal(again.oldest, last.frame.windowStart);
    assert.deepEqual(new Float32Array(again.minmax), last.whole);
    assert.deepEqual(again.latest, [3149 * 2, 3149]);
    // A failed session keeps its ring: frozen at the same frame, it may still be scrolled back.
    const kept = new ScopeFeed(src);
    const before = kept.frame(r);
    kept.freeze();
    write(100);
    const after = kept.frame({ ...r, end: before.windowEnd - 1000 });
    assert.deepEqual([after.oldest, after.newest], [before.oldest, before.newest]);
    assert.equal(after.windowEnd, before.windowEnd - 1000);
    assert.ok(!Number.isNaN(new Float32Array(after.minmax)[0]), 'read from the ring');
  } finally {
    stream.release();
  }
});

test('polled readings are drawn as steps, sampled signals as lines', () => {
  assert.equal(traceStyle({ family: 'servomex', sourceFormat: { mode: 'ascii' } }), 'steps', "Servomex's passive stream too");
  // What PolledSource puts in its format's source, for any family polled by the poll recorder.
  assert.equal(traceStyle({ family: 'other', sourceFormat: { rateHz: 2, overflow: 'block', channels: [] } }), 'steps');
  assert.equal(traceStyle({ family: 'rda', sourceFormat: { rateHz: 500 } }), 'lines');
  assert.equal(traceStyle({ family: 'audio' }), 'lines');
});
