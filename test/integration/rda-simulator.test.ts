import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBrainVision, writeBrainVision } from '../../src/devices/rda/brainvision';
import { RdaMessageType, type RdaFormat, type RdaMarker } from '../../src/devices/rda/protocol';
import { RdaSimulator, type RdaSimulatorOptions } from '../../src/devices/rda/simulator';
import { SyntheticSignal } from '../../src/devices/rda/synthetic';
import { RdaMessageSplitter, TsRdaDecoder, type RdaStart } from '../../src/devices/rda/tsDecoder';

const TEST_VHDR = path.resolve(__dirname, '../../../shared/data/brainvision/test.vhdr');
const recording = readBrainVision(TEST_VHDR);
const fileUv = Float32Array.from(recording.samples, (v, i) => v * recording.channels[i % 32].resolution);

interface Received {
  start?: RdaStart;
  types: number[];
  blocks: { block: number; firstFrame: number; points: number; markers: RdaMarker[] }[];
  frames: number;
  data: Float32Array;
  closed: boolean;
  /** Bytes of an incomplete message when the connection closed. */
  leftover?: number;
  firstDataAt?: number;
}

/** A raw RDA client: reassembles by nSize and decodes everything with the TS decoder. */
function connect(port: number, capacityFrames = 1 << 16) {
  const socket = net.connect(port, '127.0.0.1');
  const splitter = new RdaMessageSplitter();
  const decoder = new TsRdaDecoder();
  const got: Received = { types: [], blocks: [], frames: 0, data: new Float32Array(0), closed: false };
  socket.on('data', (chunk) => {
    for (const message of splitter.push(chunk)) {
      const type = message.readUInt32LE(20);
      if (type === RdaMessageType.Start) {
        got.start = decoder.decode(message) as RdaStart;
        got.data = new Float32Array(capacityFrames * got.start.channels);
      } else if (type === RdaMessageType.Int16Data || type === RdaMessageType.Float32Data) {
        got.firstDataAt ??= performance.now();
        const channels = decoder.channels;
        const fits = (got.frames + message.readUInt32LE(28)) * channels <= got.data.length;
        const d = decoder.decode(message, fits ? got.data : undefined, got.frames * channels);
        assert.ok('block' in d);
        got.blocks.push({ block: d.block, firstFrame: got.frames, points: d.points, markers: d.markers });
        got.frames += d.points;
      } else {
        decoder.decode(message);
      }
      got.types.push(type);
    }
  });
  const closed = once(socket, 'close').then(() => {
    got.closed = true;
    got.leftover = splitter.buffered;
  });
  return { socket, got, closed };
}

const simulators: RdaSimulator[] = [];
async function serve(options: RdaSimulatorOptions): Promise<{ sim: RdaSimulator; port: number }> {
  const sim = new RdaSimulator(options);
  simulators.push(sim);
  return { sim, port: await sim.start() };
}
after(() => Promise.all(simulators.map((s) => s.stop())));

function checkFileStream(got: Received, format: RdaFormat): void {
  assert.ok(got.start);
  assert.equal(got.start.channels, 32);
  assert.equal(got.start.intervalUs, 1000);
  assert.deepEqual(
    got.start.names,
    recording.channels.map((c) => c.name),
  );
  assert.deepEqual(
    got.start.resolutions,
    recording.channels.map((c) => c.resolution),
  );
  // start, one keep-alive, data of the format, stop last.
  const dataType = format === 'int16' ? RdaMessageType.Int16Data : RdaMessageType.Float32Data;
  assert.deepEqual(got.types.slice(0, 2), [RdaMessageType.Start, RdaMessageType.KeepAlive]);
  assert.equal(got.types.at(-1), RdaMessageType.Stop);
  assert.ok(got.types.slice(2, -1).every((t) => t === dataType));
  assert.deepEqual(
    got.blocks.map((b) => b.block),
    got.blocks.map((_, i) => i),
  );
  assert.equal(got.frames, 7900);
  assert.deepEqual(got.data.subarray(0, fileUv.length), fileUv);
  const markers = got.blocks.flatMap((b) =>
    b.markers.map((m) => {
      assert.ok(m.position < b.points, `marker ${m.type}/${m.description} lies inside its block`);
      return { type: m.type, description: m.description, position: b.firstFrame + m.position, points: m.points, channel: m.channel };
    }),
  );
  assert.deepEqual(markers, recording.markers);
  assert.ok(got.closed);
  assert.equal(got.leftover, 0);
}

for (const format of ['float32', 'int16'] as const) {
  for (const speed of [50, Infinity]) {
    test(`replays the test file as ${format} at speed ${speed}`, async () => {
      const { sim, port } = await serve({ source: { kind: 'file', path: TEST_VHDR }, format, speed });
      const done = once(sim, 'done');
      const t0 = performance.now();
      const client = connect(port);
      await client.closed;
      const elapsed = performance.now() - t0;
      checkFileStream(client.got, format);
      const [summary] = await done;
      assert.equal(summary.frames, 7900);
      // 7.9 s of signal at 50× is 158 ms; pacing must not finish much earlier.
      if (speed === 50) assert.ok(elapsed > 140, `took ${elapsed} ms`);
    });
  }
}

test('int16 from an IEEE_FLOAT_32 file picks resolutions that fit and keeps µV', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-rda-'));
  try {
    // Non-integral values, 1 µV per unit: the simulator has to rescale to send int16.
    const samples = Float32Array.from(recording.samples, (v, i) => v * 0.37 + (i % 32) * 0.01);
    const channels = recording.channels.map((c) => ({ ...c, resolution: 1 }));
    writeBrainVision(path.join(dir, 'float'), { ...recording, channels, samples, binaryFormat: 'IEEE_FLOAT_32' });
    const { port } = await serve({ source: { kind: 'file', path: path.join(dir, 'float.vhdr') }, format: 'int16', speed: 0 });
    const client = connect(port);
    await client.closed;
    assert.equal(client.got.frames, 7900);
    const res = client.got.start!.resolutions;
    for (let i = 0; i < samples.length; i++) {
      assert.ok(Math.abs(client.got.data[i] - samples[i]) <= res[i % 32] / 2 + 1e-4, `sample ${i}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a client leaving mid-stream leaves the server serving others', async () => {
  const { sim, port } = await serve({ source: { kind: 'file', path: TEST_VHDR }, speed: 20 });
  const leaver = connect(port);
  while (leaver.got.blocks.length < 3) await sleep(5);
  leaver.socket.resetAndDestroy();
  const reset = connect(port);
  while (reset.got.blocks.length < 1) await sleep(5);
  reset.socket.destroy();
  await sleep(50);
  const stayer = connect(port);
  await stayer.closed;
  checkFileStream(stayer.got, 'float32');
  await sim.stop();
});

test('stop() closes every connection and the listener', async () => {
  const { sim, port } = await serve({ source: { kind: 'synthetic', channels: 4, rate: 250 } });
  const client = connect(port);
  while (client.got.blocks.length < 1) await sleep(5);
  await sim.stop();
  await client.closed;
  await assert.rejects(
    new Promise((resolve, reject) => net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)),
    /ECONNREFUSED/,
  );
});

test('synthetic real time: channel count, rate and no drift over ~1 s', async () => {
  const { port } = await serve({ source: { kind: 'synthetic', channels: 8, rate: 500 }, speed: 1 });
  const client = connect(port);
  while (client.got.firstDataAt === undefined) await sleep(1);
  const t0 = client.got.firstDataAt - 20; // the first 20 ms block arrives once its frames have elapsed
  await sleep(1000);
  const elapsedS = (performance.now() - t0) / 1000;
  const frames = client.got.frames;
  client.socket.destroy();
  assert.equal(client.got.start!.channels, 8);
  assert.equal(client.got.start!.intervalUs, 2000);
  assert.deepEqual(client.got.start!.resolutions, Array(8).fill(1));
  assert.ok(Math.abs(frames - 500 * elapsedS) < 0.1 * 500 * elapsedS, `${frames} frames in ${elapsedS} s`);
});

test('synthetic int16 with seconds: exact frame count, stop, values within quantization', async () => {
  const { port } = await serve({ source: { kind: 'synthetic', channels: 3, rate: 1000, seconds: 0.5 }, format: 'int16', speed: 0 });
  const client = connect(port);
  await client.closed;
  assert.equal(client.got.frames, 500);
  assert.equal(client.got.types.at(-1), RdaMessageType.Stop);
  assert.deepEqual(client.got.start!.resolutions, [0.1, 0.1, 0.1]);
  const expected = new SyntheticSignal({ channels: 3, rate: 1000 }).fill(0, 500);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(client.got.data[i] - expected[i]) <= 0.0501, `sample ${i}`);
});

test('unpaced synthetic respects backpressure from a client that stops reading', async () => {
  const blockBytes = 24 + 12 + 2000 * 16 * 4;
  const { sim, port } = await serve({ source: { kind: 'synthetic', channels: 16, rate: 10000 }, speed: Infinity, blockFrames: 2000 });
  const serverSide = once(sim, 'client').then(([s]) => s as net.Socket);
  const client = connect(port, 1);
  while (client.got.blocks.length < 5) await sleep(1);
  client.socket.pause();
  await sleep(300);
  // Without backpressure the server would queue blocks in memory as fast as it can make them.
  const queued = (await serverSide).writableLength;
  client.socket.destroy();
  assert.ok(queued > 0, 'the paused client filled the socket buffers');
  assert.ok(queued <= (await serverSide).writableHighWaterMark + blockBytes, `${queued} bytes queued`);
});
