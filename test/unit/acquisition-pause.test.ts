// Pause and resume where they happen: in the acquisition, which owns the ring and the recording.
// The test plays the source block by block, so what was delivered, skipped or held is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Acquisition } from '../../src/core/acquisition';
import type { Source, SourceSink } from '../../src/core/source';
import type { Event, RecordingRequest, RecordingSummary } from '../../src/core/worker-protocol';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { frameAtTime } from '../../src/core/frame-time';
import { tmpDir } from '../helpers/tmp';

const CHANNELS = 2;
const RATE = 100;

/** A source the test drives: frame f holds f * 10 + channel, so any frame is recognisable. */
class ScriptedSource implements Source {
  sink!: SourceSink;
  sent = 0;
  start(sink: SourceSink): void {
    this.sink = sink;
    sink.connecting(0);
    sink.format({
      channels: [
        { name: 'a', unit: 'V' },
        { name: 'b', unit: 'V' },
      ],
      rate: RATE,
    });
  }
  stop(): void {}
  push(frames: number): void {
    const data = new Float32Array(frames * CHANNELS);
    for (let i = 0; i < frames; i++) for (let c = 0; c < CHANNELS; c++) data[i * CHANNELS + c] = (this.sent + i) * 10 + c;
    this.sent += frames;
    this.sink.frames(data, { hostNs: process.hrtime.bigint(), bytes: data.byteLength, markers: [] });
  }
}

/** A file-like source that can hold its input. */
class HoldingSource extends ScriptedSource {
  holding = false;
  pause(): void {
    this.holding = true;
  }
  resume(): void {
    this.holding = false;
  }
}

function expected(...ranges: [number, number][]): Float32Array {
  const out: number[] = [];
  for (const [from, to] of ranges) for (let f = from; f < to; f++) for (let c = 0; c < CHANNELS; c++) out.push(f * 10 + c);
  return Float32Array.from(out);
}

function harness(source: ScriptedSource = new ScriptedSource()) {
  const posted: Event[] = [];
  const acquisition = new Acquisition(source, 10_000, (m) => posted.push(m));
  acquisition.start();
  const file = path.join(tmpDir(), 'rec.npy');
  const request: RecordingRequest = { path: file, format: 'npy', deviceUri: 'test:scripted', family: 'test', fromFrame: 0 };
  const stats = () => {
    const before = posted.length;
    acquisition.refresh();
    const answer = posted.slice(before).find((m) => m.kind === 'stats');
    assert.ok(answer && answer.kind === 'stats', 'refresh posts the stats at once');
    return answer;
  };
  const stop = (): RecordingSummary => {
    const summary = acquisition.stopRecording();
    const ended = posted.find((m) => m.kind === 'recording-ended');
    assert.ok(ended && ended.kind === 'recording-ended', 'the recording ended');
    assert.deepEqual(summary, ended.summary, 'stopRecording returns the summary it posted');
    return summary;
  };
  return { source, acquisition, posted, file, request, stats, stop };
}

test('while paused the recording stops at the pause point; resume() goes on from there with no gap', () => {
  const h = harness();
  try {
    h.source.push(10);
    h.acquisition.startRecording(h.request);
    h.source.push(5);
    const paused = h.acquisition.pause();
    assert.equal(paused.frame, 15);
    assert.equal(paused.held, false);
    assert.deepEqual(
      h.posted.find((m) => m.kind === 'paused'),
      { kind: 'paused', ...paused },
    );
    h.source.push(20);
    const during = h.stats();
    assert.equal(during.stats.frames, 35, 'the ring went on filling');
    assert.equal(during.stats.delivered, 15, 'the consumers did not');
    assert.equal(during.recording?.frames, 15, 'the file stopped at the pause point');
    assert.deepEqual(h.acquisition.resume({ kind: 'pause' }), { frame: 15, skipped: 0 });
    assert.equal(h.stats().recording?.frames, 35, 'the recording caught up from the ring');
    h.source.push(5);
    const summary = h.stop();
    assert.equal(summary.frames, 40);
    assert.deepEqual(readNpy(h.file).data, expected([0, 40]));
    assert.deepEqual(readSidecar(sidecarPathFor(h.file)).gaps, []);
    assert.equal(h.posted.filter((m) => m.kind === 'gap').length, 0);
  } finally {
    h.acquisition.close();
  }
});

test('resume at live skips what came while paused, and the recording writes the gap down exactly', () => {
  const h = harness();
  try {
    h.source.push(10);
    h.acquisition.startRecording(h.request);
    h.source.push(5);
    h.acquisition.pause();
    h.source.push(20);
    assert.deepEqual(h.acquisition.resume({ kind: 'live' }), { frame: 35, skipped: 20 });
    h.source.push(5);
    assert.equal(h.stats().stats.delivered, 20, 'skipped frames are not delivered');
    const summary = h.stop();
    assert.equal(summary.frames, 20);
    assert.equal(summary.gaps, 1);
    assert.equal(summary.lostFrames, 20);
    assert.deepEqual(readNpy(h.file).data, expected([0, 15], [35, 40]));
    assert.deepEqual(readSidecar(sidecarPathFor(h.file)).gaps, [{ row: 15, fromFrame: 15, frames: 20, cause: 'skipped' }]);
    const gap = h.posted.find((m) => m.kind === 'gap');
    assert.deepEqual(gap, { kind: 'gap', gap: { fromFrame: 15, frames: 20, cause: 'skipped' } });
  } finally {
    h.acquisition.close();
  }
});

test('resume from a time starts at the frame that arrived then (through the anchors)', (t) => {
  // Blocks of 50 frames arrive 10 ms a frame apart on a fake clock: frame f arrives at T0 + 10 f.
  const T0 = 1_700_000_000_000;
  let now = T0;
  t.mock.method(Date, 'now', () => now);
  const h = harness();
  const push = (frames: number) => {
    now = T0 + h.source.sent * 10;
    h.source.push(frames);
  };
  try {
    push(50);
    push(50);
    h.acquisition.startRecording(h.request);
    h.acquisition.pause();
    for (let i = 0; i < 4; i++) push(50);
    // Anchors at frames 0, 100 and 200; 2.5 s after T0 is frame 250.
    assert.deepEqual(h.acquisition.resume({ kind: 'time', wallMs: T0 + 2500 }), { frame: 250, skipped: 150 });
    push(10);
    h.stop();
    assert.deepEqual(readNpy(h.file).data, expected([0, 100], [250, 310]));
    assert.deepEqual(readSidecar(sidecarPathFor(h.file)).gaps, [{ row: 100, fromFrame: 100, frames: 150, cause: 'skipped' }]);
  } finally {
    h.acquisition.close();
  }
});

test('a source that can hold its input is held while paused, and resumes where it stopped whatever `from` says', () => {
  const h = harness(new HoldingSource());
  const source = h.source as HoldingSource;
  try {
    h.source.push(10);
    h.acquisition.startRecording(h.request);
    assert.equal(h.acquisition.pause().held, true);
    assert.equal(source.holding, true);
    // A block already under way when the source stopped still arrives.
    h.source.push(3);
    assert.deepEqual(h.acquisition.resume({ kind: 'live' }), { frame: 10, skipped: 0 });
    assert.equal(source.holding, false);
    h.source.push(7);
    assert.equal(h.stop().frames, 20);
    assert.deepEqual(readNpy(h.file).data, expected([0, 20]));
  } finally {
    h.acquisition.close();
  }
});

test('a recording started while paused begins at the pause point and waits for resume', () => {
  const h = harness();
  try {
    h.source.push(10);
    h.acquisition.pause();
    h.source.push(10);
    h.acquisition.startRecording({ ...h.request, fromFrame: undefined });
    assert.equal(h.stats().recording?.frames, 0);
    h.acquisition.resume({ kind: 'pause' });
    const summary = h.stop();
    assert.equal(summary.startFrame, 10);
    assert.deepEqual(readNpy(h.file).data, expected([10, 20]));
  } finally {
    h.acquisition.close();
  }
});

test('a stream that ends while paused ends the recording at the pause point and says what it missed', () => {
  const h = harness();
  try {
    h.source.push(10);
    h.acquisition.startRecording(h.request);
    h.acquisition.pause();
    h.source.push(5);
    h.source.sink.ended('end of file');
    const ended = h.posted.find((m) => m.kind === 'recording-ended');
    assert.ok(ended?.kind === 'recording-ended');
    assert.equal(ended.summary.frames, 10);
    assert.equal(ended.summary.reason, 'stream ended: end of file while paused (the 5 frames after the pause point were not delivered)');
    // The pause ended with the stream: the ring can still be recorded in full.
    const again = path.join(path.dirname(h.file), 'again.npy');
    h.posted.length = 0;
    h.acquisition.startRecording({ ...h.request, path: again });
    const second = h.posted.find((m) => m.kind === 'recording-ended');
    assert.ok(second?.kind === 'recording-ended');
    assert.equal(second.summary.frames, 15);
    assert.throws(() => h.acquisition.pause(), /the stream is over/);
  } finally {
    h.acquisition.close();
  }
});

test('pause and resume refuse what makes no sense', () => {
  const h = harness();
  try {
    assert.throws(() => h.acquisition.resume({ kind: 'pause' }), /not paused/);
    h.source.push(1);
    h.acquisition.pause();
    assert.throws(() => h.acquisition.pause(), /already paused/);
    h.acquisition.resume({ kind: 'pause' });
    assert.throws(() => h.acquisition.resume({ kind: 'live' }), /not paused/);
  } finally {
    h.acquisition.close();
  }
  assert.throws(() => h.acquisition.pause(), /the stream is over/);
});

test('frameAtTime interpolates between anchors and extrapolates at the nominal rate beyond them', () => {
  const anchors = [
    { frame: 0, hostNs: 0n, wallMs: 1000 },
    { frame: 100, hostNs: 0n, wallMs: 2000 },
    // The next block came late: 100 frames took 2 s to arrive.
    { frame: 200, hostNs: 0n, wallMs: 4000 },
  ];
  assert.equal(frameAtTime(anchors, 100, 1500), 50);
  assert.equal(frameAtTime(anchors, 100, 3000), 150);
  assert.equal(frameAtTime(anchors, 100, 4000), 200);
  assert.equal(frameAtTime(anchors, 100, 4500), 250);
  assert.equal(frameAtTime(anchors, 100, 900), 0, 'before the first anchor, never negative');
  assert.equal(frameAtTime([], 100, 5000), 0);
});
