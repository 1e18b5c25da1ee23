// The scope app's pure parts: what it restores from a webview's saved state (which may be old or
// damaged), how autoscale follows the data, and the time axis's ticks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoWindowS, defaults, restore, windowOf } from '../../webview/scope/settings';
import { AutoRange, extent, padded } from '../../webview/scope/scale';
import { tickStep } from '../../webview/scope/overlay';
import { formatValue, valueWithUnit } from '../../webview/scope/format';
import { cursorValue, measurement, niceStep, xyExtent } from '../../webview/scope/measure';

test('saved settings are restored field by field; anything wrong falls back to the default', () => {
  assert.deepEqual(restore(undefined, 'amp'), defaults('amp'));
  assert.deepEqual(restore('garbage', 'amp'), defaults('amp'));
  const saved = {
    device: 'amp',
    windowS: 1,
    layout: 'overlay',
    hidden: ['Ch2', 3],
    autoscale: false,
    lo: -5,
    hi: 5,
    paused: true,
    end: 1200,
  };
  assert.deepEqual(restore(saved, 'other'), { ...defaults('other'), ...saved, hidden: ['Ch2'] });
  const broken = restore({ windowS: 7, layout: 'spiral', lo: 5, hi: -5, paused: false, end: 1200 }, 'amp');
  assert.equal(broken.windowS, null, 'only the offered windows, else the rate chooses');
  assert.equal(broken.layout, 'stacked');
  assert.deepEqual([broken.lo, broken.hi], [-100, 100], 'an inverted range is not kept');
  assert.equal(broken.end, null, 'a scroll position only while paused');
});

test('autoscale grows at once and shrinks only after the data stayed small for a while', () => {
  const mm = new Float32Array([Number.NaN, Number.NaN, -1, 2, 0, 3]);
  assert.deepEqual(extent(mm, 3, 0), { lo: -1, hi: 3 });
  assert.equal(extent(new Float32Array([Number.NaN, Number.NaN]), 1, 0), undefined);
  assert.deepEqual(padded({ lo: 5, hi: 5 }), { lo: 5 - 0.25, hi: 5 + 0.25 });
  const auto = new AutoRange();
  const big = auto.update({ lo: -10, hi: 10 })!;
  assert.deepEqual(big, { lo: -11, hi: 11 });
  assert.deepEqual(auto.update({ lo: -20, hi: 10 }), { lo: -21.5, hi: 11.5 }, 'grows at once');
  for (let i = 0; i < 29; i++) assert.deepEqual(auto.update({ lo: -1, hi: 1 }), { lo: -21.5, hi: 11.5 }, 'holds while small');
  assert.deepEqual(auto.update({ lo: -1, hi: 1 }), { lo: -1.1, hi: 1.1 }, 'then shrinks');
});

test('time ticks: about six over any window from 100 ms to 60 s', () => {
  for (const span of [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60]) {
    const step = tickStep(span);
    assert.ok(span / step <= 6 && span / step >= 2, `${span} s → step ${step}`);
  }
});

test("the window follows the stream's rate until the user picks one", () => {
  assert.equal(defaults('gas').windowS, null);
  assert.deepEqual([1, 10, 10.5, 100, 1000, 25_000, 0].map(autoWindowS), [60, 60, 10, 10, 5, 5, 5]);
  assert.equal(windowOf(defaults('gas'), 1), 60, 'a 1 Hz analyser shows a minute');
  assert.equal(windowOf({ windowS: 2 }, 1), 2, 'a chosen window is kept');
  assert.equal(restore({ windowS: null }, 'gas').windowS, null);
});

test('latest values read as numbers with their unit, in a steady width', () => {
  assert.equal(valueWithUnit(20.93, '%'), '20.930 %');
  assert.equal(valueWithUnit(-12.5, 'µV'), '-12.500 µV');
  assert.equal(valueWithUnit(3, ''), '3.0000');
  assert.equal(valueWithUnit(null, 'ppm'), '—', 'no value, no unit');
  assert.equal(formatValue(Number.NaN), '—');
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(123456.7), '123457');
  assert.equal(formatValue(2.5e7), '2.500e+7');
  assert.equal(formatValue(0.0004567), '4.567e-4');
  assert.equal(formatValue(0.5), '0.50000');
  assert.equal(formatValue(-Infinity), '−∞');
});

test('the views, trigger, spectrum and cursors are restored when valid, else their defaults', () => {
  const saved = {
    view: 'spectrum',
    trigger: { mode: 'single', channel: 'Fp1', slope: 'falling', level: -2.5, holdoffMs: 40, pre: 0.5 },
    spectrum: { size: 1024, window: 'blackmanharris', averaging: 'exponential', count: 16 },
    xy: { x: 'a', y: 'b' },
    cursors: { a: 0.25, b: 0.75 },
  };
  const back = restore(saved, 'amp');
  assert.deepEqual(
    [back.view, back.trigger, back.spectrum, back.xy, back.cursors],
    [saved.view, saved.trigger, saved.spectrum, saved.xy, saved.cursors],
  );
  const d = defaults('amp');
  const broken = restore(
    {
      view: 'polar',
      trigger: { mode: 'sometimes', level: 'high', holdoffMs: -1, pre: 0.3, slope: 'up' },
      spectrum: { size: 1000, window: 'kaiser', averaging: 'median', count: 0 },
      cursors: { a: 2, b: -0.5 },
    },
    'amp',
  );
  assert.equal(broken.view, 'time');
  assert.deepEqual(broken.trigger, { ...d.trigger, slope: 'rising' });
  assert.deepEqual(broken.spectrum, d.spectrum);
  assert.deepEqual(broken.cursors, { a: null, b: null });
});

test("cursors read where they are, Δt and 1/Δt between them, and each channel's change", () => {
  // 1000 frames at 1 kHz from frame 2000, 100 columns: channel 0 rises 1 per column, channel 1 is flat.
  const minmax = new Float32Array(2 * 100 * 2);
  for (let c = 0; c < 100; c++) {
    minmax.set([c, c + 1], c * 2);
    minmax.set([5, 5], (100 + c) * 2);
  }
  const frame = { windowStart: 2000, windowEnd: 3000, columns: 100 };
  const rows = [
    { name: 'ramp', unit: 'V' },
    { name: 'flat', unit: '' },
  ];
  assert.deepEqual(measurement({ frame, minmax, rate: 1000, a: null, b: null, rows }), []);
  assert.deepEqual(measurement({ frame, minmax, rate: 1000, a: 0.1, b: null, rows }), ['A 2.1000 s']);
  assert.deepEqual(measurement({ frame, minmax, rate: 1000, a: 0.1, b: 0.35, rows }), [
    'A 2.1000 s · B 2.3500 s · Δt 250.00 ms · 1/Δt 4.0000 Hz',
    'ramp: Δ 25.000 V',
    'flat: Δ 0',
  ]);
  // A spectrum's cursors are in Hz: 513 bins of 1 Hz over the width.
  const spectrum = { ...frame, spectrum: { size: 1024, bins: 513, binHz: 1, averaged: 1 } };
  assert.equal(cursorValue(0.5, spectrum, 1000), 256.5);
  assert.match(measurement({ frame: spectrum, minmax, rate: 1000, a: 0, b: 0.5, rows })[0], /Δf 256\.50 Hz/);
  assert.match(measurement({ frame: spectrum, minmax, rate: 1000, a: 0, b: 0.5, rows })[1], /ramp: Δ 50\.000 dB/);
});

test('nice axis steps and the XY extent', () => {
  assert.equal(niceStep(12_500), 5000);
  assert.equal(niceStep(1), 0.2);
  assert.equal(niceStep(0), 1);
  const pts = new Float32Array([0, 10, 2, NaN, 4, 20]);
  const e = xyExtent(pts, 3)!;
  assert.deepEqual(
    [e.x0, e.x1, e.y0, e.y1].map((v) => +v.toFixed(6)),
    [-0.2, 4.2, 9.5, 20.5],
  );
  assert.equal(xyExtent(new Float32Array([NaN, 1]), 1), null);
});
