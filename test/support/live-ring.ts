// A live stream over a real native ring, as the scope reads a session's: `write(n)` appends n
// frames of `value(frame, channel)`, `source` is the ScopeSource over it. Shared by the scope
// feed's tests and the bytes-per-frame benchmark.
import { native } from '../../src/core/native';
import type { ScopeSource } from '../../src/core/scope-feed';

export function liveRing(channels: number, capacity: number, value: (frame: number, channel: number) => number, rate = 1000) {
  const addon = native();
  const ring = new addon.Ring(channels, capacity);
  let written = 0;
  const write = (frames: number) => {
    if (frames <= 0) return;
    const data = new Float32Array(frames * channels);
    for (let f = 0; f < frames; f++) for (let c = 0; c < channels; c++) data[f * channels + c] = value(written + f, c);
    ring.write(data);
    written += frames;
  };
  const source: ScopeSource = {
    channels: Array.from({ length: channels }, (_, c) => ({ name: `c${c}`, unit: 'V' })),
    rate,
    get lastSample() {
      return written;
    },
    get oldestSample() {
      return ring.oldest();
    },
    markers: [],
    decimate: (a, b, n, out) => addon.decimateMinMax(ring, a, b, n, out),
    sentAt: () => undefined,
    getData: (a, b) => {
      try {
        return ring.read(a, b);
      } catch {
        return null;
      }
    },
  };
  return { write, source, written: () => written, release: () => ring.release() };
}
