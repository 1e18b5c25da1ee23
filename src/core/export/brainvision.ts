// BrainVision (.vhdr/.vmrk/.eeg): IEEE_FLOAT_32, multiplexed, resolution 1 (the samples in their
// own units), streamed page by page into the .eeg; the .vmrk opens with a New Segment carrying the
// start time, then the markers (their channel when it is among those exported).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NEW_SEGMENT, vhdrText, vmrkText, type VmrkMarker } from '../formats/brainvision-text';
import { pages } from './pages';
import { markersWithin, selectionStart } from './selection';
import type { FormatWriter } from './types';

export const writeBrainVisionExport: FormatWriter = async (source, selection, target, options) => {
  const rate = source.rate;
  if (!(rate !== undefined && rate > 0)) throw new Error('BrainVision needs the recording’s sample rate, and this one has none');
  const { channels } = selection;
  const finalVhdr = target.out;
  const base = path.basename(finalVhdr).replace(/\.vhdr$/i, '');
  const sibling = (ext: string) => path.join(path.dirname(finalVhdr), `${base}${ext}`);
  const names = channels.map((c) => source.channels[c]!.name);

  const eeg = fs.openSync(target.file(sibling('.eeg')), 'w');
  try {
    for await (const { data } of pages(source, selection, options)) {
      const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
      fs.writeSync(eeg, new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength));
    }
  } finally {
    fs.closeSync(eeg);
  }

  const markers: VmrkMarker[] = [{ type: NEW_SEGMENT, description: '', position: 0, points: 1, channel: -1 }];
  for (const m of markersWithin(source, selection)) {
    markers.push({
      type: m.type,
      description: m.text,
      position: m.row,
      points: Math.max(1, m.duration),
      channel: m.channel === null ? -1 : names.indexOf(m.channel),
    });
  }
  fs.writeFileSync(target.file(sibling('.vmrk')), vmrkText(base, markers, selectionStart(source, selection)), 'utf8');
  fs.writeFileSync(
    target.file(finalVhdr),
    vhdrText({
      base,
      orientation: 'MULTIPLEXED',
      binaryFormat: 'IEEE_FLOAT_32',
      intervalUs: 1e6 / rate,
      channels: channels.map((c) => ({ name: source.channels[c]!.name, resolution: 1, unit: source.channels[c]!.unit })),
    }),
    'utf8',
  );
};
