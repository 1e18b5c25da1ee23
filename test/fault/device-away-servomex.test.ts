// Issue 16: a Servomex analyser on a serial line goes away mid-stream (its USB adapter unplugged:
// the port vanishes) and comes back (plugged in again, at the same path). The session reconnects,
// the recording goes on, and the gap in the sidecar is exactly the frames the analyser did not
// deliver meanwhile: it printed once a period, and that many periods passed without a frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import { Session } from '../../src/core/session';
import { readSidecar } from '../../src/core/writers/sidecar';
import { formatContinuousFrame } from '../../src/devices/servomex/continuous-frame';
import { tmpDir } from '../helpers/tmp';
import '../../src/devices/index';

const PERIOD_S = 0.5;
/** Frames before the analyser goes away, the periods it stays away for, frames after it is back. */
const BEFORE = 4;
const AWAY = 6;
const AFTER = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function frame(n: number): Uint8Array {
  return formatContinuousFrame({
    date: '02-12-26',
    time: `12:00:${String(n % 60).padStart(2, '0')}`,
    entries: [{ id: 'I1', name: 'Oxygen', value: (20 + n / 100).toFixed(2), unit: '%' }],
  });
}

/** socat's pty pair at fixed paths, so the "adapter" comes back where it was. */
async function cable(dir: string): Promise<{ child: ChildProcess; writer: SerialPort }> {
  const a = path.join(dir, 'analyser');
  const b = path.join(dir, 'ttyUSB0');
  const child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(fs.existsSync(a) && fs.existsSync(b)); i++) await sleep(10);
  const writer = await new Promise<SerialPort>((resolve, reject) => {
    const port = new SerialPort({ path: a, baudRate: 19200 }, (error) => (error ? reject(error) : resolve(port)));
  });
  return { child, writer };
}

async function unplug(c: { child: ChildProcess; writer: SerialPort }): Promise<void> {
  await new Promise<void>((resolve) => c.writer.close(() => resolve()));
  const exited = new Promise((resolve) => c.child.once('exit', resolve));
  c.child.kill('SIGTERM');
  await exited;
}

test(
  'an analyser unplugged and plugged back: the session reconnects and the sidecar has a gap of exactly the frames it missed',
  { timeout: 60_000 },
  async () => {
    const dir = tmpDir();
    let plugged = await cable(dir);
    const session = new Session(`servomex+serial://${path.join(dir, 'ttyUSB0')}?baud=19200&period=${PERIOD_S}`, { backoffS: [0.1] });
    const file = path.join(dir, 'o2.npy');
    try {
      const listening = new Promise<void>((resolve) =>
        session.on('log', (_l: string, text: string) => text.startsWith('listening for continuous frames') && resolve()),
      );
      const connected = session.connect(20_000);
      await listening;
      let n = 0;
      plugged.writer.write(frame(n++));
      await connected;
      await session.startRecording(file, { fromFrame: 0 });
      let lastWrite = Date.now();
      for (let i = 1; i < BEFORE; i++) {
        await sleep(PERIOD_S * 1000);
        plugged.writer.write(frame(n++));
        lastWrite = Date.now();
      }
      // The adapter goes away half a period after the last frame it passed on, and comes back
      // AWAY periods after that frame's slot: the frames of AWAY - 1 slots are never printed.
      await sleep(PERIOD_S * 500);
      await unplug(plugged);
      await sleep((AWAY - 1) * PERIOD_S * 1000);
      plugged = await cable(dir);
      const reopened = new Promise<void>((resolve) =>
        session.on('log', (_l: string, text: string) => text.startsWith('listening for continuous frames') && resolve()),
      );
      await reopened;
      n += AWAY - 1;
      // Back on the analyser's own clock: its next frame is in the slot AWAY periods after the last one
      // (the source counts whole periods between frames, so a quarter period of jitter is tolerated).
      await sleep(Math.max(0, lastWrite + AWAY * PERIOD_S * 1000 - Date.now()));
      for (let i = 0; i < AFTER; i++) {
        plugged.writer.write(frame(n++));
        await sleep(PERIOD_S * 1000);
      }
      for (let i = 0; i < 100 && session.lastSample < BEFORE + AFTER; i++) await sleep(50);
      const summary = await session.stopRecording();
      assert.equal(summary.frames, BEFORE + AFTER, 'every frame the analyser printed is in the file');
      const sidecar = readSidecar(summary.sidecar);
      assert.deepEqual(
        sidecar.gaps.map((g) => [g.row, g.frames, g.cause]),
        [[BEFORE, AWAY - 1, 'device']],
        'one gap, where it was away, of the frames it did not print',
      );
      assert.ok(session.stats().reconnects >= 1, 'it reconnected');
      assert.equal(session.state, 'active');
    } finally {
      await session.close();
      await unplug(plugged).catch(() => undefined);
    }
  },
);
