// Session.setBufferSeconds while streaming and recording: a new ring takes the newest frames at
// the same frame numbers, so what getData read before reads the same after, the recording goes on
// without a gap and holds exactly the stream, for a source whose native decoder writes the ring
// itself (RDA) and for one that hands frames to the sink (Bela, float64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import '../../src/devices/index';
import { Session } from '../../src/core/session';
import { readFloatNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

for (const [label, uri] of [
  ['RDA (the native decoder writes the ring)', 'sim:rda?channels=4&rate=5000'],
  ['Bela (frames through the sink, float64)', 'sim:bela?speed=1'],
] as const) {
  test(`${label}: the buffer shrinks and grows while recording, frame numbers and the file unbroken`, { timeout: 60_000 }, async () => {
    const file = path.join(tmpDir(), 'resized.npy');
    const session = new Session(uri);
    try {
      await session.connect(15_000);
      const rate = session.rate;
      const initial = session.bufferSeconds!;
      assert.ok(initial > 0, `bufferSeconds ${initial}`);
      const ended = session.recordingEnded();
      await session.startRecording(file, { fromFrame: 0 });
      await waitFor('a second of frames', () => session.lastSample >= rate);
      const mark = session.lastSample;
      const before = Array.from(session.getData(mark - 100, mark)!);

      assert.equal(await session.setBufferSeconds(0.5), Math.ceil(0.5 * rate) / rate);
      assert.equal(session.bufferSeconds, Math.ceil(0.5 * rate) / rate);
      assert.deepEqual(Array.from(session.getData(mark - 100, mark)!), before, 'the newest frames, at the same numbers');
      assert.equal(session.getData(0, 10), null, 'a half-second ring no longer holds the first frames');

      await waitFor('more frames', () => session.lastSample >= mark + rate);
      assert.equal(await session.setBufferSeconds(30), 30);
      const later = session.lastSample;
      assert.ok(session.oldestSample <= later - Math.floor(0.5 * rate), 'growing keeps what the small ring held');
      await waitFor('frames after growing', () => session.lastSample >= later + rate / 2);
      const summary = await session.stopRecording();
      assert.equal(summary.gaps, 0);
      assert.equal(summary.lostFrames, 0);
      await ended;
      const npy = readFloatNpy(file);
      assert.equal(npy.shape[0], summary.frames);
      const width = session.channels.length;
      // The file's rows mark-100..mark are what getData read before the first resize.
      assert.deepEqual(Array.from(npy.data.subarray((mark - 100) * width, mark * width)), before);
      assert.equal(readSidecar(sidecarPathFor(file)).gaps.length, 0);
    } finally {
      await session.close();
    }
  });
}

test('resizing is refused before data, after the stream, and for a non-positive size, each saying why', async () => {
  const session = new Session('sim:rda?channels=1&rate=1000');
  try {
    await assert.rejects(session.setBufferSeconds(5), /cannot resize the buffer .* it is queued/);
    await session.connect(15_000);
    await assert.rejects(session.setBufferSeconds(0), /a buffer of 0 s: it must be a number of seconds > 0/);
    await assert.rejects(session.setBufferSeconds(Number.NaN), /must be a number of seconds > 0/);
    await session.stopStream();
    await assert.rejects(session.setBufferSeconds(5), /it is done/);
  } finally {
    await session.close();
  }
});
