// (i) Moku stream: realistic mokucli lines (issue 13, item 7): a Moku:Pro's Datalogger with two
// inputs at its 5 MSa/s, `{"time": [...], "ch1": [...], "ch2": [...]}` with a varying number of
// samples per line (1000-4000), the volts in full precision (the simulator's ADC codes times a
// calibrated gain: 16-17 significant digits, as a shortest-round-trip printer writes a device's
// doubles) and time as frame / rate. Ours: MokuLineParser.parse and the float64 ring write, as
// MokuSource does per line. Against JSON.parse of the line and a copy of ch1 and ch2 into an
// interleaved Float64Array for the same ring, in the same run. Both must leave identical rows,
// checked first. CPU time (the VM's two cores are shared), interleaved rounds.
import { native, type NativeRing } from '../src/core/native';
import { MokuLineParser } from '../src/devices/moku/protocol';
import { mokuValue } from '../src/devices/moku/sim-generator';
import { cpuSeconds, type Row } from './report';

const RATE = 5e6;
const CHANNELS = 2;
/** Frames of stream each round parses (a second at 5 MSa/s would be 5 M; this is enough to time). */
const FRAMES = 2_000_000;
const ROUNDS = 5;
/** The target: twice Moku:Pro's 10 MSa/s. */
const TARGET_SAMPLES = 20e6;

function makeLines(frames: number): string[] {
  const lines: string[] = [];
  let seed = 7;
  for (let f = 0; f < frames;) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const n = Math.min(frames - f, 1000 + ((seed >>> 8) % 3001));
    const time: string[] = [];
    const ch1: string[] = [];
    const ch2: string[] = [];
    for (let k = 0; k < n; k++) {
      time.push(String((f + k) / RATE));
      ch1.push(String(mokuValue(0, f + k)));
      ch2.push(String(mokuValue(1, f + k)));
    }
    lines.push(`{"time": [${time.join(', ')}], "ch1": [${ch1.join(', ')}], "ch2": [${ch2.join(', ')}]}`);
    f += n;
  }
  return lines;
}

function feedOurs(lines: readonly string[], ring: NativeRing<'float64'>): number {
  const parser = new MokuLineParser();
  let frames = 0;
  for (const line of lines) {
    const r = parser.parse(line);
    ring.write(parser.values.subarray(0, r.frames * CHANNELS));
    frames += r.frames;
  }
  return frames;
}

function feedJson(lines: readonly string[], ring: NativeRing<'float64'>): number {
  let frames = 0;
  for (const line of lines) {
    const o = JSON.parse(line) as { time: number[]; ch1: number[]; ch2: number[] };
    const n = o.time.length;
    const out = new Float64Array(n * CHANNELS);
    for (let k = 0; k < n; k++) {
      out[2 * k] = o.ch1[k];
      out[2 * k + 1] = o.ch2[k];
    }
    ring.write(out);
    frames += n;
  }
  return frames;
}

function checkSame(lines: readonly string[], frames: number): void {
  const a = new (native().Ring)(CHANNELS, frames, 'float64');
  const b = new (native().Ring)(CHANNELS, frames, 'float64');
  try {
    feedOurs(lines, a);
    feedJson(lines, b);
    const x = a.read(0, frames);
    const y = b.read(0, frames);
    for (let i = 0; i < x.length; i++)
      if (!Object.is(x[i], y[i])) throw new Error(`moku: the two paths disagree at value ${i} (${x[i]} vs ${y[i]})`);
  } finally {
    a.release();
    b.release();
  }
}

export function benchMoku(): { rows: Row[]; verdict: string } {
  const lines = makeLines(FRAMES);
  const megabytes = lines.reduce((n, l) => n + l.length + 1, 0) / 1e6;
  checkSame(
    lines.slice(0, 100),
    lines.slice(0, 100).reduce((n, l) => n + (l.split('], "ch1"')[0].match(/,/g)?.length ?? 0) + 1, 0),
  );
  const ring = new (native().Ring)(CHANNELS, RATE, 'float64');
  const warm = lines.slice(0, 200);
  for (let i = 0; i < 3; i++) {
    feedOurs(warm, ring);
    feedJson(warm, ring);
  }
  const ours: number[] = [];
  const base: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(cpuSeconds(() => feedOurs(lines, ring)));
    base.push(cpuSeconds(() => feedJson(lines, ring)));
  }
  ring.release();
  const samples = FRAMES * CHANNELS;
  // The best round of each: the least disturbed by the other load on the machine.
  const oursRate = samples / Math.min(...ours);
  const baseRate = samples / Math.min(...base);
  const spread = (xs: number[]) => `${(samples / Math.max(...xs) / 1e6).toFixed(1)}–${(samples / Math.min(...xs) / 1e6).toFixed(1)}`;
  const rows: Row[] = [
    {
      name: 'MokuLineParser → float64 ring',
      ours: oursRate / 1e6,
      baseline: baseRate / 1e6,
      baselineName: 'JSON.parse + copy → same ring',
      unit: 'M samples/s (ch1+ch2, CPU time)',
      note: `rounds: ours ${spread(ours)}, JSON.parse ${spread(base)} M samples/s; ${lines.length} lines, ${megabytes.toFixed(1)} MB, ${(FRAMES / 1e6).toFixed(1)} M frames`,
    },
  ];
  const verdict =
    oursRate >= TARGET_SAMPLES
      ? `target ≥ ${TARGET_SAMPLES / 1e6} M samples/s (twice Moku:Pro's 10 MSa/s): met (${(oursRate / 1e6).toFixed(1)} M samples/s, ${(oursRate / CHANNELS / 1e6).toFixed(1)} M frames/s)`
      : `target ≥ ${TARGET_SAMPLES / 1e6} M samples/s (twice Moku:Pro's 10 MSa/s): MISSED (${(oursRate / 1e6).toFixed(1)} M samples/s; ${(oursRate / 10e6).toFixed(2)}× Moku:Pro's 10 MSa/s)`;
  return { rows, verdict };
}
