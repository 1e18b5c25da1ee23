// openRecording: any NPY, CSV or MAT v5 recording as a RecordingReader (types.ts), read by pages.
// Names, units and rate come from the sidecar when it matches the file; when it disagrees (frames,
// channels), that goes into `problems` and the file's own shape wins.
import { findSidecar, formatFromPath } from '../writers/read';
import type { Sidecar, SidecarChannel } from '../writers/sidecar';
import type { RecordingFormat, SampleType, Samples } from '../writers/types';
import { openCsv } from './csv-layout';
import { DEFAULT_PAGE_BYTES, samplesOf } from './file-pages';
import type { FileLayout } from './layout';
import { openMat } from './mat-layout';
import { openNpy } from './npy-layout';
import type { RecordingReader } from './types';

export interface OpenOptions {
  /** Bytes read at a time (tests use small pages to put page edges where they want). */
  pageBytes?: number;
}

export async function openRecording(file: string, options: OpenOptions = {}): Promise<RecordingReader> {
  const pageBytes = options.pageBytes ?? DEFAULT_PAGE_BYTES;
  if (!(Number.isInteger(pageBytes) && pageBytes > 0)) throw new Error(`invalid page size ${pageBytes}`);
  const format = formatFromPath(file);
  let sidecar: Sidecar | undefined;
  const sidecarProblems: string[] = [];
  try {
    sidecar = findSidecar(file);
  } catch (e) {
    sidecarProblems.push(`the sidecar could not be read (${(e as Error).message}): ignored`);
  }
  const layout =
    format === 'npy'
      ? await openNpy(file, pageBytes)
      : format === 'csv'
        ? await openCsv(file, pageBytes, sidecar?.sampleType ?? 'float64')
        : await openMat(file, pageBytes);
  return new Reader(file, layout, sidecar, sidecarProblems);
}

class Reader implements RecordingReader {
  readonly format: RecordingFormat;
  readonly channels: readonly SidecarChannel[];
  readonly rate: number | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly layout: FileLayout,
    readonly sidecar: Sidecar | undefined,
    private readonly sidecarProblems: string[],
  ) {
    this.format = layout.format;
    const fits = sidecar !== undefined && sidecar.channels.length === layout.channelCount;
    if (sidecar && !fits) {
      sidecarProblems.push(
        `the sidecar's ${sidecar.channels.length} channels do not match the file's ${layout.channelCount}: the file's are shown`,
      );
    }
    if (sidecar && sidecar.format !== layout.format)
      sidecarProblems.push(`the sidecar says the file is ${sidecar.format}, it is ${layout.format}`);
    this.channels = fits
      ? sidecar.channels.map((c) => ({ name: c.name, unit: c.unit }))
      : (layout.channels ?? Array.from({ length: layout.channelCount }, (_, i) => ({ name: `ch${i + 1}`, unit: '' })));
    this.rate = (fits ? sidecar.rate : undefined) ?? layout.rate;
  }

  get sampleType(): SampleType {
    return this.layout.sampleType;
  }

  get frames(): number {
    return this.layout.frames;
  }

  get channelCount(): number {
    return this.layout.channelCount;
  }

  get problems(): readonly string[] {
    const problems = [...this.sidecarProblems, ...this.layout.problems];
    const s = this.sidecar;
    // A recording still being written is ahead of its sidecar; only a shortfall in the file is odd then.
    if (s && s.channels.length === this.channelCount && s.frames !== this.frames) {
      problems.push(`the sidecar says ${s.frames} frames, the file holds ${this.frames}: the file's rows are shown`);
    }
    return problems;
  }

  async read(start: number, end: number, channels?: readonly number[]): Promise<Samples> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new Error(`invalid row range [${start}, ${end}) of ${this.path}`);
    }
    if (end > this.frames) throw new Error(`rows [${start}, ${end}) are past the end of ${this.path}, which holds ${this.frames}`);
    const wanted = channels ?? Array.from({ length: this.channelCount }, (_, i) => i);
    for (const c of wanted) {
      if (!Number.isInteger(c) || c < 0 || c >= this.channelCount) {
        throw new Error(`channel index ${c} is out of range: ${this.path} has ${this.channelCount} channels`);
      }
    }
    const out = samplesOf(this.sampleType, (end - start) * wanted.length);
    if (end > start && wanted.length > 0) await this.layout.readInto(start, end, wanted, out);
    return out;
  }

  async refresh(): Promise<number> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    await this.layout.refresh();
    return this.frames;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.layout.close();
  }
}
