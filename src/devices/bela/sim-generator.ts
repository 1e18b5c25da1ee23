// The values a simulated Bela project gives its watchers, frame by frame: the same deterministic
// generator as bela-board's "all-types" project (projects/all-types/render.cpp) and its analog
// input (shim/BoardGen.h), so a test computes what any frame of any watcher holds.
import type { TimestampMode, WatcherType } from './protocol';

/** A watcher of the simulated project: what it is, and what the program sets it to at frame F. */
export interface SimWatcher {
  name: string;
  type: WatcherType;
  mode: TimestampMode;
  /** The value the program sets at frame F (only read on frames where `sets(F)`). */
  value(frame: number): number;
  /** Whether the program sets the variable at frame F; default every frame. */
  sets?(frame: number): boolean;
}

const TWO_32 = 4294967296;

/** all-types's value of a variable of `type` at frame F (render.cpp). */
export function allTypesValue(type: WatcherType, frame: number): number {
  switch (type) {
    case 'c':
      return frame % 128;
    case 'i':
      return (frame % 200000) - 100000;
    case 'j':
      // (unsigned)(F * 2654435761u): only F mod 2^32 matters.
      return Math.imul((frame % TWO_32) | 0, 2654435761 | 0) >>> 0;
    case 'f':
      return Math.fround((frame % 65536) / 64);
    case 'd':
      return frame * 0.5 + 0.25;
  }
}

/** all-types sets its *_sparse watchers only on these frames. */
export const allTypesSparseSets = (frame: number): boolean => frame % 7 === 0 || frame % 11 === 0;

const ANALOG_PERIOD = [441, 2205, 1000, 2205, 97, 2205, 22050, 2205];
const ANALOG_STEP = [1, 3, 1, 7, 1, 16, 1, 64];

/** bela-board's analog input channel c at analog frame k (BoardGen.h analog()), exact in float32. */
export function analogInput(seed: number, channel: number, k: number): number {
  const i = channel % 8;
  if (channel % 2 === 0) {
    const period = ANALOG_PERIOD[i];
    const phase = (seed * 7919 + channel * 101) % period;
    const m = (k + phase) % period;
    const x = 32767 * Math.sin((2 * Math.PI * m) / period);
    const q = Math.sign(x) * Math.round(Math.abs(x)); // lround: half away from zero
    return Math.fround((q + 32768) / 65536);
  }
  const phase = (seed * 7919 + channel * 101) % 65536;
  return Math.fround(((k * ANALOG_STEP[i] + phase) % 65536) / 65536);
}

/**
 * all-types's watchers in the board's order (their buffer IDs): {c,i,j,f,d}_dense, {c,i,j,f,d}_sparse
 * and a0 (analog input 0, set every audio frame, changing every 2 frames at 8 analog channels).
 */
export function allTypesWatchers(seed = 0): SimWatcher[] {
  const types: WatcherType[] = ['c', 'i', 'j', 'f', 'd'];
  return [
    ...types.map((type): SimWatcher => ({ name: `${type}_dense`, type, mode: 'dense', value: (f) => allTypesValue(type, f) })),
    ...types.map((type): SimWatcher => ({
      name: `${type}_sparse`,
      type,
      mode: 'sparse',
      value: (f) => allTypesValue(type, f),
      sets: allTypesSparseSets,
    })),
    { name: 'a0', type: 'f', mode: 'dense', value: (f) => analogInput(seed, 0, Math.floor(f / 2)) },
  ];
}

/**
 * JSON as Bela's SimpleJSON writes it: compact, object keys sorted, numbers to 15 significant
 * digits, `/` escaped as `\/`.
 */
export function belaJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'null';
    return String(Number(v.toPrecision(15)));
  }
  if (typeof v === 'string') return JSON.stringify(v).replace(/\//g, '\\/');
  if (Array.isArray(v)) return `[${v.map(belaJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${belaJson(k)}:${belaJson(o[k])}`)
    .join(',')}}`;
}
