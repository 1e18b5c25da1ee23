// WAV files decoded sample-exact against Python's wave/audioop/numpy: the shared real files, then
// generated ones for every structure the parser must handle, then the ways files go wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAudioFile, probeAudioFile } from '../../src/devices/audio/file';
import { bufferSource, parseWav } from '../../src/devices/audio/wav';
import { SampleDecoder } from '../../src/devices/audio/decoder';
import { AudioFormatError } from '../../src/devices/audio/format';
import { fuzz, fuzzInputs, REPLAYING } from '../support/property';
import { tmpDir } from '../helpers/tmp';
import { AUDIO_DATA, buildWav, dataChunk, firstBitDifference, fmtChunk, referenceDecode, seededBytes, type Chunk } from '../helpers/audio';

/** What SOURCES.md says each shared file is, so a decoder that agrees with Python on nothing still fails. */
const SHARED: Record<string, { rate: number; channels: number; frames: number; encoding: string; width: number }> = {
  'pluck-pcm8.wav': { rate: 11025, channels: 2, frames: 3307, encoding: 'UPCM', width: 1 },
  'pluck-pcm16.wav': { rate: 11025, channels: 2, frames: 3307, encoding: 'SPCM', width: 2 },
  'pluck-pcm24.wav': { rate: 11025, channels: 2, frames: 3307, encoding: 'SPCM', width: 3 },
  'pluck-pcm32.wav': { rate: 11025, channels: 2, frames: 3307, encoding: 'SPCM', width: 4 },
  '8bit-mulaw-8kHz-noBext-mono-encoded.wav': { rate: 8000, channels: 1, frames: 48000, encoding: 'ULAW', width: 1 },
  '8bit-alaw-8kHz-noBext-mono-encoded.wav': { rate: 8000, channels: 1, frames: 48000, encoding: 'ALAW', width: 1 },
  '32bitIEEE-16kHz-bext-mono.wav': { rate: 16000, channels: 1, frames: 27429, encoding: 'FLOAT', width: 4 },
};

function assertSameAsPython(file: string, label = path.basename(file)): ReturnType<typeof readAudioFile> {
  const ours = readAudioFile(file);
  const ref = referenceDecode(file);
  assert.equal(ours.info.format.rate, ref.rate, `${label}: rate`);
  assert.equal(ours.info.format.channels, ref.channels, `${label}: channels`);
  assert.equal(ours.info.frames, ref.frames, `${label}: frames`);
  const at = firstBitDifference(ours.samples, ref.samples);
  assert.equal(at, -1, `${label}: sample ${at} is ${ours.samples[at]}, Python says ${ref.samples[at]}`);
  return ours;
}

test('every shared WAV file decodes to exactly what Python decodes', () => {
  const files = fs
    .readdirSync(AUDIO_DATA)
    .filter((f) => f.endsWith('.wav'))
    .sort();
  assert.deepEqual(files, Object.keys(SHARED).sort(), 'a shared file without an expectation here, or one gone');
  for (const name of files) {
    const { info, samples } = assertSameAsPython(path.join(AUDIO_DATA, name));
    const want = SHARED[name];
    assert.deepEqual(
      {
        rate: info.format.rate,
        channels: info.format.channels,
        frames: info.frames,
        encoding: info.format.encoding,
        width: info.format.width,
      },
      want,
      name,
    );
    assert.ok(
      samples.some((v) => v !== 0),
      `${name}: all silence`,
    );
  }
});

test('Python read the plain PCM files with its wave module, the others by walking their chunks', () => {
  assert.equal(referenceDecode(path.join(AUDIO_DATA, 'pluck-pcm16.wav')).reader, 'wave');
  assert.equal(referenceDecode(path.join(AUDIO_DATA, '8bit-mulaw-8kHz-noBext-mono-encoded.wav')).reader, 'chunks');
});

test("the shared files' other chunks are skipped wherever they are", () => {
  const ids = (name: string) => parseWav(bufferSource(fs.readFileSync(path.join(AUDIO_DATA, name)))).chunks.map((c) => c.id);
  assert.deepEqual(ids('pluck-pcm16.wav'), ['fmt ', 'LIST', 'data']);
  assert.deepEqual(ids('8bit-mulaw-8kHz-noBext-mono-encoded.wav'), ['fmt ', 'fact', 'data']);
  assert.deepEqual(ids('32bitIEEE-16kHz-bext-mono.wav'), ['fmt ', 'bext', 'junk', 'data']);
});

function floats(values: number[], bigEndian: boolean): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => (bigEndian ? b.writeFloatBE(v, i * 4) : b.writeFloatLE(v, i * 4)));
  return b;
}

const FLOAT_VALUES = [0, -0, 0.5, -0.25, 1, -1, 1.5, -3.25, 1e-30, Infinity, -Infinity, 0.1, 2 ** -24, 123.456];

/** Generated files: [name, chunks, big-endian, expected format facts]. */
const GENERATED: [string, Chunk[], boolean, { encoding: string; width: number; validBits: number; endian: string }][] = [
  [
    'RIFX big-endian s16 stereo',
    [fmtChunk({ tag: 1, channels: 2, rate: 22050, bits: 16 }, true), dataChunk(seededBytes(400, 1))],
    true,
    { encoding: 'SPCM', width: 2, validBits: 16, endian: 'big' },
  ],
  [
    'RIFX big-endian s24 mono',
    [fmtChunk({ tag: 1, channels: 1, rate: 48000, bits: 24 }, true), dataChunk(seededBytes(300, 2))],
    true,
    { encoding: 'SPCM', width: 3, validBits: 24, endian: 'big' },
  ],
  [
    'RIFX big-endian s32',
    [fmtChunk({ tag: 1, channels: 2, rate: 8000, bits: 32 }, true), dataChunk(seededBytes(400, 3))],
    true,
    { encoding: 'SPCM', width: 4, validBits: 32, endian: 'big' },
  ],
  [
    'RIFX big-endian float32',
    [fmtChunk({ tag: 3, channels: 2, rate: 16000, bits: 32 }, true), dataChunk(floats(FLOAT_VALUES, true))],
    true,
    { encoding: 'FLOAT', width: 4, validBits: 32, endian: 'big' },
  ],
  [
    'EXTENSIBLE 12 valid bits in 16 (padding bits set, to be ignored)',
    [
      fmtChunk({ tag: 1, channels: 2, rate: 16000, bits: 16, extensible: { validBits: 12, channelMask: 3 } }),
      dataChunk(seededBytes(400, 4)),
    ],
    false,
    { encoding: 'SPCM', width: 2, validBits: 12, endian: 'little' },
  ],
  [
    'EXTENSIBLE 20 valid bits in 24',
    [fmtChunk({ tag: 1, channels: 3, rate: 44100, bits: 24, extensible: { validBits: 20 } }), dataChunk(seededBytes(360, 5))],
    false,
    { encoding: 'SPCM', width: 3, validBits: 20, endian: 'little' },
  ],
  [
    'EXTENSIBLE 24 valid bits in 32',
    [fmtChunk({ tag: 1, channels: 2, rate: 96000, bits: 32, extensible: { validBits: 24 } }), dataChunk(seededBytes(400, 6))],
    false,
    { encoding: 'SPCM', width: 4, validBits: 24, endian: 'little' },
  ],
  [
    'EXTENSIBLE float32',
    [fmtChunk({ tag: 3, channels: 1, rate: 16000, bits: 32, extensible: { validBits: 32 } }), dataChunk(floats(FLOAT_VALUES, false))],
    false,
    { encoding: 'FLOAT', width: 4, validBits: 32, endian: 'little' },
  ],
  [
    'EXTENSIBLE µ-law',
    [fmtChunk({ tag: 7, channels: 1, rate: 8000, bits: 8, extensible: { validBits: 8 } }), dataChunk(seededBytes(256, 7))],
    false,
    { encoding: 'ULAW', width: 1, validBits: 8, endian: 'little' },
  ],
  [
    'EXTENSIBLE A-law in RIFX',
    [fmtChunk({ tag: 6, channels: 2, rate: 8000, bits: 8, extensible: { validBits: 8 } }, true), dataChunk(seededBytes(256, 8))],
    true,
    { encoding: 'ALAW', width: 1, validBits: 8, endian: 'big' },
  ],
  [
    'unsigned 8-bit, odd number of bytes (padded), chunk after it',
    [fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 8 }), dataChunk(seededBytes(255, 9)), { id: 'LIST', body: Buffer.from('INFOxyz') }],
    false,
    { encoding: 'UPCM', width: 1, validBits: 8, endian: 'little' },
  ],
  [
    'odd-sized chunks before fmt and between fmt and data',
    [
      { id: 'JUNK', body: Buffer.from('abc') },
      fmtChunk({ tag: 1, channels: 2, rate: 32000, bits: 16 }),
      { id: 'bext', body: Buffer.from('12345') },
      { id: 'fact', body: Buffer.from([1, 0, 0, 0]) },
      { id: 'x\u00ff\u0001 ', body: Buffer.alloc(1) },
      dataChunk(seededBytes(404, 10)),
    ],
    false,
    { encoding: 'SPCM', width: 2, validBits: 16, endian: 'little' },
  ],
  [
    '12-bit plain PCM (not EXTENSIBLE): container of 2 bytes',
    [fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 12 }), dataChunk(seededBytes(200, 11))],
    false,
    { encoding: 'SPCM', width: 2, validBits: 12, endian: 'little' },
  ],
];

test('generated WAVs (RIFX, EXTENSIBLE with fewer valid bits, u8, odd chunks) decode as Python decodes them', () => {
  const dir = tmpDir();
  for (const [name, chunks, bigEndian, want] of GENERATED) {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.wav`);
    fs.writeFileSync(file, buildWav(chunks, { bigEndian }));
    const { info } = assertSameAsPython(file, name);
    const { encoding, width, validBits, endian } = info.format;
    assert.deepEqual({ encoding, width, validBits, endian }, want, name);
  }
});

test('valid bits: the padding below them is ignored, so 12-in-16 values are multiples of 2^-11', () => {
  const data = Buffer.from([0xff, 0x7f, 0x0f, 0x80, 0x01, 0x00]);
  const wav = buildWav([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16, extensible: { validBits: 12 } }), dataChunk(data)]);
  const info = parseWav(bufferSource(wav));
  const samples = new SampleDecoder(info.format).decode(wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes));
  assert.deepEqual([...samples], [0x7ff0 / 32768, -0x8000 / 32768, 0]);
});

test('a data chunk with a partial last frame: whole frames only, the rest noted', () => {
  const wav = buildWav([fmtChunk({ tag: 1, channels: 2, rate: 8000, bits: 16 }), dataChunk(seededBytes(4 * 10 + 3, 12))]);
  const info = parseWav(bufferSource(wav));
  assert.equal(info.frames, 10);
  assert.equal(info.dataBytes, 40);
  assert.equal(info.trailingBytes, 3);
});

test('a RIFF size that disagrees with the file is not trusted; the chunks are', () => {
  const wav = buildWav([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }), dataChunk(seededBytes(100, 13))], { riffSize: 0 });
  assert.equal(parseWav(bufferSource(wav)).frames, 50);
});

const fmt16 = () => fmtChunk({ tag: 1, channels: 2, rate: 8000, bits: 16 });

const BAD: [string, () => Uint8Array, RegExp][] = [
  [
    'truncated data chunk',
    () => buildWav([fmt16(), dataChunk(seededBytes(100, 1))]).subarray(0, 100),
    /truncated data chunk: it says 100 bytes at offset 44, but only 56 follow/,
  ],
  [
    'truncated chunk before the data',
    () => buildWav([fmt16(), { id: 'LIST', body: Buffer.alloc(50) }]).subarray(0, 60),
    /chunk "LIST" at offset 36 says it is 50 bytes, but only 16 follow/,
  ],
  [
    'absurd chunk size',
    () => buildWav([fmt16(), { id: 'bext', body: Buffer.alloc(8), size: 0xffffffff }, dataChunk(Buffer.alloc(4))]),
    /chunk "bext" .* says it is 4294967295 bytes/,
  ],
  [
    'absurd data size',
    () => buildWav([fmt16(), { id: 'data', body: Buffer.alloc(8), size: 0x7fffffff }]),
    /truncated data chunk: it says 2147483647 bytes/,
  ],
  [
    'fmt after data',
    () => buildWav([dataChunk(Buffer.alloc(8)), fmt16()]),
    /the fmt chunk \(offset 28\) comes after the data chunk \(offset 12\)/,
  ],
  ['no fmt at all', () => buildWav([dataChunk(Buffer.alloc(8))]), /data chunk \(offset 12\) has no fmt chunk before it/],
  ['no data', () => buildWav([fmt16()]), /no data chunk/],
  ['not RIFF', () => Buffer.from('OggS\0\0\0\0WAVEfmt '), /not a WAV file: it starts with "OggS"/],
  ['not WAVE', () => Buffer.from('RIFF\x04\0\0\0AVI '), /form type is "AVI ", not "WAVE"/],
  ['too short', () => Buffer.from('RIFF'), /too short for a RIFF header/],
  [
    'fmt too short',
    () => buildWav([{ id: 'fmt ', body: Buffer.alloc(14) }, dataChunk(Buffer.alloc(4))]),
    /fmt chunk \(offset 12\) is 14 bytes; at least 16/,
  ],
  [
    'channels 0',
    () => buildWav([fmtChunk({ tag: 1, channels: 0, rate: 8000, bits: 16, blockAlign: 2 }), dataChunk(Buffer.alloc(4))]),
    /channels is 0/,
  ],
  ['rate 0', () => buildWav([fmtChunk({ tag: 1, channels: 1, rate: 0, bits: 16 }), dataChunk(Buffer.alloc(4))]), /sample rate 0 Hz/],
  [
    'blockAlign contradicts',
    () => buildWav([fmtChunk({ tag: 1, channels: 2, rate: 8000, bits: 16, blockAlign: 3 }), dataChunk(Buffer.alloc(4))]),
    /blockAlign is 3, but 2 channels of 2-byte samples make 4/,
  ],
  [
    'ADPCM',
    () => buildWav([fmtChunk({ tag: 2, channels: 1, rate: 8000, bits: 4, blockAlign: 1 }), dataChunk(Buffer.alloc(4))]),
    /format tag 0x0002 \(Microsoft ADPCM\) is not supported/,
  ],
  [
    '16-bit µ-law',
    () => buildWav([fmtChunk({ tag: 7, channels: 1, rate: 8000, bits: 16 }), dataChunk(Buffer.alloc(4))]),
    /µ-law samples must be 8 bits, not 16/,
  ],
  [
    '24-bit float',
    () => buildWav([fmtChunk({ tag: 3, channels: 1, rate: 8000, bits: 24 }), dataChunk(Buffer.alloc(6))]),
    /IEEE float samples must be 32 or 64 bits, not 24/,
  ],
  [
    'valid bits above the container',
    () => buildWav([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16, extensible: { validBits: 20 } }), dataChunk(Buffer.alloc(4))]),
    /20 valid bits do not fit the 16-bit container/,
  ],
  [
    'unknown EXTENSIBLE sub-format',
    () => {
      const f = fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16, extensible: { validBits: 16 } });
      f.body[39] ^= 0xff;
      return buildWav([f, dataChunk(Buffer.alloc(4))]);
    },
    /unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID 01000000000010008000..aa00389b8e/,
  ],
  ['two fmt chunks', () => buildWav([fmt16(), fmt16(), dataChunk(Buffer.alloc(4))]), /a second fmt chunk at offset 36/],
  [
    'endless empty chunks',
    () => buildWav(Array.from({ length: 10_001 }, () => ({ id: 'JUNK', body: Buffer.alloc(0) }))),
    /more than 10000 chunks before any data chunk/,
  ],
];

test('broken WAVs are refused with a message naming the chunk or field', () => {
  for (const [name, bytes, message] of BAD) {
    assert.throws(
      () => parseWav(bufferSource(bytes())),
      (e: Error) => e instanceof AudioFormatError && message.test(e.message),
      name,
    );
  }
});

test("a file's errors come with the file, and declared parameters may not contradict its header", () => {
  const dir = tmpDir();
  const file = path.join(dir, 'cut.wav');
  fs.writeFileSync(file, buildWav([fmt16(), dataChunk(seededBytes(100, 1))]).subarray(0, 90));
  assert.throws(() => probeAudioFile(file), /truncated data chunk/);
  const pluck = path.join(AUDIO_DATA, 'pluck-pcm16.wav');
  assert.equal(probeAudioFile(pluck, { rate: '11025', channels: '2', encoding: 'SPCM', width: '2', endian: 'little' }).frames, 3307);
  assert.throws(() => probeAudioFile(pluck, { rate: '16k' }), /rate=16k contradicts the WAV header \(rate 11025\)/);
  assert.throws(() => probeAudioFile(pluck, { channels: '1' }), /channels=1 contradicts the WAV header \(channels 2\)/);
  assert.throws(() => probeAudioFile(pluck, { encoding: 'ULAW' }), /encoding=ULAW contradicts the WAV header/);
});

/** The shared files cut down to their headers and a few frames (sizes patched), plus the generated ones. */
function corpus(): Uint8Array[] {
  const small = fs.readdirSync(AUDIO_DATA).map((name) => {
    const bytes = fs.readFileSync(path.join(AUDIO_DATA, name));
    const info = parseWav(bufferSource(bytes));
    const keep = Math.min(info.dataBytes, 8 * info.format.width * info.format.channels);
    const cut = Buffer.from(bytes.subarray(0, info.dataOffset + keep));
    cut.writeUInt32LE(keep, info.dataOffset - 4);
    return cut;
  });
  return [
    ...small,
    ...GENERATED.map(([, chunks, bigEndian]) =>
      buildWav(
        chunks.map((c) => (c.id === 'data' ? dataChunk(c.body.subarray(0, 24)) : c)),
        { bigEndian },
      ),
    ),
  ];
}

test('fuzzed WAVs: parsed and decoded, or refused with an AudioFormatError, never anything else', (t) => {
  const seeds = corpus();
  for (const seed of seeds) parseWav(bufferSource(seed));
  let parsed = 0;
  let refused = 0;
  const tried = fuzz(t, 'wav files', fuzzInputs(seeds), (input) => {
    let info;
    try {
      info = parseWav(bufferSource(input));
    } catch (error) {
      if (!(error instanceof AudioFormatError) || !error.message) throw error;
      refused++;
      return;
    }
    parsed++;
    assert.ok(info.dataOffset + info.dataBytes <= input.length, 'data beyond the input');
    assert.equal(info.dataBytes % (info.format.width * info.format.channels), 0);
    const samples = new SampleDecoder(info.format).decode(input.subarray(info.dataOffset, info.dataOffset + info.dataBytes));
    assert.equal(samples.length, info.frames * info.format.channels);
    if (info.format.encoding !== 'FLOAT') {
      // Not [-1, 1): s32 near full scale has more bits than float32 and rounds up to 1.
      for (const v of samples) if (!(v >= -1 && v <= 1)) throw new Error(`integer sample ${v} outside [-1, 1]`);
    }
  });
  t.diagnostic(`parsed ${parsed}, refused ${refused}`);
  // A fuzzer that never got past the parser, or never made it refuse, would test nothing.
  if (!REPLAYING) assert.ok(parsed > tried / 20 && refused > tried / 20, `parsed ${parsed}, refused ${refused} of ${tried}`);
});
