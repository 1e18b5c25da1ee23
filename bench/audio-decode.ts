// (f) Audio decode: stored samples → float32 ±1, MB/s of input bytes, for the three encodings the
// issue names, against the obvious decoder: a DataView read per sample (and G.711 computed per
// sample), in the same run on the same bytes. Both must produce identical floats, checked first.
import { SampleDecoder } from '../src/devices/audio/decoder';
import type { SampleFormat } from '../src/devices/audio/format';
import type { Row } from './report';

/**
 * Calls per second of CPU time (best of the round's slices). The development VM's two cores are
 * shared with other work: wall-clock rates there swing by 2× between runs, CPU time much less.
 */
function cpuRate(fn: () => void, ms = 200): number {
  for (let i = 0; i < 20; i++) fn();
  let best = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const before = process.cpuUsage();
    for (let i = 0; i < 10; i++) fn();
    const used = process.cpuUsage(before);
    const seconds = (used.user + used.system) / 1e6;
    if (seconds > 0) best = Math.max(best, 10 / seconds);
  }
  return best;
}

/** 1 MiB of input per call: the file source's unpaced block size. */
const BYTES = 1 << 20;

function naiveUlaw(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/**
 * The decoder one writes first: a DataView read per sample, G.711 computed per sample. Each width
 * has its own loop (no per-sample dispatch), so the baseline is as fast as that approach gets.
 */
function naiveDecode(format: SampleFormat, bytes: Uint8Array, out: Float32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = format.endian === 'little';
  const n = Math.floor(bytes.length / format.width);
  if (format.width === 1) {
    for (let i = 0; i < n; i++) out[i] = naiveUlaw(view.getUint8(i)) / 32768;
  } else if (format.width === 2) {
    for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, little) / 32768;
  } else {
    for (let i = 0; i < n; i++) out[i] = (view.getInt8(i * 3 + 2) * 65536 + view.getUint16(i * 3, true)) / 8388608;
  }
}

export function benchAudioDecode(): Row[] {
  const cases: [string, SampleFormat][] = [
    ['s16 little-endian', { encoding: 'SPCM', width: 2, validBits: 16, channels: 2, rate: 48000, endian: 'little' }],
    ['s24 little-endian', { encoding: 'SPCM', width: 3, validBits: 24, channels: 2, rate: 48000, endian: 'little' }],
    ['µ-law', { encoding: 'ULAW', width: 1, validBits: 8, channels: 1, rate: 8000, endian: 'little' }],
  ];
  const rows: Row[] = [];
  for (const [name, format] of cases) {
    const frameBytes = format.width * format.channels;
    const bytes = new Uint8Array(Math.floor(BYTES / frameBytes) * frameBytes);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const mb = bytes.length / 1e6;
    const decoder = new SampleDecoder(format);
    const ours = new Float32Array(bytes.length / format.width);
    const theirs = new Float32Array(ours.length);
    decoder.decode(bytes, ours);
    naiveDecode(format, bytes, theirs);
    for (let i = 0; i < ours.length; i++) {
      if (!Object.is(ours[i], theirs[i])) throw new Error(`${name}: the decoders disagree at sample ${i} (${ours[i]} vs ${theirs[i]})`);
    }
    // Interleaved rounds, best of each: on a shared machine a burst of load then hits both alike.
    let fast = 0;
    let naive = 0;
    for (let round = 0; round < 3; round++) {
      fast = Math.max(fast, cpuRate(() => decoder.decode(bytes, ours)) * mb);
      naive = Math.max(naive, cpuRate(() => naiveDecode(format, bytes, theirs)) * mb);
    }
    rows.push({
      name: `audio decode ${name} → float32`,
      ours: fast,
      baseline: naive,
      baselineName: 'per-sample DataView decoder',
      unit: 'MB/s (of CPU time)',
    });
  }
  return rows;
}
