// Continuous ASCII over a real serial line: a socat pty pair carries the real 4100 capture's
// frames (with one corrupted frame, noise and a cut-off frame) into a Session and a recording,
// which numpy then reads. Timing here is only the writer's pacing, never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import { Session } from '../../src/core/session';
import type { Sample } from '../../src/core/sample';
import { readSidecar } from '../../src/core/writers/sidecar';
import { openPtyPair } from '../../src/devices/servomex/pty-pair';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do

const CAPTURE = fs.readFileSync(path.resolve(__dirname, '../../../shared/data/servomex/continuous_4100_idle_5ch.bin'));
const FRAMES = CAPTURE.toString('latin1')
  .split('\n')
  .filter(Boolean)
  .map((l) => Buffer.from(`${l}\n`, 'latin1'));
const PERIOD_S = 0.25;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(pathName: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path: pathName, baudRate: 19200 }, (error) => (error ? reject(error) : resolve(port)));
  });
}

test('continuous frames through a socat pty pair become samples, ring frames and a recording', async () => {
  const pty = await openPtyPair();
  const writer = await open(pty.a);
  const dir = tmpDir();
  const session = new Session(`servomex+serial://${pty.b}?baud=19200&period=${PERIOD_S}`);
  const batches: Sample[][] = [];
  session.on('samples', (batch: Sample[]) => batches.push(batch));
  try {
    // Twelve frames on the analyser's cadence: #5 arrives with a damaged byte (a checksum
    // mismatch), and #8 is preceded by line noise and a frame cut off mid-way.
    const script = FRAMES.concat(FRAMES).map((frame, i) => {
      if (i === 5) {
        const bad = Buffer.from(frame);
        bad[40] ^= 0x04;
        return bad;
      }
      if (i === 8) return Buffer.concat([Buffer.from('\x00\xfe~~', 'latin1'), FRAMES[1].subarray(0, 90), frame]);
      return frame;
    });
    // serialport flushes the input when it opens a port: the analyser starts "printing" once
    // the session is listening, as a real one that was already running would be heard from then.
    const listening = new Promise<void>((resolve) =>
      session.on('log', (_level: string, text: string) => {
        if (text.startsWith('listening for continuous frames')) resolve();
      }),
    );
    const connected = session.connect(20_000);
    await listening;
    const writing = (async () => {
      for (const bytes of script) {
        writer.write(bytes);
        await sleep(PERIOD_S * 1000);
      }
      await new Promise((resolve) => writer.drain(resolve));
    })();
    await connected;
    assert.deepEqual(session.channels, [
      { name: 'I1 Oxygen', unit: '%' },
      { name: 'I2 CO', unit: '%' },
      { name: 'I3 CO2', unit: '%' },
      { name: 'E1', unit: 'mA' },
      { name: 'E2', unit: 'mA' },
    ]);
    assert.equal(session.rate, 1 / PERIOD_S);
    const file = path.join(dir, 'o2.csv');
    await session.startRecording(file, { fromFrame: 0 });
    await writing;
    // The last frame is in once 11 good frames have been counted (the writer has finished).
    for (let i = 0; i < 100 && session.lastSample < 11; i++) await sleep(50);
    const summary = await session.stopRecording();
    assert.equal(summary.frames, 11);

    const rows = pythonJson<number[][]>(
      `
import sys, json, numpy as np
print(json.dumps(np.loadtxt(sys.argv[1], delimiter=',', skiprows=1).tolist()))`,
      file,
    );
    assert.equal(rows.length, 11);
    // The CSV holds each float32 in its shortest form, which reads back as the printed reading.
    for (const row of rows) assert.deepEqual(row.slice(1), [20.376, 0.084, 0.25, 0, 0]);

    const sidecar = readSidecar(summary.sidecar);
    assert.deepEqual(
      sidecar.gaps.map((g) => [g.row, g.frames, g.cause]),
      [[5, 1, 'device']],
      'the corrupted frame is a recorded one-frame hole',
    );
    assert.equal(sidecar.source?.protocol, 'servomex-continuous');
    assert.equal((sidecar.summary as { errors: number }).errors, 1);

    const good = batches.filter((b) => !b[0].error);
    const bad = batches.filter((b) => b[0].error);
    assert.equal(good.length, 11);
    assert.equal(bad.length, 1);
    assert.deepEqual([bad[0][0].channel, bad[0][0].reading], [null, null]);
    assert.match(bad[0][0].error!, /checksum mismatch/);
    const first = good[0];
    assert.deepEqual(
      first.map((s) => [s.channel, s.reading, s.protocol]),
      [
        ['I1 Oxygen', 20.376, 'continuous'],
        ['I2 CO', 0.084, 'continuous'],
        ['I3 CO2', 0.25, 'continuous'],
        ['E1', 0, 'continuous'],
        ['E2', 0, 'continuous'],
      ],
    );
    assert.equal(first[0].metadata.analyserClock, '06-10-20 02:54:12');
    assert.equal(typeof first[0].monotonicNs, 'bigint');
    assert.ok(first[0].receivedAt instanceof Date);
  } finally {
    await session.close();
    await new Promise((resolve) => writer.close(resolve));
    await pty.close();
  }
});

test('a serial port that does not exist puts the session in error with the port named', async () => {
  const session = new Session('servomex+serial:///dev/labscope-no-such-port?baud=9600');
  await assert.rejects(session.connect(5000), /cannot open serial port \/dev\/labscope-no-such-port \(9600 baud\)/);
  assert.equal(session.state, 'error');
  await session.close();
});

test('sim:servomex prints real-format frames on a pty that a session records', async () => {
  const session = new Session('sim:servomex?period=0.1&corrupt=4');
  try {
    await session.connect(10_000);
    assert.deepEqual(
      session.channels.map((c) => c.name),
      ['I1 Oxygen', 'I2 CO', 'I3 CO₂', 'E1', 'E2'],
    );
    const data = await session.wait(0, 6, 10_000);
    assert.ok(data, 'six frames arrive');
    for (let f = 0; f < 6; f++) {
      const o2 = data[f * 5];
      assert.ok(o2 > 20 && o2 < 21.4, `O₂ ${o2} % is near air's`);
    }
    for (let i = 0; i < 100 && (session.stats()?.errors ?? 0) === 0; i++) await sleep(50);
    assert.ok(session.stats()!.errors >= 1, 'every 4th frame is corrupted and counted');
  } finally {
    await session.close();
  }
});
