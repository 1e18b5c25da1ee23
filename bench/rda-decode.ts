// (a) RDA decode into the native ring vs a plain copy of the same bytes vs a pure-TypeScript
// DataView decoder. Both data types; a 64-channel block of 512 points (the size a fast server sends).
import { native } from '../src/core/native';
import { encodeData, encodeStart } from '../src/devices/rda/protocol';
import { TsRdaDecoder } from '../src/devices/rda/tsDecoder';
import { rate, type Row } from './report';

export function benchRdaDecode(): Row[] {
  const channels = 64;
  const points = 512;
  const rows: Row[] = [];
  // float32 at resolution 1.0 is what a server sends when its data is already µV (the decoder
  // copies it); at 0.1 and for int16 every sample is scaled.
  const cases = [
    ['float32', 1],
    ['float32', 0.1],
    ['int16', 0.1],
  ] as const;
  for (const [format, resolution] of cases) {
    const start = encodeStart({
      names: Array.from({ length: channels }, (_, c) => `Ch${c}`),
      intervalUs: 10,
      resolutions: Array(channels).fill(resolution),
    });
    const samples =
      format === 'float32'
        ? new Float32Array(points * channels).map((_, i) => Math.sin(i))
        : new Int16Array(points * channels).map((_, i) => (i * 37) % 30000);
    const message = encodeData({ format, block: 0, channels, samples });
    const mb = message.length / 1e6;

    const ringFrames = points * 64;
    const ring = new (native().Ring)(channels, ringFrames);
    const decoder = new (native().RdaDecoder)();
    decoder.decode(start);
    const ours = rate(() => decoder.decode(message, ring)) * mb;

    // The decoder's stores walk an 8 MB ring, so the copy walks a destination of the same size:
    // copying into one cache-hot buffer would measure the cache, not the copy.
    const target = Buffer.alloc(ringFrames * channels * 4);
    let at = 0;
    const copy =
      rate(() => {
        if (at + message.length > target.length) at = 0;
        message.copy(target, at);
        at += message.length;
      }) * mb;
    const hotTarget = Buffer.alloc(message.length);
    const hot = rate(() => message.copy(hotTarget)) * mb;

    const ts = new TsRdaDecoder();
    ts.decode(start);
    const out = new Float32Array(points * channels);
    const pure = rate(() => ts.decode(message, out)) * mb;
    ring.release();

    const name = `native decode ${format} (resolution ${resolution}) → ring`;
    rows.push({
      name,
      ours,
      baseline: copy,
      baselineName: 'memcpy into an 8 MB ring-sized buffer',
      unit: 'MB/s',
      target: 0.8,
      note: `memcpy into one cache-hot ${(message.length / 1024).toFixed(0)} KB buffer: ${hot.toFixed(0)} MB/s`,
    });
    rows.push({ name, ours, baseline: pure, baselineName: 'pure-TS DataView decoder', unit: 'MB/s', target: 5 });
  }
  return rows;
}
