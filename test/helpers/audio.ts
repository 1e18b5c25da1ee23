// Audio test material: WAV files built byte by byte (so each case is exactly the structure it
// names), and the independent Python decoder (test/fixtures/audio_reference.py) to judge ours by.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PYTHON } from './python';

export const AUDIO_DATA = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'audio');
const REFERENCE = path.resolve(__dirname, '..', 'fixtures', 'audio_reference.py');

export interface Chunk {
  id: string;
  body: Uint8Array;
  /** Written in the header instead of body.length (to fake truncation or absurd sizes). */
  size?: number;
}

export interface FmtFields {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
  /** Defaults to channels × ceil(bits / 8). */
  blockAlign?: number;
  /** WAVE_FORMAT_EXTENSIBLE around `tag`, with this many valid bits. */
  extensible?: { validBits: number; channelMask?: number };
}

export function fmtChunk(f: FmtFields, bigEndian = false): Chunk {
  const size = f.extensible ? 40 : 16;
  const b = Buffer.alloc(size);
  const u16 = (v: number, at: number) => (bigEndian ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  const u32 = (v: number, at: number) => (bigEndian ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  const blockAlign = f.blockAlign ?? f.channels * Math.ceil(f.bits / 8);
  u16(f.extensible ? 0xfffe : f.tag, 0);
  u16(f.channels, 2);
  u32(f.rate, 4);
  u32(f.rate * blockAlign, 8);
  u16(blockAlign, 12);
  u16(f.bits, 14);
  if (f.extensible) {
    u16(22, 16);
    u16(f.extensible.validBits, 18);
    u32(f.extensible.channelMask ?? 0, 20);
    // KSDATAFORMAT_SUBTYPE_*: Data1 = the tag, then 0000-0010-800000AA00389B71 (fields in file order).
    u32(f.tag, 24);
    u16(0, 28);
    u16(0x10, 30);
    Buffer.from([0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(b, 32);
  }
  return { id: 'fmt ', body: b };
}

/** A RIFF (or RIFX) WAVE file of these chunks in this order, odd sizes padded. */
export function buildWav(chunks: Chunk[], options: { bigEndian?: boolean; riffSize?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const c of chunks) {
    const header = Buffer.alloc(8);
    header.write(c.id, 0, 'latin1');
    const size = c.size ?? c.body.length;
    if (options.bigEndian) header.writeUInt32BE(size, 4);
    else header.writeUInt32LE(size, 4);
    parts.push(header, Buffer.from(c.body));
    if (c.body.length & 1) parts.push(Buffer.alloc(1));
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write(options.bigEndian ? 'RIFX' : 'RIFF', 0, 'latin1');
  const riffSize = options.riffSize ?? 4 + body.length;
  if (options.bigEndian) head.writeUInt32BE(riffSize, 4);
  else head.writeUInt32LE(riffSize, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

export function dataChunk(bytes: Uint8Array): Chunk {
  return { id: 'data', body: bytes };
}

/** Bytes that depend only on `seed` (SHAKE-256 of it), so every run tests the same samples. */
export function seededBytes(length: number, seed: number): Buffer {
  return createHash('shake256', { outputLength: length }).update(`seeded bytes ${seed}`).digest();
}

export type RawSpec = { encoding: string; width: number; channels: number; endian: 'little' | 'big' };

/** Python's decode of a WAV (`wave` + audioop + numpy) or a raw file: float32 samples and facts. */
export function referenceDecode(
  file: string,
  raw?: RawSpec,
): { samples: Float32Array; rate: number | null; channels: number; frames: number; reader: string } {
  const out = `${file}.reference.f32`;
  const args = raw ? ['raw', file, raw.encoding, String(raw.width), String(raw.channels), raw.endian] : ['wav', file];
  const meta = JSON.parse(execFileSync(PYTHON, [REFERENCE, 'decode', out, ...args], { encoding: 'utf8' }));
  const bytes = fs.readFileSync(out);
  fs.rmSync(out);
  const samples = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { samples, ...meta };
}

export interface NpyComparison {
  shape: number[];
  expected: number[];
  equal: boolean;
  mismatches: number;
  first: unknown;
}

/** numpy's np.load of a recording against Python's decode of the source, bit for bit. */
export function referenceCompare(npy: string, file: string, raw?: RawSpec): NpyComparison {
  const args = raw ? ['raw', file, raw.encoding, String(raw.width), String(raw.channels), raw.endian] : ['wav', file];
  return JSON.parse(execFileSync(PYTHON, [REFERENCE, 'compare', npy, ...args], { encoding: 'utf8' }));
}

/** Raw PCM of native int16 `linear` samples encoded by audioop (an encoder that is not ours). */
export function referenceEncode(linear: Int16Array, spec: Omit<RawSpec, 'channels'>, out: string): Buffer {
  const src = `${out}.s16`;
  fs.writeFileSync(src, Buffer.from(linear.buffer, linear.byteOffset, linear.byteLength));
  execFileSync(PYTHON, [REFERENCE, 'encode', out, spec.encoding, String(spec.width), spec.endian, src]);
  fs.rmSync(src);
  return fs.readFileSync(out);
}

/** Index of the first sample whose bits differ (NaN payloads and -0 included), or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
