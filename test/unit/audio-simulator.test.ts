// The audio simulator as a raw socket client sees it: exactly the bytes it promises, in the format
// its URI declares, then a closed connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { audio } from '../../src/devices/audio/family';
import { parseDeviceUri } from '../../src/core/uri';
import { readAudioBytes } from '../../src/devices/audio/file';
import { SampleDecoder } from '../../src/devices/audio/decoder';
import { parseAudioUri } from '../../src/devices/audio/audio-uri';
import type { SampleFormat } from '../../src/devices/audio/format';
import { toneSample } from '../../src/devices/audio/simulator';
import { tmpDir } from '../helpers/tmp';
import { AUDIO_DATA, buildWav, dataChunk, fmtChunk } from '../helpers/audio';

/** Everything a client receives until the server closes the connection. */
function drain(uri: string): Promise<Buffer> {
  const { host, port } = parseDeviceUri(uri);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const socket = net.connect({ host, port: port! });
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts)));
  });
}

/** The format an `audio+tcp:` URI declares. */
function wireFormat(uri: string): SampleFormat {
  const target = parseAudioUri(parseDeviceUri(uri), true);
  if (target.kind !== 'tcp') throw new Error(`${uri} is not a socket URI`);
  return target.format;
}

async function stream(simUri: string): Promise<{ uri: string; bytes: Buffer }> {
  const sim = await audio.simulate(parseDeviceUri(simUri));
  try {
    return { uri: sim.uri, bytes: await drain(sim.uri) };
  } finally {
    await sim.stop();
  }
}

test("file=: the WAV's sample bytes as stored, then the connection closes; the URI declares their format", async () => {
  const file = path.join(AUDIO_DATA, 'pluck-pcm16.wav');
  const { uri, bytes } = await stream(`sim:audio?file=${file}`);
  assert.match(uri, /^audio\+tcp:\/\/127\.0\.0\.1:\d+\?rate=11025&encoding=SPCM&width=2&channels=2&endian=little$/);
  assert.ok(bytes.equals(readAudioBytes(file).bytes));
});

test('file=: a float WAV goes out as 32-bit PCM, padding below the valid bits cleared', async () => {
  const floats = await stream(`sim:audio?file=${path.join(AUDIO_DATA, '32bitIEEE-16kHz-bext-mono.wav')}&seconds=0.05`);
  assert.match(floats.uri, /encoding=SPCM&width=4/);
  const wire = new SampleDecoder(wireFormat(floats.uri)).decode(floats.bytes);
  assert.equal(wire.length, 800, '0.05 s at 16 kHz');
  const stored = readAudioBytes(path.join(AUDIO_DATA, '32bitIEEE-16kHz-bext-mono.wav'));
  const original = new SampleDecoder(stored.info.format).decode(stored.bytes.subarray(0, 3200));
  for (let i = 0; i < 800; i++) assert.ok(Math.abs(wire[i] - Math.max(-1, Math.min(1, original[i]))) <= 2 ** -24, `sample ${i}`);

  const file = path.join(tmpDir(), '12in16.wav');
  fs.writeFileSync(
    file,
    buildWav([
      fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16, extensible: { validBits: 12 } }),
      dataChunk(Buffer.from([0xff, 0x7f, 0x0f, 0x80])),
    ]),
  );
  assert.deepEqual([...(await stream(`sim:audio?file=${file}`)).bytes], [0xf0, 0x7f, 0x00, 0x80]);
});

test('a tone for `seconds`: exactly rate × seconds frames of sines at N × freq, in the declared encoding', async () => {
  const { uri, bytes } = await stream('sim:audio?freq=300&rate=8k&channels=3&encoding=UPCM&width=3&endian=big&seconds=0.1');
  const format = wireFormat(uri);
  assert.deepEqual(format, { encoding: 'UPCM', width: 3, validBits: 24, rate: 8000, channels: 3, endian: 'big' });
  const samples = new SampleDecoder(format).decode(bytes);
  assert.equal(bytes.length, 800 * 3 * 3);
  for (let n = 0; n < 800; n++) {
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(samples[n * 3 + c] - toneSample(n, c, 300, 8000)) <= 2 ** -24, `frame ${n} channel ${c}`);
    }
  }
});

test('what the simulator cannot stream is refused naming the file and why', async () => {
  const dir = tmpDir();
  await assert.rejects(
    audio.simulate(parseDeviceUri(`sim:audio?file=${path.join(dir, 'missing.wav')}`)),
    /cannot stream .*missing\.wav: no such file/,
  );
  const fast = path.join(dir, 'fast.wav');
  fs.writeFileSync(fast, buildWav([fmtChunk({ tag: 1, channels: 1, rate: 96000, bits: 16 }), dataChunk(Buffer.alloc(4))]));
  await assert.rejects(
    audio.simulate(parseDeviceUri(`sim:audio?file=${fast}`)),
    /fast\.wav: it is 96000 Hz, and a raw PCM stream is declared at 8000–48000 Hz/,
  );
});
