// Audio end to end through a Session: raw PCM from a socket, cut at awkward places, recorded to NPY
// and compared by numpy with its own decode of the same bytes; the simulator's WAV and tone
// streams; a file played in real time; a refused connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Session } from '../../src/core/session';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { toneSample } from '../../src/devices/audio/simulator';
import { tmpDir } from '../helpers/tmp';
import { AUDIO_DATA, referenceCompare, seededBytes, type RawSpec } from '../helpers/audio';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do

/** A server that sends `bytes` to its first client in pieces of 1–13 bytes (splitting samples and frames), then closes. */
async function trickleServer(bytes: Buffer) {
  const server = net.createServer(async (socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let at = 0;
    let n = 0;
    while (at < bytes.length && !socket.destroyed) {
      const size = 1 + ((n++ * 7) % 13);
      socket.write(bytes.subarray(at, at + size));
      at += size;
      // A turn of the event loop between pieces, so they leave as separate segments.
      if (n % 4 === 0) await new Promise((r) => setImmediate(r));
    }
    socket.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function stateBecomes(session: Session, state: string, timeoutMs = 10_000): Promise<void> {
  if (session.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still ${session.state}, not ${state}, after ${timeoutMs} ms`)), timeoutMs);
    session.on('state', (s: string) => {
      if (s !== state) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

async function recordAll(session: Session, out: string) {
  await session.connect();
  const ended = session.recordingEnded();
  await session.startRecording(out, { format: 'npy', fromFrame: 0 });
  return ended;
}

test('raw PCM from a socket, in pieces that split samples, recorded to NPY: numpy decodes the same bytes to the same array', async () => {
  const dir = tmpDir();
  const spec: RawSpec = { encoding: 'SPCM', width: 3, channels: 2, endian: 'big' };
  const bytes = seededBytes(6 * 4000, 31);
  const server = await trickleServer(bytes);
  const session = new Session(`audio+tcp://127.0.0.1:${server.port}?rate=16k&encoding=SPCM&width=3&channels=2&endian=big`);
  const out = path.join(dir, 'socket.npy');
  try {
    const summary = await recordAll(session, out);
    assert.equal(summary.frames, 4000);
    assert.equal(summary.reason, 'stream ended: connection closed by the server');
    // The recording's end is reported before the stream's.
    await stateBecomes(session, 'done');
  } finally {
    await session.close();
    await server.close();
  }
  const raw = path.join(dir, 'sent.pcm');
  fs.writeFileSync(raw, bytes);
  const verdict = referenceCompare(out, raw, spec);
  assert.deepEqual(verdict.shape, [4000, 2]);
  assert.ok(verdict.equal, JSON.stringify(verdict));
  const sidecar = readSidecar(sidecarPathFor(out));
  assert.deepEqual(
    sidecar.channels.map((c) => c.name),
    ['ch1', 'ch2'],
  );
  assert.equal(sidecar.rate, 16000);
  assert.equal(sidecar.source?.container, 'socket');
  assert.equal(sidecar.source?.encoding, 'SPCM');
  assert.equal(sidecar.source?.width, 3);
  assert.equal(sidecar.source?.endian, 'big');
});

test('µ-law from a socket, through a Session, decoded as audioop decodes it', async () => {
  const dir = tmpDir();
  const bytes = seededBytes(3001, 32);
  const server = await trickleServer(bytes);
  const session = new Session(`audio+tcp://127.0.0.1:${server.port}?rate=8000&encoding=ULAW&channels=1`);
  const out = path.join(dir, 'ulaw.npy');
  try {
    assert.equal((await recordAll(session, out)).frames, 3001);
  } finally {
    await session.close();
    await server.close();
  }
  const raw = path.join(dir, 'sent.ulaw');
  fs.writeFileSync(raw, bytes);
  const verdict = referenceCompare(out, raw, { encoding: 'ULAW', width: 1, channels: 1, endian: 'little' });
  assert.ok(verdict.equal, JSON.stringify(verdict));
});

test('a stream that stops inside a frame: the whole frames are kept, the rest dropped and said so', async () => {
  const server = await trickleServer(seededBytes(4 * 1000 + 3, 33));
  const session = new Session(`audio+tcp://127.0.0.1:${server.port}?rate=16k&encoding=SPCM&width=2&channels=2`);
  const warnings: string[] = [];
  session.on('log', (level: string, text: string) => level === 'warn' && warnings.push(text));
  try {
    assert.equal((await recordAll(session, path.join(tmpDir(), 'cut.npy'))).frames, 1000);
    await stateBecomes(session, 'done');
  } finally {
    await session.close();
    await server.close();
  }
  assert.ok(
    warnings.some((w) => /the stream ended inside a frame; its last 3 bytes \(of 4 per frame\) were dropped/.test(w)),
    warnings.join('\n'),
  );
});

test('a refused connection puts the session in error, naming the address', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  const session = new Session(`audio+tcp://127.0.0.1:${port}?rate=16k&encoding=SPCM&width=2`);
  try {
    await assert.rejects(
      session.connect(),
      new RegExp(`cannot connect to audio\\+tcp://127\\.0\\.0\\.1:${port}: ECONNREFUSED \\(is the audio server running`),
    );
    assert.equal(session.state, 'error');
  } finally {
    await session.close();
  }
});

test("sim:audio?file= streams a WAV's samples; the recording equals Python's decode of the file", async () => {
  const file = path.join(AUDIO_DATA, 'pluck-pcm16.wav');
  const out = path.join(tmpDir(), 'sim-file.npy');
  const session = new Session(`sim:audio?file=${file}`);
  try {
    const summary = await recordAll(session, out);
    assert.equal(summary.frames, 3307);
    assert.equal(session.rate, 11025);
  } finally {
    await session.close();
  }
  const verdict = referenceCompare(out, file);
  assert.ok(verdict.equal, JSON.stringify(verdict));
});

test("sim:audio tone: each channel is its sine, to within the wire encoding's step", async () => {
  const out = path.join(tmpDir(), 'tone.npy');
  const session = new Session('sim:audio?freq=500&rate=8k&channels=2&encoding=SPCM&width=2&seconds=0.25');
  try {
    assert.equal((await recordAll(session, out)).frames, 2000);
  } finally {
    await session.close();
  }
  const { shape, data } = readNpy(out);
  assert.deepEqual(shape, [2000, 2]);
  for (let n = 0; n < 2000; n++) {
    for (let c = 0; c < 2; c++) {
      const err = Math.abs(data[n * 2 + c] - toneSample(n, c, 500, 8000));
      if (err > 0.5 / 32768 + 1e-9) assert.fail(`frame ${n} ch${c + 1}: ${data[n * 2 + c]} vs ${toneSample(n, c, 500, 8000)}`);
    }
  }
});

test("audio:FILE in real time through a Session: the file's frames, and its format in the sidecar", async () => {
  const file = path.join(AUDIO_DATA, 'pluck-pcm24.wav');
  const out = path.join(tmpDir(), 'file.npy');
  const session = new Session(`audio:${file}`);
  try {
    const summary = await recordAll(session, out);
    assert.equal(summary.frames, 3307);
    assert.equal(summary.reason, 'stream ended: end of file');
  } finally {
    await session.close();
  }
  const verdict = referenceCompare(out, file);
  assert.ok(verdict.equal, JSON.stringify(verdict));
  const source = readSidecar(sidecarPathFor(out)).source!;
  assert.deepEqual(
    {
      file: source.file,
      container: source.container,
      encoding: source.encoding,
      width: source.width,
      rate: source.rate,
      channels: source.channels,
      endian: source.endian,
    },
    { file, container: 'WAV', encoding: 'SPCM', width: 3, rate: 11025, channels: 2, endian: 'little' },
  );
});
