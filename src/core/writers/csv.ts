// CSV recordings: `time_s,<channels>` then one row per frame. Rows are built into large strings
// and written in chunks; only whole rows ever reach the file, so it is valid after every flush.
import * as fs from 'node:fs';
import { writeAt } from './npy';
import { requireSampleType, type FrameWriter, type Samples, type SampleType } from './types';
import { closeDurably, cutBack } from './fileio';

const FLUSH_CHARS = 4 << 20;

/** RFC 4180: quote a field holding a separator, quote or line break; double inner quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// Powers of ten a double holds exactly: dividing an integer by one is a correctly rounded decimal.
const MIN_NORMAL_FLOAT32 = 2 ** -126;
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * A short decimal that reads back as the same float32 (numpy's loadtxt reads nan/inf/-inf).
 * String(x) of the widened value needs up to 17 digits; float32 never needs more than 9.
 */
export function formatFloat32(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  // Round to p significant digits in double arithmetic (toPrecision is several times slower).
  // Whatever rounding error that carries, a candidate is only taken if it reads back as x, and
  // String() of a double reads back as that same double.
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  // With 24 significand bits, 1 to 5 digits round-trip only if 6 do with trailing zeros, so
  // those are skipped; subnormals carry fewer bits and try them all.
  const skipTo6 = Math.abs(x) >= MIN_NORMAL_FLOAT32;
  for (let p = 1; p <= 9; p = p < 6 && skipTo6 ? 6 : p + 1) {
    const k = p - 1 - exponent;
    const candidate =
      k > 22 || k < -22
        ? +`${Math.round(x * 10 ** k)}e${-k}` // tiny or huge: let the parser round the decimal
        : k >= 0
          ? Math.round(x * POW10[k]) / POW10[k]
          : Math.round(x / POW10[-k]) * POW10[-k];
    if (Math.fround(candidate) === x) return String(candidate);
  }
  return String(+x.toPrecision(9));
}

/** A double as the shortest decimal that reads back as it (what String gives), numpy's nan/inf. */
export function formatFloat64(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return Object.is(x, -0) ? '-0' : String(x);
}

export class CsvWriter implements FrameWriter {
  readonly format = 'csv' as const;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private rows = 0;
  /** Rows in the file: `rows` less those still pending. */
  private writtenRows = 0;
  private position = 0;

  constructor(
    readonly path: string,
    private readonly channels: readonly string[],
    private readonly rate: number,
    readonly sampleType: SampleType = 'float32',
  ) {
    this.fd = fs.openSync(path, 'w');
    this.write(['time_s', ...channels].map(csvField).join(',') + '\n');
  }

  get frames(): number {
    return this.rows;
  }

  append(frames: Samples, firstFrame: number): void {
    this.open();
    requireSampleType(frames, this.sampleType, this.path);
    const format = this.sampleType === 'float64' ? formatFloat64 : formatFloat32;
    const width = this.channels.length;
    if (frames.length % width !== 0) {
      throw new Error(`${frames.length} samples is not a whole number of ${width}-channel frames`);
    }
    const count = frames.length / width;
    let chunk = '';
    for (let i = 0, k = 0; i < count; i++) {
      let row = String((firstFrame + i) / this.rate);
      for (let c = 0; c < width; c++, k++) row += ',' + format(frames[k]);
      chunk += row + '\n';
    }
    this.pending.push(chunk);
    this.pendingChars += chunk.length;
    this.rows += count;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    this.open();
    if (this.pending.length === 0) return;
    this.write(this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    try {
      closeDurably(fd, () => this.flush());
    } finally {
      this.fd = undefined;
    }
  }

  private write(text: string): void {
    const fd = this.open();
    const bytes = Buffer.from(text, 'utf8');
    try {
      writeAt(fd, bytes, bytes.length, this.position);
    } catch (error) {
      // A full disk (or any failed write) can take part of the chunk: a cut-off last row that no
      // CSV reader accepts. The file goes back to its last whole row, and the rows that never
      // reached it are no longer counted, so the sidecar says what the file holds.
      cutBack(fd, this.position, error as Error);
      this.pending = [];
      this.pendingChars = 0;
      this.rows = this.writtenRows;
      throw error;
    }
    this.position += bytes.length;
    // Every write but the header's is a flush of all pending rows.
    this.writtenRows = this.rows;
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return this.fd;
  }
}
