// HDF5 exports through h5wasm: the samples as one chunked dataset written page by page (the
// dataset grows with each page, so memory stays one page whatever the take's length), with the
// channel names, units, rate, start and markers beside it where h5py, MATLAB's h5read and HDFView
// find them by name:
//   /data                rows × channels, float32 or float64 as the recording holds them
//   /channels/names      one UTF-8 string per column of /data
//   /channels/units      the same for units
//   /markers/{row,time,duration,channel,type,text}   one entry per marker inside the crop;
//                        rows count from the export's first row, time is row / rate in seconds,
//                        channel is '' for a marker on every channel
//   attributes on /:     sampling_rate (Hz), start_time (ISO 8601, of the first row, when known),
//                        source_file and source_first_row (where the rows came from)
import * as path from 'node:path';
import type { Dataset, File as H5File } from 'h5wasm';
import type { Samples } from '../reading/types';
import { h5wasm } from './h5wasm';
import { pages } from './pages';
import { markersWithin, selectionStart } from './selection';
import type { ExportOptions, ExportSelection, ExportSource, FormatWriter } from './types';

/** About 1 MB per chunk: big enough for fast streaming, small enough to read a window cheaply. */
const CHUNK_SAMPLES = 256 * 1024;

/**
 * Streams the selection's samples into a new dataset `name` of `file`. `columns` lays it out
 * channel-major (channels × rows, how MATLAB stores a rows × channels matrix), else row-major.
 * `done` hears the rows written so far after each page.
 */
export async function writeSamples(
  file: H5File,
  name: string,
  source: ExportSource,
  selection: ExportSelection,
  options: ExportOptions,
  layout: 'rows' | 'columns',
  done?: (rows: number) => void,
): Promise<Dataset> {
  const width = selection.channels.length;
  const rows = selection.end - selection.start;
  const float64 = source.reader.sampleType === 'float64';
  const Typed = float64 ? Float64Array : Float32Array;
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(CHUNK_SAMPLES / (layout === 'rows' ? width : 1))));
  const dataset = file.create_dataset({
    name,
    data: new Typed(0),
    dtype: float64 ? '<d' : '<f',
    shape: layout === 'rows' ? [0, width] : [width, 0],
    maxshape: layout === 'rows' ? [null, width] : [width, null],
    chunks: layout === 'rows' ? [chunkRows, width] : [1, chunkRows],
  });
  let scratch = new Typed(0);
  for await (const page of pages(source, selection, options, undefined, done)) {
    const to = page.offset + page.rows;
    if (layout === 'rows') {
      dataset.resize([to, width]);
      dataset.write_slice(
        [
          [page.offset, to],
          [0, width],
        ],
        asTyped(page.data, Typed),
      );
    } else {
      if (scratch.length < page.data.length) scratch = new Typed(page.data.length);
      const out = scratch.subarray(0, page.data.length);
      for (let c = 0; c < width; c++) for (let r = 0; r < page.rows; r++) out[c * page.rows + r] = page.data[r * width + c]!;
      dataset.resize([width, to]);
      dataset.write_slice(
        [
          [0, width],
          [page.offset, to],
        ],
        out,
      );
    }
  }
  return dataset;
}

function asTyped(data: Samples, Typed: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array {
  return data instanceof Typed ? data : Typed.from(data);
}

export const writeHdf5Export: FormatWriter = async (source, selection, target, options) => {
  const h5 = await h5wasm();
  const file = new h5.File(target.file(target.out), 'w');
  try {
    await writeSamples(file, 'data', source, selection, options, 'rows');
    const channels = file.create_group('channels');
    channels.create_dataset({ name: 'names', data: selection.channels.map((c) => source.channels[c]!.name) });
    channels.create_dataset({ name: 'units', data: selection.channels.map((c) => source.channels[c]!.unit) });

    const markers = markersWithin(source, selection);
    const group = file.create_group('markers');
    group.create_dataset({ name: 'row', data: BigInt64Array.from(markers, (m) => BigInt(m.row)) });
    if (source.rate) group.create_dataset({ name: 'time', data: Float64Array.from(markers, (m) => m.row / source.rate!) });
    group.create_dataset({ name: 'duration', data: BigInt64Array.from(markers, (m) => BigInt(m.duration)) });
    for (const key of ['channel', 'type', 'text'] as const)
      group.create_dataset({ name: key, data: markers.map((m) => m[key] ?? ''), dtype: 'S' });

    if (source.rate) file.create_attribute('sampling_rate', new Float64Array([source.rate]), [], '<d');
    const start = selectionStart(source, selection);
    if (start) file.create_attribute('start_time', start.toISOString());
    file.create_attribute('source_file', path.basename(source.reader.path));
    file.create_attribute('source_first_row', new Float64Array([selection.start]), [], '<d');
  } finally {
    file.close();
  }
};
