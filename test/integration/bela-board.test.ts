// Labscope recording from Bela's own board code (../shared/peers/bela-board, built by npm test):
// a Session on bela://…, one second into NPY, then numpy reads the file and the peer's own Python
// generator (verify/boardgen.py) says what the project set at every row's frame. Every value must
// be exact (int32, uint32 with bit 31 set, float, double, char), sparse variables NaN between their
// frames, and row r is board frame startFrame + r.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import '../../src/devices/index';
import { Session, type SessionOptions, type StartRecordingOptions } from '../../src/core/session';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { startBelaBoard, type RunningBoard } from '../helpers/bela-board';
import { waitFor } from '../helpers/wait';

const PEER = path.resolve(__dirname, '../../../shared/peers/bela-board');
const VARS = ['c_dense', 'i_dense', 'j_dense', 'f_dense', 'd_dense', 'i_sparse', 'j_sparse', 'd_sparse', 'a0'];

/**
 * bela-board's `project`, a Session on `vars` (and `query`), a recording into NPY from frame 0 with
 * `record`'s options; `act` ends it (or waits for it to end) while the board still runs. Then the
 * session and the board are stopped, and numpy and boardgen.py check every row of the file.
 */
async function recordFromBoard(
  project: string,
  vars: string[],
  query: string,
  options: { record?: StartRecordingOptions; session?: SessionOptions; rate?: number },
  act: (session: Session, board: RunningBoard, uri: string) => Promise<void>,
) {
  const board = await startBelaBoard(project);
  const file = path.join(tmpDir(), `${project}.npy`);
  const uri = `bela://127.0.0.1:${board.port}?vars=${vars.join(',')}${query}`;
  const session = new Session(uri, options.session);
  let frames: number;
  try {
    await session.connect(15_000);
    assert.equal(session.sampleType, 'float64');
    assert.equal(session.rate, options.rate ?? 44100);
    assert.deepEqual(
      session.channels.map((c) => c.name),
      vars,
    );
    const ended = session.recordingEnded();
    await session.startRecording(file, { fromFrame: 0, ...options.record });
    await act(session, board, uri);
    frames = (await ended).frames;
  } finally {
    await session.close();
    await board.stop();
  }
  return { frames, ...checkFile(file, project, vars, options.rate ?? 44100, frames) };
}

/** Records `seconds` from a bela-board project: exactly rate × seconds frames, every row checked. */
async function recordAndCheck(project: string, vars: string[], query: string, rate: number, seconds: number) {
  const report = await recordFromBoard(project, vars, query, { record: { durationS: seconds }, rate }, async () => undefined);
  assert.equal(report.frames, Math.round(rate * seconds));
  return report;
}

/** numpy reads the recording and boardgen.py says what the project set at every row's frame: all must match. */
function checkFile(file: string, project: string, vars: string[], rate: number, rows: number) {
  const sidecar = readSidecar(sidecarPathFor(file));
  const startFrame = Number((sidecar.source as { startFrame?: number }).startFrame);
  assert.ok(Number.isInteger(startFrame) && startFrame > 0, `startFrame ${startFrame} in the sidecar's source`);
  assert.equal(sidecar.sampleType, 'float64');
  assert.equal(sidecar.rate, rate);
  const report = pythonJson<{ dtype: string; rows: number; wrong: string[]; values: number; nans: number }>(
    `
import sys, json, math, numpy as np
sys.path.insert(0, sys.argv[3])
from boardgen import expected
a = np.load(sys.argv[1])
names = sys.argv[2].split(',')
start = int(sys.argv[4])
project = sys.argv[5]
wrong, values, nans = [], 0, 0
for r in range(a.shape[0]):
    F = start + r
    for c, name in enumerate(names):
        want = expected(project, name, F)
        got = a[r, c]
        if want is None:
            nans += 1
            if not math.isnan(got): wrong.append(f'{name} row {r} (frame {F}): {got!r}, the project set nothing')
        else:
            values += 1
            if got != want: wrong.append(f'{name} row {r} (frame {F}): {got!r} != {want!r}')
        if len(wrong) > 20: break
print(json.dumps({'dtype': a.dtype.str, 'rows': a.shape[0], 'wrong': wrong[:20], 'values': values, 'nans': nans}))`,
    file,
    vars.join(','),
    path.join(PEER, 'verify'),
    String(startFrame),
    project,
  );
  assert.equal(report.dtype, '<f8');
  assert.equal(report.rows, rows);
  assert.deepEqual(report.wrong, []);
  return { ...report, startFrame };
}

test(
  'a second of every type from bela-board, dense and sparse, each value exactly what the project set at its frame',
  { timeout: 60_000 },
  async () => {
    const report = await recordAndCheck('all-types', VARS, '', 44100, 1);
    // Dense channels hold a value on every row; sparse ones on the frames where F % 7 or F % 11 is 0.
    assert.ok(report.values > 44100 * 6, `${report.values} values checked`);
    assert.ok(report.nans > 0);
  },
);

test(
  "pybela's timestamping tutorial ticks analog frames but declares 44100: rate=22050 gives the session its true frame rate, every value at its frame",
  { timeout: 60_000 },
  async () => {
    const report = await recordAndCheck('timestamping', ['pot1', 'pot2'], '&rate=22050', 22050, 1);
    // pot2 is sparse: set on every 12th frame only.
    assert.ok(report.values >= 22050 + 1837, `${report.values} values checked`);
  },
);

test(
  "a scheduled window (frames=N): the board's durations end it, the session is done as finished, the recording is exactly its N frames, every value right",
  { timeout: 60_000 },
  async () => {
    const vars = ['i_dense', 'd_dense', 'j_sparse', 'c_dense'];
    // No recording duration: the window ends the stream, and with it the recording.
    const report = await recordFromBoard('all-types', vars, '&frames=30000', {}, async (session) => {
      assert.equal(await session.whenDone(), 'done');
      assert.equal(session.streamStatus, 'finished');
      assert.match(session.endReason ?? '', /^Streaming finished: 30000 frames from board frame \d+$/);
    });
    assert.equal(report.frames, 30000);
    assert.ok(report.values > 30000 * 3, `${report.values} values checked`);
  },
);

test(
  'stopStream(): the session is done as stopped, what arrived is recorded and right, and the board program runs on for the next client',
  { timeout: 60_000 },
  async () => {
    const report = await recordFromBoard('all-types', ['f_dense', 'i_sparse'], '', {}, async (session, _board, uri) => {
      await waitFor('10000 frames', () => session.lastSample >= 10_000);
      await session.stopStream();
      assert.equal(session.state, 'done');
      assert.equal(session.streamStatus, 'stopped');
      // The ring stays readable after the stream stopped.
      assert.ok(session.getData(0, 100) !== null, 'the ring is readable after stopStream');
      // The board program kept running: a new session streams from it.
      const next = new Session(uri);
      try {
        await next.connect(15_000);
        assert.equal(next.state, 'active');
      } finally {
        await next.close();
      }
    });
    assert.ok(report.frames >= 10_000, `${report.frames} frames recorded`);
  },
);

test(
  'the board program stopping mid-stream: the session is done as interrupted (not an error), and the recording holds every frame that came, each right',
  { timeout: 60_000 },
  async () => {
    const report = await recordFromBoard(
      'all-types',
      ['j_dense', 'd_sparse'],
      '',
      { session: { backoffS: [0.05] } },
      async (session, board) => {
        await waitFor('10000 frames', () => session.lastSample >= 10_000);
        await board.stop();
        assert.equal(await session.whenDone(), 'done');
        assert.equal(session.streamStatus, 'interrupted');
        assert.match(session.endReason ?? '', /^Streaming interrupted: .*refuses connections \(the board program stopped\)$/);
        assert.equal(session.error, undefined);
      },
    );
    assert.ok(report.frames >= 10_000, `${report.frames} frames recorded`);
  },
);
