// What the recording editor draws from: min/max columns of a file at any zoom, answered as soon as
// the file is open. The pyramid (pyramid.ts) answers every view of a long take in the same few
// milliseconds, but it needs one pass over the whole file first. Until then a view small enough to
// read whole is read (exact, as the pyramid would answer it), and a larger one gets a preview of
// sampled runs (preview.ts) marked provisional, which the page replaces once the pyramid is built.
import { exactColumns, MinMaxPyramid, readsExactly, type PyramidOptions } from './pyramid';
import { previewColumns, previewProbes, type PreviewOptions } from './preview';
import type { MinMaxQuery, MinMaxResult, RecordingReader } from './types';

export type ColumnsAnswer = MinMaxResult & { provisional?: boolean };

export class RecordingColumns {
  private building: Promise<MinMaxPyramid> | undefined;
  private built: MinMaxPyramid | undefined;

  constructor(
    private readonly reader: RecordingReader,
    private readonly options: { pyramid?: PyramidOptions; preview?: PreviewOptions } = {},
  ) {}

  /** True once the pyramid is built: every answer from then on is final. */
  get ready(): boolean {
    return this.built !== undefined;
  }

  /** The pyramid, built once on first need (the options' signal and progress apply). */
  pyramid(): Promise<MinMaxPyramid> {
    if (!this.building) {
      this.building = MinMaxPyramid.build(this.reader, this.options.pyramid).then((p) => (this.built = p));
      // Whoever awaits it hears a failure; a preview answered meanwhile must not leave it unhandled.
      this.building.catch(() => undefined);
    }
    return this.building;
  }

  async query(q: MinMaxQuery): Promise<ColumnsAnswer> {
    if (this.built) return this.built.query(q);
    const probes = previewProbes(this.reader.format, q.columns);
    // The build starts after the first answer: its pages would otherwise share the disk and the
    // thread with the reads that answer, and hold the first traces back.
    const answer = readsExactly(q, this.options.pyramid?.exactSamples)
      ? await exactColumns(this.reader, q)
      : probes > 0
        ? await previewColumns(this.reader, q, { probes, ...this.options.preview })
        : undefined;
    const building = this.pyramid();
    return answer ?? (await building).query(q);
  }

  /** Takes in rows the reader has gained (after reader.refresh()). */
  async extend(): Promise<void> {
    await (await this.pyramid()).extend(this.options.pyramid?.signal);
  }
}
