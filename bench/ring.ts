// (b) Ring write + read of 64-channel, 32-frame blocks: native ring vs a TypeScript ring on a
// SharedArrayBuffer. Each step writes one block and reads it back (a copy, as a recording does).
import { native } from '../src/core/native';
import { TsRing } from './ts-ring';
import { rate, type Row } from './report';

export function benchRing(): Row[] {
  const channels = 64;
  const frames = 32;
  const capacity = 300_000;
  const block = new Float32Array(frames * channels).map((_, i) => i);
  const out = new Float32Array(frames * channels);
  const mb = (block.byteLength * 2) / 1e6; // written once, read once

  const ring = new (native().Ring)(channels, capacity);
  const ours =
    rate(() => {
      const end = ring.write(block);
      ring.readInto(end - frames, end, out);
    }) * mb;
  const view =
    rate(() => {
      const end = ring.write(block);
      ring.read(end - frames, end);
    }) * mb;
  ring.release();

  const ts = new TsRing(channels, capacity);
  const baseline =
    rate(() => {
      ts.write(block);
      const end = ts.written();
      ts.readInto(end - frames, end, out);
    }) * mb;
  return [
    { name: 'native ring write + readInto (copy)', ours, baseline, baselineName: 'TS ring on SharedArrayBuffer', unit: 'MB/s', target: 2 },
    {
      name: 'native ring write + read (view)',
      ours: view,
      baseline,
      baselineName: 'TS ring on SharedArrayBuffer',
      unit: 'MB/s',
      target: 2,
    },
  ];
}
