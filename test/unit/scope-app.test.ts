// The scope app's pure parts: what it restores from a webview's saved state (which may be old or
// damaged), how autoscale follows the data, and the time axis's ticks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoWindowS, defaults, restore, windowOf } from '../../webview/scope/settings';
import { AutoRange, extent, padded } from '../../webview/scope/scale';
import { tickStep } from '../../webview/scope/overlay';
import { formatValue, valueWithUnit } from '../../webview/scope/format';

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
  assert.deepEqual(restore(saved, 'other'), { ...saved, hidden: ['Ch2'] });
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
