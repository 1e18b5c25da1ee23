// The smallest WAV there is (PCM 16-bit), for tests that need files to play rather than files
// that probe the parser (those pick their chunks themselves with audio.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildWav, dataChunk, fmtChunk } from './audio';

/** Writes `frames` frames of 16-bit PCM at `rate` Hz; sample i of channel c is ((i * 7 + c * 1000) % 20000) - 10000. */
export function writePcm16Wav(file: string, frames: number, rate = 8000, channels = 1): Int16Array {
  const samples = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) samples[i * channels + c] = ((i * 7 + c * 1000) % 20000) - 10000;
  const data = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, buildWav([fmtChunk({ tag: 1, channels, rate, bits: 16 }), dataChunk(data)]));
  return samples;
}
