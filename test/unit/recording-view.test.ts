// The recording page's pure arithmetic (webview/recording/view.ts): zoom/scroll/clamp, time axis
// labels in each mode, marker hit testing, and the one-request-in-flight gate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordingMarkerInfo } from '../../webview/shared/recording-protocol';
import * as V from '../../webview/recording/view';

test('zoom keeps the row under the mouse in place and stays inside the take', () => {
  const w = { start: 1000, end: 2000 };
  const z = V.zoomAround(w, 0.5, 0.25, 10_000);
  assert.deepEqual(z, { start: 1125, end: 1625 });
  // The pivot row (1250) is still a quarter across.
  assert.equal(z.start + (z.end - z.start) * 0.25, 1250);
  assert.deepEqual(V.zoomAround(w, 100, 0.5, 10_000), { start: 0, end: 10_000 });
  const tiny = V.zoomAround(w, 1e-6, 0.5, 10_000);
  assert.equal(tiny.end - tiny.start, V.MIN_SPAN);
});

test('scroll and centre clamp at both ends keeping the span', () => {
  assert.deepEqual(V.scrollBy({ start: 0, end: 100 }, -0.5, 1000), { start: 0, end: 100 });
  assert.deepEqual(V.scrollBy({ start: 850, end: 950 }, 0.9, 1000), { start: 900, end: 1000 });
  assert.deepEqual(V.scrollBy({ start: 100, end: 200 }, 0.1, 1000), { start: 110, end: 210 });
  assert.deepEqual(V.centreOn({ start: 0, end: 100 }, 10, 1000), { start: 0, end: 100 });
  assert.deepEqual(V.centreOn({ start: 0, end: 100 }, 500, 1000), { start: 450, end: 550 });
  // A take shorter than the minimum span shows all of it.
  assert.deepEqual(V.clampWindow({ start: 3, end: 4 }, 5), { start: 0, end: 5 });
});

test('a window showing the end follows a growing file; one elsewhere stays', () => {
  assert.deepEqual(V.followGrowth({ start: 900, end: 1000 }, 1000, 1500), { start: 1400, end: 1500 });
  assert.deepEqual(V.followGrowth({ start: 100, end: 200 }, 1000, 1500), { start: 100, end: 200 });
});

test('rows and x are inverse maps', () => {
  const w = { start: 500, end: 1500 };
  for (const row of [500, 733, 1500]) assert.ok(Math.abs(V.rowAtX(V.xOfRow(row, 40, 800, w), 40, 800, w) - row) < 1e-9);
});

test('seconds format with minutes and hours past 60 s', () => {
  assert.equal(V.formatSeconds(12.25, 2), '12.25 s');
  assert.equal(V.formatSeconds(62.5, 1), '1:02.5');
  assert.equal(V.formatSeconds(3725, 0), '1:02:05');
  assert.equal(V.formatSeconds(-0.5, 1), '−0.5 s');
});

test('time ticks: seconds, samples, and wall clock from startTime and anchors', () => {
  const base = { rate: 1000, startTime: '2026-01-02T03:04:05.000Z', anchors: [] };
  const s = V.timeTicks({ start: 0, end: 10_000 }, { ...base, mode: 'seconds' }, 5);
  assert.deepEqual(
    s.map((t) => t.label),
    ['0 s', '2 s', '4 s', '6 s', '8 s', '10 s'],
  );
  assert.deepEqual(
    s.map((t) => t.row),
    [0, 2000, 4000, 6000, 8000, 10_000],
  );
  const n = V.timeTicks({ start: 0, end: 1000 }, { ...base, mode: 'samples' }, 5);
  assert.deepEqual(
    n.map((t) => t.label),
    ['0', '200', '400', '600', '800', '1000'],
  );
  const c = V.timeTicks({ start: 0, end: 10_000 }, { ...base, startTime: '2026-01-02T03:04:05.500Z', mode: 'clock' }, 5);
  // Ticks fall on round wall-clock seconds, not on round offsets from the start.
  assert.equal(c[0].label, '03:04:06');
  assert.equal(c[0].row, 500);
  // No rate: everything is in samples whatever was chosen.
  assert.equal(V.effectiveMode({ ...base, rate: 0, mode: 'seconds' }), 'samples');
});

test('wall clock uses the nearest anchor at or before the row', () => {
  const anchors = [{ row: 1000, time: '2026-01-02T03:05:00.000Z' }];
  const start = '2026-01-02T03:04:00.000Z';
  assert.equal(V.wallClockMs(500, 100, start, anchors), Date.parse(start) + 5000);
  assert.equal(V.wallClockMs(1100, 100, start, anchors), Date.parse('2026-01-02T03:05:01.000Z'));
  assert.equal(V.wallClockMs(0, 100, null, []), null);
  assert.equal(V.formatClock(Date.parse('2026-01-02T03:05:01.250Z'), 3), '03:05:01.250');
  assert.equal(V.formatRowTime(1500, { mode: 'seconds', rate: 1000, startTime: null, anchors: [] }), '1.500 s (sample 1500)');
});

const marker = (id: string, row: number, duration = 0): RecordingMarkerInfo => ({
  id,
  row,
  duration,
  channel: null,
  type: 'annotation',
  text: id,
});

test('marker hit testing: nearest line within slop, a span body, a span end', () => {
  const w = { start: 0, end: 1000 };
  const ms = [marker('a', 100), marker('b', 104), marker('span', 500, 200)];
  // Plot 0..1000 px: one row per pixel.
  assert.equal(V.markerAt(103, ms, 0, 1000, w, 4)?.marker.id, 'b');
  assert.equal(V.markerAt(101, ms, 0, 1000, w, 4)?.marker.id, 'a');
  assert.equal(V.markerAt(300, ms, 0, 1000, w, 4), null);
  assert.deepEqual(V.markerAt(600, ms, 0, 1000, w, 4), { marker: ms[2], edge: 'start' });
  assert.deepEqual(V.markerAt(699, ms, 0, 1000, w, 4), { marker: ms[2], edge: 'end' });
});

test('marker filter matches type, text and channel, in row order', () => {
  const ms = [marker('zeta', 50), { ...marker('x', 10), channel: 'EMG', text: 'blink' }, marker('alpha', 5)];
  assert.deepEqual(
    V.filterMarkers(ms, '').map((m) => m.id),
    ['alpha', 'x', 'zeta'],
  );
  assert.deepEqual(
    V.filterMarkers(ms, 'emg').map((m) => m.id),
    ['x'],
  );
  assert.deepEqual(
    V.filterMarkers(ms, 'BLI').map((m) => m.id),
    ['x'],
  );
});

test('ranges: fit skips NaN columns, same-unit union, lane scaling, column readout', () => {
  const mm = new Float32Array([0, 1, NaN, NaN, -3, 2, /* series 1 */ 5, 5, 5, 5, 5, 5]);
  const r0 = V.seriesRange(mm, 0, 3)!;
  assert.ok(Math.abs(r0.lo - -3.25) < 1e-6 && Math.abs(r0.hi - 2.25) < 1e-6);
  assert.deepEqual(V.seriesRange(mm, 1, 3), { lo: 4, hi: 6 });
  assert.equal(V.seriesRange(new Float32Array([NaN, NaN]), 0, 1), null);
  assert.deepEqual(V.unionRanges([{ lo: 0, hi: 1 }, null, { lo: -2, hi: 0.5 }]), { lo: -2, hi: 1 });
  assert.deepEqual(V.scaleRange({ lo: 0, hi: 10 }, 2), { lo: -5, hi: 15 });
  assert.deepEqual(V.columnValue(mm, 0, 3, 2), { min: -3, max: 2 });
  assert.equal(V.columnValue(mm, 0, 3, 1), null);
  assert.equal(V.columnValue(mm, 0, 3, 3), null);
});

test('request gate: one in flight, the latest wish sent after the reply, stale ids dropped', () => {
  const sent: [number, string][] = [];
  const gate = new V.RequestGate<string>((id, what) => sent.push([id, what]));
  gate.want('a');
  gate.want('b');
  gate.want('c');
  assert.deepEqual(sent, [[1, 'a']]);
  assert.equal(gate.answered(7), false);
  assert.equal(gate.answered(1), true);
  assert.deepEqual(sent, [
    [1, 'a'],
    [2, 'c'],
  ]);
  assert.equal(gate.answered(1), false);
  gate.failed(2);
  gate.want('d');
  assert.deepEqual(sent.at(-1), [3, 'd']);
});
