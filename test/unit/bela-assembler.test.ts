// The Bela stream assembler against a model written the plain way: a table of every frame × channel,
// filled by each buffer that arrived, then cut where the slowest channel ended. Buffers are dropped
// at random (a full send queue) and arrive interleaved across channels in any order the board may
// send them; the assembler's rows, taken as it goes, and its lost-row runs must equal the model's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamAssembler } from '../../src/devices/bela/stream-assembler';
import type { DecodedBuffer } from '../../src/devices/bela/protocol';
import { checkProperty, propertyParameters } from '../support/property';

const START = 1000;

function dense(ref: number, values: number[]): DecodedBuffer {
  const v = Float64Array.from(values);
  let trailingZeros = 0;
  for (let k = v.length - 1; k >= 0 && v[k] === 0; k--) trailingZeros++;
  return {
    type: 'f',
    mode: 'dense',
    ref,
    values: v,
    raw: v,
    frames: Float64Array.from(values, (_, k) => ref + k),
    count: v.length,
    trailingZeros,
  };
}

/** A value no two frames or channels share, never zero (zeros at a buffer's end are the padding rule's business). */
const valueAt = (channel: number, frame: number) => channel * 1e6 + frame + 0.5;

interface Case {
  channels: number;
  perBuffer: number;
  /** Per channel: which of its buffers arrive. */
  kept: boolean[][];
  /** The order channels' next buffers arrive in (indices into channels, cycled). */
  order: number[];
  /** A scheduled window's length in frames, or none. */
  window?: number;
}

const cases = fc
  .record({
    channels: fc.integer({ min: 1, max: 4 }),
    perBuffer: fc.integer({ min: 1, max: 9 }),
    buffers: fc.integer({ min: 1, max: 12 }),
    drops: fc.array(fc.boolean(), { minLength: 48, maxLength: 48 }),
    order: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 60 }),
    window: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  })
  .map(({ channels, perBuffer, buffers, drops, order, window }): Case => ({
    channels,
    perBuffer,
    // Every channel's last buffer arrives (it ends the channel's stream), the others may be lost.
    kept: Array.from({ length: channels }, (_, c) => Array.from({ length: buffers }, (_, b) => b === buffers - 1 || !drops[c * 12 + b])),
    order: order.map((o) => o % channels),
    window,
  }));

/** The buffers in arrival order: each channel's own in order, channels interleaved as `order` says. */
function arrivals(k: Case): { channel: number; buffer: DecodedBuffer }[] {
  const next = new Array<number>(k.channels).fill(0);
  const out: { channel: number; buffer: DecodedBuffer }[] = [];
  const push = (c: number) => {
    while (next[c] < k.kept[c].length) {
      const b = next[c]++;
      if (!k.kept[c][b]) continue;
      const ref = START + b * k.perBuffer;
      out.push({
        channel: c,
        buffer: dense(
          ref,
          Array.from({ length: k.perBuffer }, (_, i) => valueAt(c, ref + i)),
        ),
      });
      return;
    }
  };
  for (const c of k.order) push(c);
  for (let c = 0; c < k.channels; c++) while (next[c] < k.kept[c].length) push(c);
  return out;
}

/** The model: rows from START to the slowest channel's end (or the window's), a value where its buffer came, NaN elsewhere. */
function model(k: Case): { rows: number[][]; lost: [number, number][] } {
  const buffers = k.kept[0].length;
  let end = START + buffers * k.perBuffer;
  if (k.window !== undefined) end = Math.min(end, START + k.window);
  const rows: number[][] = [];
  const lost: [number, number][] = [];
  for (let f = START; f < end; f++) {
    const b = Math.floor((f - START) / k.perBuffer);
    const row = Array.from({ length: k.channels }, (_, c) => (k.kept[c][b] ? valueAt(c, f) : NaN));
    rows.push(row);
    if (row.some((v) => Number.isNaN(v))) {
      const run = lost[lost.length - 1];
      if (run && run[0] + run[1] === f) run[1]++;
      else lost.push([f, 1]);
    }
  }
  return { rows, lost };
}

function assemble(k: Case): { rows: number[][]; lost: [number, number][]; frames: number[] } {
  const a = new StreamAssembler(
    START,
    Array.from({ length: k.channels }, (_, c) => ({ name: `v${c}`, mode: 'dense' as const })),
    // No hold: rows wait for every channel, so nothing arrives late in this model.
    Number.MAX_SAFE_INTEGER,
    k.window !== undefined ? START + k.window : Infinity,
  );
  const rows: number[][] = [];
  const lost: [number, number][] = [];
  const frames: number[] = [];
  const collect = (flush: boolean) => {
    const got = a.take(flush);
    if (!got) return;
    frames.push(got.frame);
    // A view on the assembler's window, valid until it is handed more: read it now.
    for (let r = 0; r < got.data.length / k.channels; r++) rows.push(Array.from(got.data.subarray(r * k.channels, (r + 1) * k.channels)));
    for (const [from, n] of got.lost) {
      const run = lost[lost.length - 1];
      if (run && run[0] + run[1] === from) run[1] += n;
      else lost.push([from, n]);
    }
  };
  for (const { channel, buffer } of arrivals(k)) {
    a.add(channel, buffer);
    collect(false);
  }
  collect(true);
  return { rows, lost, frames };
}

test('rows and lost runs equal the plain model for any drops and interleaving, with or without a window', (t) => {
  checkProperty(
    t,
    fc.property(cases, (k) => {
      const want = model(k);
      const got = assemble(k);
      assert.deepEqual(got.rows, want.rows);
      assert.deepEqual(got.lost, want.lost);
    }),
    propertyParameters(500),
  );
});

test('a take hands out each row once, in order, and each take begins where the last ended', () => {
  const k: Case = { channels: 2, perBuffer: 4, kept: [Array(6).fill(true), Array(6).fill(true)], order: [0, 1, 1, 0, 0, 1] };
  const got = assemble(k);
  for (let i = 1; i < got.frames.length; i++) assert.ok(got.frames[i] > got.frames[i - 1]);
  assert.equal(got.rows.length, 24);
  assert.deepEqual(
    got.rows.map((r) => r[1] - 1e6),
    Array.from({ length: 24 }, (_, i) => START + i + 0.5),
  );
});
