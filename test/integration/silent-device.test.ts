// A device that stops sending: the session says "no data for N s" (stats, log), a timed recording
// ends by its duration plus the silence grace instead of waiting for frames that never come, and
// its sidecar says it ended short and why. The CLI's --duration does the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import '../../src/devices/index';
import { Session } from '../../src/core/session';
import { encodeData, encodeStart } from '../../src/devices/rda/protocol';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { runCli } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const CHANNELS = 2;
const POINTS = 10;
const BLOCKS = 5;

/** An RDA server at 1 kHz that sends a start and BLOCKS blocks of POINTS frames, then holds the connection silent. */
async function goesSilent(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write(encodeStart({ names: ['A', 'B'], intervalUs: 1000, resolutions: [1, 1] }));
    for (let n = 0; n < BLOCKS; n++) {
      socket.write(encodeData({ format: 'float32', block: n, channels: CHANNELS, samples: new Float32Array(POINTS * CHANNELS).fill(n) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test('a silent device is reported, and a timed recording ends short by its deadline saying why', { timeout: 30_000 }, async () => {
  const device = await goesSilent();
  const session = new Session(`rda://127.0.0.1:${device.port}`);
  const logs: string[] = [];
  session.on('log', (_level, text) => logs.push(text));
  const file = path.join(tmpDir(), 'short.npy');
  try {
    await session.connect();
    const ended = session.recordingEnded();
    const started = Date.now();
    await session.startRecording(file, { durationS: 1, fromFrame: 0 });
    const summary = await ended;
    const tookS = (Date.now() - started) / 1000;
    // 1 s of duration plus the 2 s grace, not the 10 s a test timeout would take.
    assert.ok(tookS >= 2.5 && tookS < 8, `ended after ${tookS.toFixed(1)} s`);
    assert.equal(summary.frames, BLOCKS * POINTS);
    assert.match(summary.endedShort ?? '', /no data for \d+ s: 50 of 1000 frames arrived/);
    assert.deepEqual(readNpy(file).shape, [BLOCKS * POINTS, CHANNELS]);
    const sidecar = readSidecar(sidecarPathFor(file));
    assert.equal(sidecar.frames, BLOCKS * POINTS);
    assert.equal(sidecar.endedShort?.expectedFrames, 1000);
    assert.equal(sidecar.endedShort?.frames, BLOCKS * POINTS);
    assert.match(sidecar.endedShort?.reason ?? '', /no data for/);
    assert.match(String(sidecar.summary.ended), /ended short/);
    await session.refresh();
    assert.ok(session.stats().silentS >= 2, `silentS ${session.stats().silentS}`);
    assert.ok(
      logs.some((l) => /^no data for \d+ s/.test(l)),
      logs.join('\n'),
    );
  } finally {
    await session.close();
    await device.close();
  }
});

test('data flowing keeps a timed recording frame-exact and the session not silent', { timeout: 30_000 }, async () => {
  const session = new Session('sim:rda?channels=2&rate=1000');
  const file = path.join(tmpDir(), 'exact.npy');
  try {
    await session.connect();
    const ended = session.recordingEnded();
    await session.startRecording(file, { durationS: 1.5 });
    const summary = await ended;
    assert.equal(summary.frames, 1500);
    assert.equal(summary.endedShort, undefined);
    assert.equal(readSidecar(sidecarPathFor(file)).endedShort, undefined);
    await session.refresh();
    assert.equal(session.stats().silentS, 0);
  } finally {
    await session.close();
  }
});

test('labscope record --duration ends against a silent device and says it ended short', { timeout: 30_000 }, async () => {
  const device = await goesSilent();
  const file = path.join(tmpDir(), 'cli.npy');
  try {
    const result = await runCli(['record', `rda://127.0.0.1:${device.port}`, '--duration', '1', '--out', file], { timeoutMs: 20_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /recorded 50 frames/);
    assert.match(result.stdout, /ended short: no data for \d+ s/);
    assert.match(result.stderr, /no data for \d+ s/);
  } finally {
    await device.close();
  }
});
