// CSV files by pages: `time_s,<name [unit]>…` as our CsvWriter writes, then one row per frame.
// One streaming pass counts rows, checks every row has the header's number of fields, and keeps
// the byte offset of every INDEX_STRIDE-th row, so read(start, end) seeks instead of scanning.
// refresh() continues that pass from where it stopped (a recording still being written).
import * as fs from 'node:fs/promises';
import type { SidecarChannel } from '../writers/sidecar';
import type { SampleType, Samples } from '../writers/types';
import { parseCsvRecord } from '../writers/read';
import { readUpTo } from './file-pages';
import type { FileLayout } from './layout';

/** Rows between two indexed offsets: a read starts at most this many rows early. */
export const INDEX_STRIDE = 1024;
const SCAN_BYTES = 1 << 20;
const NL = 0x0a;
const COMMA = 0x2c;

export async function openCsv(file: string, pageBytes: number, sampleType: SampleType): Promise<FileLayout> {
  const handle = await fs.open(file, 'r');
  try {
    const layout = new CsvLayout(file, handle, pageBytes, sampleType);
    await layout.open();
    return layout;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** One CSV record from the start of `text` (RFC 4180 quotes); fields and the index after its line break. */
function headerRecord(text: string): { fields: string[]; end: number } | undefined {
  const record = parseCsvRecord(text);
  return record.complete ? record : undefined;
}

/** `O2 [%]` → name O2, unit %: the CSV writer's way of keeping units in the header. */
function splitUnit(field: string): SidecarChannel {
  const m = /^(.*\S)\s*\[([^\]]*)\]$/.exec(field);
  return m ? { name: m[1], unit: m[2] } : { name: field, unit: '' };
}

/** numpy's loadtxt words for the non-finite values the writer prints; '' is a missing value. */
function parseValue(text: string): number {
  const v = Number(text);
  if (v === v && text.trim() !== '') return v;
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return NaN;
}

class CsvLayout implements FileLayout {
  readonly format = 'csv' as const;
  frames = 0;
  channelCount = 0;
  channels: SidecarChannel[] = [];
  rate: number | undefined;
  problems: string[] = [];
  /** Columns per row in the file (the time column included, when there is one). */
  private fields = 0;
  private timeColumn = false;
  /** offsets[k]: byte offset of row k * INDEX_STRIDE. */
  private readonly offsets: number[] = [];
  /** Where the pass stopped: the byte after the last complete row. */
  private scanned = 0;
  private firstTimes: number[] = [];

  constructor(
    private readonly file: string,
    private readonly handle: fs.FileHandle,
    private readonly pageBytes: number,
    readonly sampleType: SampleType,
  ) {}

  async open(): Promise<void> {
    const head = (await readUpTo(this.handle, SCAN_BYTES, 0)).toString('utf8');
    const record = headerRecord(head);
    if (!record) throw new Error(`${this.file}: no complete header line (an empty or cut-off CSV)`);
    this.timeColumn = /^time/i.test(record.fields[0]);
    const names = this.timeColumn ? record.fields.slice(1) : record.fields;
    if (names.length === 0) throw new Error(`${this.file}: the header names no channels`);
    this.fields = record.fields.length;
    this.channelCount = names.length;
    this.channels = names.map(splitUnit);
    this.scanned = Buffer.byteLength(head.slice(0, record.end));
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const chunk = Buffer.alloc(SCAN_BYTES);
    let position = this.scanned;
    let rows = this.frames;
    let fieldsInRow = 1;
    let rowStart = position;
    let tail = 0;
    for (;;) {
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const b = chunk[i];
        if (b === COMMA) fieldsInRow++;
        else if (b === NL) {
          if (fieldsInRow !== this.fields) {
            // Line numbers count from 1 and the header is line 1.
            throw new Error(`${this.file}: line ${rows + 2} has ${fieldsInRow} fields, the header has ${this.fields} (ragged rows)`);
          }
          if (rows % INDEX_STRIDE === 0) this.offsets[rows / INDEX_STRIDE] = rowStart;
          if (this.timeColumn && this.firstTimes.length < 2) this.firstTimes.push(await this.timeAt(rowStart));
          rows++;
          fieldsInRow = 1;
          rowStart = position + i + 1;
        }
      }
      position += bytesRead;
      tail = position - rowStart;
    }
    this.frames = rows;
    this.scanned = rowStart;
    this.problems = tail > 0 ? [`the last row is incomplete (${tail} bytes without a line break): left out`] : [];
    if (this.firstTimes.length === 2 && this.firstTimes[1] > this.firstTimes[0]) this.rate = 1 / (this.firstTimes[1] - this.firstTimes[0]);
  }

  private async timeAt(offset: number): Promise<number> {
    const text = (await readUpTo(this.handle, 64, offset)).toString('latin1');
    return parseValue(text.slice(0, text.search(/[,\n]/)));
  }

  async readInto(start: number, end: number, channels: readonly number[], out: Samples): Promise<void> {
    const skip = this.timeColumn ? 1 : 0;
    const n = channels.length;
    // Which channel slot each file column fills (-1: not wanted).
    const slot = new Int32Array(this.fields).fill(-1);
    channels.forEach((c, i) => (slot[c + skip] = i));
    let row = Math.floor(start / INDEX_STRIDE) * INDEX_STRIDE;
    let position = this.offsets[row / INDEX_STRIDE];
    let carry = '';
    while (row < end) {
      const bytes = await readUpTo(this.handle, this.pageBytes, position);
      if (bytes.length === 0) throw new Error(`${this.file} ends before row ${row} (truncated since it was opened?)`);
      position += bytes.length;
      const text = carry + bytes.toString('latin1');
      let lineStart = 0;
      for (let nl = text.indexOf('\n'); nl !== -1 && row < end; nl = text.indexOf('\n', lineStart)) {
        if (row >= start) {
          const base = (row - start) * n;
          let col = 0;
          let fieldStart = lineStart;
          for (let i = lineStart; i <= nl; i++) {
            if (i === nl || text.charCodeAt(i) === COMMA) {
              const s = slot[col];
              if (s >= 0) out[base + s] = parseValue(text.slice(fieldStart, i));
              col++;
              fieldStart = i + 1;
            }
          }
        }
        row++;
        lineStart = nl + 1;
      }
      carry = text.slice(lineStart);
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
