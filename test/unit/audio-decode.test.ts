// Samples: G.711 against audioop, the ±1 scaling at its edges, raw files in every encoding and
// byte order against Python, streams cut anywhere, and the declared parameters of raw sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { SampleDecoder } from '../../src/devices/audio/decoder';
import { encodeSamples } from '../../src/devices/audio/encoder';
import { FrameAssembler } from '../../src/devices/audio/frame-assembler';
import { readAudioFile } from '../../src/devices/audio/file';
import { AudioFormatError, type SampleFormat } from '../../src/devices/audio/format';
import { ALAW_TO_LINEAR, linearToAlaw, linearToUlaw, ULAW_TO_LINEAR } from '../../src/devices/audio/g711';
import { checkRawParams, parseRate } from '../../src/devices/audio/raw-params';
import { checkProperty, propertyParameters } from '../support/property';
import { PYTHON } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { firstBitDifference, referenceDecode, referenceEncode, seededBytes, type RawSpec } from '../helpers/audio';

const fmt = (f: Partial<SampleFormat>): SampleFormat => {
  const width = f.width ?? 2;
  return { encoding: 'SPCM', width, validBits: width * 8, channels: 1, rate: 8000, endian: 'little', ...f };
};

test('G.711 expansion of all 256 codes, and compression of all 65536 linear values, match audioop', () => {
  const script = `
import sys, json, warnings
warnings.filterwarnings('ignore')
import audioop, array
codes = bytes(range(256))
lin = array.array('h', range(-32768, 32768)).tobytes()
print(json.dumps({
  'ulaw': list(array.array('h', audioop.ulaw2lin(codes, 2))),
  'alaw': list(array.array('h', audioop.alaw2lin(codes, 2))),
  'toUlaw': list(audioop.lin2ulaw(lin, 2)),
  'toAlaw': list(audioop.lin2alaw(lin, 2)),
}))`;
  const ref = JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 24 }));
  assert.deepEqual([...ULAW_TO_LINEAR], ref.ulaw);
  assert.deepEqual([...ALAW_TO_LINEAR], ref.alaw);
  const toUlaw = Array.from({ length: 65536 }, (_, i) => linearToUlaw(i - 32768));
  const toAlaw = Array.from({ length: 65536 }, (_, i) => linearToAlaw(i - 32768));
  assert.deepEqual(toUlaw, ref.toUlaw);
  assert.deepEqual(toAlaw, ref.toAlaw);
  // The ends of the scale, as G.711 defines them.
  assert.equal(Math.max(...ULAW_TO_LINEAR), 32124);
  assert.equal(Math.min(...ALAW_TO_LINEAR), -32256);
});

test('scaling: full scale is ±1 (the positive end one step short), zero is zero', () => {
  const cases: [Partial<SampleFormat>, number[], number[]][] = [
    [{ encoding: 'UPCM', width: 1 }, [0, 128, 255], [-1, 0, 127 / 128]],
    [{ encoding: 'SPCM', width: 1 }, [0x80, 0, 0x7f], [-1, 0, 127 / 128]],
    [{ encoding: 'SPCM', width: 2 }, [0x00, 0x80, 0, 0, 0xff, 0x7f], [-1, 0, 32767 / 32768]],
    [{ encoding: 'UPCM', width: 2 }, [0, 0, 0, 0x80, 0xff, 0xff], [-1, 0, 32767 / 32768]],
    [{ encoding: 'SPCM', width: 3 }, [0, 0, 0x80, 1, 0, 0, 0xff, 0xff, 0xff], [-1, 2 ** -23, -(2 ** -23)]],
    [{ encoding: 'UPCM', width: 3 }, [0, 0, 0, 0, 0, 0x80], [-1, 0]],
    // s32 full scale has more bits than float32: it rounds to 1.
    [{ encoding: 'SPCM', width: 4 }, [0, 0, 0, 0x80, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f], [-1, 2 ** -15, 1]],
    [{ encoding: 'UPCM', width: 4 }, [0, 0, 0, 0, 0, 0, 0, 0x80], [-1, 0]],
    [{ encoding: 'SPCM', width: 2, endian: 'big' }, [0x80, 0x00, 0x00, 0x01], [-1, 2 ** -15]],
    [{ encoding: 'ULAW', width: 1 }, [0x00, 0x80, 0xff, 0x7f], [-32124 / 32768, 32124 / 32768, 0, 0]],
    [{ encoding: 'ALAW', width: 1 }, [0xd5, 0x55, 0x2a, 0xaa], [8 / 32768, -8 / 32768, -32256 / 32768, 32256 / 32768]],
  ];
  for (const [f, bytes, want] of cases) {
    assert.deepEqual(
      [...new SampleDecoder(fmt(f)).decode(Uint8Array.from(bytes))],
      want.map((v) => Math.fround(v)),
      JSON.stringify(f),
    );
  }
});

test('input at any byte offset (pooled Buffers are not aligned) decodes the same', () => {
  const formats = [
    fmt({ width: 2 }),
    fmt({ width: 3 }),
    fmt({ width: 4 }),
    fmt({ encoding: 'UPCM', width: 2 }),
    fmt({ encoding: 'UPCM', width: 3 }),
    fmt({ encoding: 'ULAW', width: 1 }),
    fmt({ encoding: 'FLOAT', width: 4 }),
    fmt({ encoding: 'FLOAT', width: 8 }),
    fmt({ width: 4, endian: 'big' }),
  ];
  for (const f of formats) {
    // 8 × 67 bytes: whole samples of every width, and a count that is not a multiple of 4.
    const bytes = seededBytes(8 * 67, 21);
    if (f.encoding === 'FLOAT') new DataView(bytes.buffer, bytes.byteOffset).setFloat64(0, 0.5, true);
    const aligned = new SampleDecoder(f).decode(new Uint8Array(bytes));
    for (const shift of [1, 2, 3, 5]) {
      const shifted = new Uint8Array(bytes.length + shift);
      shifted.set(bytes, shift);
      assert.equal(
        firstBitDifference(new SampleDecoder(f).decode(shifted.subarray(shift)), aligned),
        -1,
        `${JSON.stringify(f)} at +${shift}`,
      );
    }
  }
});

const RAW_CASES: RawSpec[] = [];
for (const endian of ['little', 'big'] as const) {
  for (const [encoding, width] of [
    ['SPCM', 1],
    ['SPCM', 2],
    ['SPCM', 3],
    ['SPCM', 4],
    ['UPCM', 1],
    ['UPCM', 2],
    ['UPCM', 3],
    ['UPCM', 4],
    ['ULAW', 1],
    ['ALAW', 1],
  ] as const) {
    RAW_CASES.push({ encoding, width, channels: width === 3 ? 3 : 2, endian });
  }
}

test('raw PCM files in each encoding and byte order decode as Python decodes them', () => {
  const dir = tmpDir();
  for (const [i, spec] of RAW_CASES.entries()) {
    const file = path.join(dir, `raw-${spec.encoding}-${spec.width}-${spec.endian}.pcm`);
    // An odd tail that is not a whole frame: both decoders drop it.
    // 101 frames leave a few samples after the last group of four the fast kernels take at once.
    fs.writeFileSync(file, seededBytes(spec.width * spec.channels * 101 + 1, 100 + i));
    const ours = readAudioFile(file, {
      rate: '16k',
      encoding: spec.encoding,
      width: String(spec.width),
      channels: String(spec.channels),
      endian: spec.endian,
    });
    const ref = referenceDecode(file, spec);
    assert.equal(ours.info.frames, 101);
    assert.equal(ours.info.source.trailingBytes, 1);
    const at = firstBitDifference(ours.samples, ref.samples);
    assert.equal(at, -1, `${JSON.stringify(spec)}: sample ${at} is ${ours.samples[at]}, Python says ${ref.samples[at]}`);
  }
});

test("what audioop encodes from a signal, we decode back to that signal (within the code's step)", () => {
  const dir = tmpDir();
  const linear = Int16Array.from({ length: 2000 }, (_, n) => Math.round(20000 * Math.sin(n / 7) + 3000 * Math.sin(n / 1.3)));
  for (const spec of RAW_CASES.filter((s) => s.channels !== 3)) {
    const file = path.join(dir, `enc-${spec.encoding}-${spec.width}-${spec.endian}.pcm`);
    const bytes = referenceEncode(linear, spec, file);
    const decoded = new SampleDecoder(fmt({ ...spec, channels: 1, encoding: spec.encoding as SampleFormat['encoding'] })).decode(bytes);
    // G.711's largest step near full scale is 1024 (µ-law) / 1024 (A-law) in 16-bit units; 8-bit PCM's is 256.
    const tolerance = spec.encoding === 'ULAW' || spec.encoding === 'ALAW' ? 1024 / 32768 : spec.width === 1 ? 256 / 32768 : 0;
    for (let n = 0; n < linear.length; n++) {
      const err = Math.abs(decoded[n] - linear[n] / 32768);
      if (err > tolerance) assert.fail(`${JSON.stringify(spec)}: sample ${n} decoded ${decoded[n]}, encoded from ${linear[n] / 32768}`);
    }
  }
});

test("our encoder (the simulator's wire) and decoder round-trip every representable value", (t) => {
  const formats = (['little', 'big'] as const).flatMap((endian) =>
    (
      [
        ['SPCM', 1],
        ['SPCM', 2],
        ['SPCM', 3],
        ['SPCM', 4],
        ['UPCM', 1],
        ['UPCM', 2],
        ['UPCM', 3],
        ['FLOAT', 4],
        ['FLOAT', 8],
      ] as const
    ).map(([encoding, width]) => fmt({ encoding, width, endian, channels: 2 })),
  );
  // Stereo frames of 24-bit values, cut to the format's resolution: every value it can represent in [-1, 1).
  const frames = fc.array(fc.tuple(fc.integer({ min: -(2 ** 23), max: 2 ** 23 - 1 }), fc.integer({ min: -(2 ** 23), max: 2 ** 23 - 1 })), {
    maxLength: 100,
  });
  checkProperty(
    t,
    fc.property(fc.constantFrom(...formats), frames, (f, pairs) => {
      const bits = Math.min(f.width * 8, 24);
      const values = Float32Array.from([-(2 ** 23), 0, ...pairs.flat()], (v) => Math.floor(v / 2 ** (24 - bits)) / 2 ** (bits - 1));
      assert.deepEqual(new SampleDecoder(f).decode(encodeSamples(values, f)), values, `${f.encoding} ${f.width} ${f.endian}`);
    }),
    propertyParameters(500),
  );
  for (const endian of ['little', 'big'] as const) {
    for (const encoding of ['ULAW', 'ALAW'] as const) {
      const f = fmt({ encoding, width: 1, endian });
      const table = encoding === 'ULAW' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
      const values = Float32Array.from(table, (v) => v / 32768);
      assert.deepEqual(new SampleDecoder(f).decode(encodeSamples(values, f)), values, encoding);
    }
  }
  // Clipping at full scale, NaN as silence.
  const clipped = new SampleDecoder(fmt({ width: 2 })).decode(encodeSamples(Float32Array.from([2, -2, NaN]), fmt({ width: 2 })));
  assert.deepEqual([...clipped], [32767 / 32768, -1, 0]);
});

test('a stream cut anywhere (mid-sample, mid-frame, byte by byte) decodes as if whole', (t) => {
  const f = fmt({ width: 3, channels: 3, endian: 'big' });
  const bytes = seededBytes(9 * 500, 5);
  const whole = new SampleDecoder(f).decode(bytes);
  // The stream in pieces of these sizes, over and over; the examples always run: byte by byte,
  // pieces of 2, 4, 9 (a frame) and 10, and a mix.
  const pieces = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 20 });
  checkProperty(
    t,
    fc.property(pieces, (sizes) => {
      const assembler = new FrameAssembler(new SampleDecoder(f));
      const got: number[] = [];
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = sizes[k % sizes.length];
        got.push(...assembler.push(bytes.subarray(at, at + n)));
        at += n;
      }
      assert.equal(assembler.pending, 0);
      assert.deepEqual(Float32Array.from(got), whole);
    }),
    propertyParameters(200, { examples: [[[1]], [[2]], [[4]], [[9]], [[10]], [[64, 1, 3]]] }),
  );
  const assembler = new FrameAssembler(new SampleDecoder(f));
  assembler.push(bytes.subarray(0, 13));
  assert.equal(assembler.pending, 4, 'a partial frame waits');
});

test('raw parameters: rates as 16000 or 16k, encodings, widths, channels and endian', () => {
  assert.equal(parseRate('16000'), 16000);
  assert.equal(parseRate('16k'), 16000);
  assert.equal(parseRate('44.1k'), 44100);
  assert.equal(parseRate('11.025K'), 11025);
  assert.equal(parseRate('8000'), 8000);
  assert.equal(parseRate('48k'), 48000);
  assert.deepEqual(checkRawParams({ rate: '8k', encoding: 'ulaw' }, true), {
    encoding: 'ULAW',
    width: 1,
    validBits: 8,
    rate: 8000,
    channels: 1,
    endian: 'little',
  });
  assert.deepEqual(checkRawParams({ rate: '22050', encoding: 'UPCM', width: '3', channels: '4', endian: 'BIG' }, true), {
    encoding: 'UPCM',
    width: 3,
    validBits: 24,
    rate: 22050,
    channels: 4,
    endian: 'big',
  });
  assert.deepEqual(checkRawParams({ encoding: 'ALAW', width: '1' }, false), { encoding: 'ALAW', width: 1 });
});

test('missing or contradictory raw parameters are refused naming the field', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ encoding: 'SPCM', width: '2' }, /^rate is required for a headerless source/],
    [{ rate: '16k', width: '2' }, /^encoding is required for a headerless source/],
    [{ rate: '16k', encoding: 'SPCM' }, /^width is required for SPCM/],
    [{ rate: '16k', encoding: 'UPCM' }, /^width is required for UPCM/],
    [{ rate: '16k', encoding: 'ULAW', width: '2' }, /^width=2 contradicts encoding=ULAW: µ-law samples are 1 byte/],
    [{ rate: '16k', encoding: 'ALAW', width: '3' }, /^width=3 contradicts encoding=ALAW/],
    [{ rate: '96k', encoding: 'SPCM', width: '2' }, /^rate=96k is outside 8000–48000 Hz/],
    [{ rate: '7999', encoding: 'SPCM', width: '2' }, /^rate=7999 is outside/],
    [{ rate: '16.5', encoding: 'SPCM', width: '2' }, /^rate="16.5" is not a sample rate in Hz/],
    [{ rate: 'fast', encoding: 'SPCM', width: '2' }, /^rate="fast" is not a sample rate/],
    [{ rate: '16k', encoding: 'PCM16', width: '2' }, /^encoding="PCM16" is not one of SPCM, UPCM, ULAW, ALAW/],
    [{ rate: '16k', encoding: 'SPCM', width: '5' }, /^width="5" is not a whole number from 1 to 4/],
    [{ rate: '16k', encoding: 'SPCM', width: '2', channels: '0' }, /^channels="0" is not a whole number from 1 to 1024/],
    [{ rate: '16k', encoding: 'SPCM', width: '2', channels: '1.5' }, /^channels="1.5"/],
    [{ rate: '16k', encoding: 'SPCM', width: '2', endian: 'middle' }, /^endian="middle" is not little or big/],
  ];
  for (const [params, message] of cases) {
    assert.throws(
      () => checkRawParams(params, true),
      (e: Error) => e instanceof AudioFormatError && message.test(e.message),
      JSON.stringify(params),
    );
  }
});

test('a raw file without its parameters says it was taken as raw, and which field is missing', () => {
  const file = path.join(tmpDir(), 'x.pcm');
  fs.writeFileSync(file, Buffer.alloc(100));
  assert.throws(
    () => readAudioFile(file, { encoding: 'SPCM', width: '2' }),
    /no RIFF\/RIFX header, so it is read as raw PCM, and rate is required/,
  );
});
