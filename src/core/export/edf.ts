// EDF+ and BDF+ (continuous), streamed page by page: a first pass finds each channel's physical
// range (the header must state it before the data), a second writes data records of 16-bit (EDF)
// or 24-bit (BDF) integers with an annotations signal carrying the markers as TALs. The last
// record is padded with each channel's last sample (EDF holds whole records only); the header's
// record count and duration say exactly how long the data is, and the caller is told the padding.
import * as fs from 'node:fs';
import { native } from '../native';
import { defaultPageRows, pages } from './pages';
import { markersWithin, selectionStart } from './selection';
import type { ExportOptions, ExportSelection, ExportSource, ExportTarget } from './types';

interface Flavour {
  /** The 8-byte version field. */
  version: Buffer;
  reserved: string;
  annotationLabel: string;
  bytesPerSample: number;
  digitalMin: number;
  digitalMax: number;
}

const EDF: Flavour = {
  version: Buffer.from('0       ', 'ascii'),
  reserved: 'EDF+C',
  annotationLabel: 'EDF Annotations',
  bytesPerSample: 2,
  digitalMin: -32768,
  digitalMax: 32767,
};
const BDF: Flavour = {
  version: Buffer.concat([Buffer.from([0xff]), Buffer.from('BIOSEMI', 'ascii')]),
  reserved: 'BDF+C',
  annotationLabel: 'BDF Annotations',
  bytesPerSample: 3,
  digitalMin: -8388608,
  digitalMax: 8388607,
};

/** Seconds per data record: the shortest of 1…100 s holding a whole number of samples. */
export function recordSeconds(rate: number): number {
  for (let d = 1; d <= 100; d++) if (Math.abs(rate * d - Math.round(rate * d)) < 1e-6) return d;
  throw new Error(`EDF needs a whole number of samples per data record; ${rate} Hz has none in 1…100 s`);
}

/** A header field: printable ASCII only (µ becomes u, as EDF+ spells micro), padded to `width`. */
function field(text: string, width: number): string {
  const ascii = text.replace(/[µμ]/g, 'u').replace(/[^\x20-\x7e]/g, '_');
  return ascii.slice(0, width).padEnd(width, ' ');
}

/** A number in at most 8 characters, rounded away from the range's inside (`down` for a minimum). */
export function edfNumber(x: number, down: boolean): string {
  for (let digits = 8; digits >= 1; digits--) {
    const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.max(Math.abs(x), 1e-300))));
    const rounded = (down ? Math.floor(x * scale) : Math.ceil(x * scale)) / scale;
    let text = String(Number(rounded.toPrecision(digits)));
    if (text.includes('e')) text = rounded.toFixed(0);
    if (text.length <= 8 && (down ? Number(text) <= x : Number(text) >= x)) return text;
  }
  throw new Error(`${x} does not fit an EDF header field (8 characters)`);
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const two = (n: number) => String(n).padStart(2, '0');

/** One marker as a TAL: `+onset[\x15duration]\x14text\x14\x00`. */
function tal(onset: number, duration: number, text: string): Buffer {
  const d = duration > 0 ? `\x15${duration}` : '';
  return Buffer.from(`+${onset}${d}\x14${[...text].map((ch) => (ch.charCodeAt(0) < 0x20 ? ' ' : ch)).join('')}\x14\x00`, 'utf8');
}

async function writeEdfLike(
  flavour: Flavour,
  source: ExportSource,
  selection: ExportSelection,
  target: ExportTarget,
  options: ExportOptions,
): Promise<void> {
  const rate = source.rate;
  if (!(rate !== undefined && rate > 0)) throw new Error('EDF and BDF need the recording’s sample rate, and this one has none');
  const { start, end, channels } = selection;
  const rows = end - start;
  const n = channels.length;
  const duration = recordSeconds(rate);
  const perRecord = Math.round(rate * duration);
  const records = Math.ceil(rows / perRecord);
  const pageRows = options.pageRows ?? defaultPageRows(n);
  // Progress is one count over both passes: the range pass is the first half of the rows.
  const half = (passed: number, done: number) => options.onProgress?.(Math.floor((passed + done) / 2), rows);

  // Pass 1: each channel's range, so every sample fits the digital range. The native min/max
  // kernel skips NaN as the data pass does; its float32 result is within an ulp of a float64
  // channel's extreme, far below a digital step, and the data pass clamps whatever is outside.
  const lo = new Float64Array(n).fill(Infinity);
  const hi = new Float64Array(n).fill(-Infinity);
  const range = new Float32Array(2 * n);
  for await (const { data } of pages(source, selection, options, pageRows, (done) => half(0, done))) {
    native().minMaxColumns(data, n, 1, range);
    for (let c = 0; c < n; c++) {
      const a = range[2 * c]!;
      const b = range[2 * c + 1]!;
      if (a < lo[c]!) lo[c] = a;
      if (b > hi[c]!) hi[c] = b;
    }
  }
  const physMin: string[] = [];
  const physMax: string[] = [];
  for (let c = 0; c < n; c++) {
    let a = lo[c]!;
    let b = hi[c]!;
    if (!(a <= b)) [a, b] = [-1, 1]; // no numbers at all
    if (a === b) [a, b] = [a - 1, b + 1];
    physMin.push(edfNumber(a, true));
    physMax.push(edfNumber(b, false));
  }

  // The header's start is whole seconds; EDF+ puts the rest in the first record's time-keeping
  // TAL, and every onset counts from the header's start.
  const began = selectionStart(source, selection)?.getTime() ?? NaN;
  const valid = Number.isFinite(began);
  const d = new Date(valid ? Math.floor(began / 1000) * 1000 : Date.UTC(1985, 0, 1));
  const lead = valid ? (began - d.getTime()) / 1000 : 0;
  const seconds = (x: number) => Number((lead + x).toFixed(7));

  // Markers per record, then the annotation signal's size: the fullest record's TALs.
  const inRecord: Buffer[][] = Array.from({ length: records }, () => []);
  for (const m of markersWithin(source, selection)) {
    const k = Math.floor(m.row / perRecord);
    const text = m.text ? (m.type && m.type !== 'Comment' ? `${m.type}/${m.text}` : m.text) : m.type;
    inRecord[k]!.push(tal(seconds(m.row / rate), m.duration / rate, m.channel ? `${text} (${m.channel})` : text));
  }
  const keeping = (k: number) => Buffer.from(`+${seconds(k * duration)}\x14\x14\x00`, 'ascii');
  let annotationBytes = 0;
  for (let k = 0; k < records; k++)
    annotationBytes = Math.max(annotationBytes, keeping(k).length + inRecord[k]!.reduce((s, b) => s + b.length, 0));
  const annotationSamples = Math.ceil(Math.max(annotationBytes, 64) / flavour.bytesPerSample);

  // The header.
  const signals = n + 1;
  const startDate = `${two(d.getUTCDate())}.${two(d.getUTCMonth() + 1)}.${two(d.getUTCFullYear() % 100)}`;
  const startClock = `${two(d.getUTCHours())}.${two(d.getUTCMinutes())}.${two(d.getUTCSeconds())}`;
  const recordingId = valid
    ? `Startdate ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} X X Labscope`
    : 'Startdate X X X Labscope';
  const names = channels.map((c) => source.channels[c]!.name);
  const units = channels.map((c) => source.channels[c]!.unit);
  const per = (values: string[], width: number) => values.map((v) => field(v, width)).join('');
  const header =
    field('X X X X', 80) +
    field(recordingId, 80) +
    startDate +
    startClock +
    field(String(256 * (signals + 1)), 8) +
    field(flavour.reserved, 44) +
    field(String(records), 8) +
    field(String(duration), 8) +
    field(String(signals), 4) +
    per([...names, flavour.annotationLabel], 16) +
    per([...names.map(() => ''), ''], 80) +
    per([...units, ''], 8) +
    per([...physMin, '-1'], 8) +
    per([...physMax, '1'], 8) +
    per([...names.map(() => String(flavour.digitalMin)), String(flavour.digitalMin)], 8) +
    per([...names.map(() => String(flavour.digitalMax)), String(flavour.digitalMax)], 8) +
    per([...names.map(() => ''), ''], 80) +
    per([...names.map(() => String(perRecord)), String(annotationSamples)], 8) +
    per([...names.map(() => ''), ''], 32);

  const file = target.file(target.out);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, Buffer.concat([flavour.version, Buffer.from(header, 'ascii')]));
    const scale = new Float64Array(n);
    const offset = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const pmin = Number(physMin[c]);
      const pmax = Number(physMax[c]);
      scale[c] = (flavour.digitalMax - flavour.digitalMin) / (pmax - pmin);
      offset[c] = flavour.digitalMin - pmin * scale[c]!;
    }
    const B = flavour.bytesPerSample;
    const recordBytes = (n * perRecord + annotationSamples) * B;
    const last = new Float64Array(n);
    // Pass 2: records, read a page of whole records at a time.
    const recordsPerPage = Math.max(1, Math.floor(pageRows / perRecord));
    const physLow = physMin.map(Number);
    for await (const page of pages(source, selection, options, recordsPerPage * perRecord, (done) => half(rows, done))) {
      const x = page.data;
      const k0 = page.offset / perRecord;
      const count = Math.ceil(page.rows / perRecord);
      const out = Buffer.alloc(count * recordBytes);
      for (let k = 0; k < count; k++) {
        const base = k * recordBytes;
        for (let c = 0; c < n; c++) {
          const s = scale[c]!;
          const o = offset[c]!;
          let at = base + c * perRecord * B;
          for (let i = 0; i < perRecord; i++, at += B) {
            const row = k * perRecord + i;
            let v = row < page.rows ? x[row * n + c]! : last[c]!;
            if (row < page.rows) last[c] = v;
            if (Number.isNaN(v)) v = physLow[c]!;
            const digital = Math.max(flavour.digitalMin, Math.min(flavour.digitalMax, Math.round(v * s + o)));
            // Little-endian two's complement by hand: Buffer's writeInt*LE checks each call.
            out[at] = digital & 0xff;
            out[at + 1] = (digital >> 8) & 0xff;
            if (B === 3) out[at + 2] = (digital >> 16) & 0xff;
          }
        }
        Buffer.concat([keeping(k0 + k), ...inRecord[k0 + k]!]).copy(out, base + n * perRecord * B);
      }
      fs.writeSync(fd, out);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export const writeEdf = (source: ExportSource, selection: ExportSelection, target: ExportTarget, options: ExportOptions) =>
  writeEdfLike(EDF, source, selection, target, options);
export const writeBdf = (source: ExportSource, selection: ExportSelection, target: ExportTarget, options: ExportOptions) =>
  writeEdfLike(BDF, source, selection, target, options);
