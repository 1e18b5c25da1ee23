// The seed's stream lifecycle on a real Session (worker thread, native ring, simulator): every
// state and the predicates that report it, pause and resume checked against the data recorded,
// delete removing exactly the session's files, and everything illegal refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Session, type SessionState } from '../../src/core/session';
import { refreshSessions } from '../../src/core/streams';
import { encodeData, encodeStart, encodeStop } from '../../src/devices/rda/protocol';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { tmpDir } from '../helpers/tmp';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do
import { waitFor } from '../helpers/wait';

const SIM = 'sim:rda?channels=2&rate=1000';

/** Which predicates say yes, so one assertion shows the whole picture. */
function predicates(s: Session): string[] {
  const all = {
    queued: s.isQueued(),
    active: s.isActive(),
    paused: s.isPaused(),
    done: s.isDone(),
    error: s.isError(),
    closed: s.isClosed(),
    deleted: s.isDeleted(),
  };
  return Object.entries(all)
    .filter(([, yes]) => yes)
    .map(([name]) => name);
}

const CHANNELS = 2;
const POINTS = 10;
const rdaStart = () => encodeStart({ names: ['A', 'B'], intervalUs: 1000, resolutions: [1, 1] });
const rdaBlock = (n: number) =>
  encodeData({ format: 'float32', block: n, channels: CHANNELS, samples: new Float32Array(POINTS * CHANNELS).fill(n) });

/** An RDA server playing one script per connection: bytes to send, then 'hold' or 'close'. */
async function scriptedServer(scripts: (Buffer | 'hold' | 'close')[][]) {
  let connection = 0;
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    for (const step of scripts[Math.min(connection++, scripts.length - 1)]) {
      if (step === 'close') return void socket.end();
      if (step === 'hold') return;
      socket.write(step);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    uri: `rda://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    drop: () => sockets.at(-1)!.end(),
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

test('queued → active ⇄ paused → closed → deleted: predicates, start/end, and what is refused in each state', async () => {
  const session = new Session(SIM, { metadata: { speaker: 'A', take: 3 } });
  try {
    assert.deepEqual(predicates(session), ['queued']);
    assert.equal(session.start, undefined, 'not started before data flows');
    await assert.rejects(session.pause(), /cannot pause sim:rda.*: it is queued; only an active session can be paused/);
    await assert.rejects(session.resume(), /cannot resume sim:rda.*: it is queued; only a paused session can be resumed/);

    await session.connect();
    assert.deepEqual(predicates(session), ['active']);
    assert.ok((session.start as unknown) instanceof Date);
    assert.equal(session.end, undefined);
    await assert.rejects(session.connect(), /cannot connect a session that is active/);
    await assert.rejects(session.resume(), /it is active; only a paused session can be resumed/);

    // A second pause while the first is on its way is refused, not queued behind it.
    const first = session.pause();
    await assert.rejects(session.pause(), /already paused or pausing/);
    await first;
    assert.deepEqual(predicates(session), ['paused']);
    assert.ok(session.pausedAt instanceof Date && typeof session.pausePoint === 'number');
    await assert.rejects(session.pause(), /it is already paused or pausing/);
    await assert.rejects(session.resume('soon' as unknown as Date), TypeError);
    await assert.rejects(session.resume(2 as unknown as -1), /expected nothing \(from the pause point\), a Date, or -1 \(live\); got 2/);
    await assert.rejects(session.resume(new Date(Number.NaN)), /the Date is invalid/);
    await assert.rejects(session.resume(new Date(Date.now() + 60_000)), /is in the future/);
    await assert.rejects(session.resume(new Date(session.pausedAt!.getTime() - 1000)), /is before the pause/);
    assert.ok(session.isPaused(), 'a refused resume leaves the session paused');

    await session.resume();
    assert.deepEqual(predicates(session), ['active']);
    assert.equal(session.pausePoint, undefined);

    await session.close();
    assert.deepEqual(predicates(session), ['done', 'closed']);
    const end = session.end as Date | undefined;
    assert.ok(end instanceof Date && end >= session.start!);
    await session.close(); // harmless
    await assert.rejects(session.pause(), /it is closed/);
    await assert.rejects(session.resume(), /it is closed/);
    await assert.rejects(session.connect(), /cannot connect a session that is closed/);

    assert.deepEqual(await session.delete(), []);
    assert.deepEqual(predicates(session), ['done', 'deleted']);
    for (const [what, call] of [
      ['connect', () => session.connect()],
      ['pause', () => session.pause()],
      ['resume', () => session.resume()],
      ['close', () => session.close()],
      ['delete', () => session.delete()],
      ['record', () => session.startRecording(path.join(tmpDir(), 'x.npy'))],
    ] as const) {
      await assert.rejects(async () => call(), new RegExp(`cannot ${what} sim:rda.*: the session was deleted`), what);
    }
  } finally {
    if (!session.isDeleted()) await session.close();
  }
});

test('a stream that ends by itself is done, and closing it keeps done (it was not aborted)', async () => {
  const server = await scriptedServer([[rdaStart(), rdaBlock(0), rdaBlock(1), rdaBlock(2), encodeStop(), 'hold']]);
  const session = new Session(server.uri);
  try {
    const states: SessionState[] = [];
    session.on('state', (s: SessionState) => states.push(s));
    await session.connect();
    await waitFor('done', () => session.state === 'done');
    assert.deepEqual(states, ['connecting', 'active', 'done']);
    assert.deepEqual(predicates(session), ['done']);
    assert.equal(session.streamStatus, 'finished');
    assert.ok(session.end instanceof Date);
    await assert.rejects(session.pause(), /it is done/);
    await session.close();
    assert.deepEqual(predicates(session), ['done'], 'closing a finished session frees it but keeps how it finished');
    assert.equal(session.stats().frames, 3 * POINTS, 'the final stats arrived before the thread left');
    assert.equal(session.sourceSeconds(), (3 * POINTS) / 1000);
    assert.equal(session.sourceName(), `${server.uri.split(':').at(-1)}@127.0.0.1`);
    assert.equal(session.fromSocket(), true);
    assert.equal(session.fromFile(), false);
    assert.equal(session.size(), undefined);
  } finally {
    await session.close();
    await server.close();
  }
});

test('stopStream(): a family with nothing of its own to stop ends as stopped; the recording ends with what came and the ring stays readable', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'stopped.npy');
  const session = new Session(SIM);
  try {
    await session.connect();
    assert.equal(session.streamStatus, 'started');
    const ended = session.recordingEnded();
    await session.startRecording(file, { fromFrame: 0 });
    await waitFor('frames', () => session.lastSample >= 500);
    await session.stopStream();
    assert.equal(session.state, 'done');
    assert.equal(session.streamStatus, 'stopped');
    assert.equal(session.endReason, 'stopped by the user');
    const summary = await ended;
    assert.equal(summary.frames, session.lastSample, 'every frame that reached the ring is in the file');
    assert.equal(readNpy(file).shape[0], summary.frames);
    assert.ok(session.getData(0, 10) !== null, 'the ring is still readable');
    await assert.rejects(session.stopStream(), /cannot stop the stream .* it is done/);
  } finally {
    await session.close();
  }
});

test('a refused connection is an error, which close() keeps and delete() ends', async () => {
  const session = new Session('rda://127.0.0.1:9');
  await assert.rejects(session.connect(), /ECONNREFUSED/);
  assert.deepEqual(predicates(session), ['done', 'error']);
  assert.equal(session.start, undefined, 'it never started');
  await session.close();
  assert.deepEqual(predicates(session), ['done', 'error']);
  await session.delete();
  assert.deepEqual(predicates(session), ['done', 'deleted']);
});

test('a reconnect while paused comes back paused', async () => {
  const server = await scriptedServer([
    [rdaStart(), rdaBlock(0), rdaBlock(1), 'hold'],
    [rdaBlock(2), rdaBlock(3), 'hold'],
  ]);
  const session = new Session(server.uri, { backoffS: [0.05] });
  try {
    await session.connect();
    await session.pause();
    const states: SessionState[] = [];
    session.on('state', (s: SessionState) => states.push(s));
    server.drop();
    await waitFor('the stream back', () => states.length >= 2 && session.lastSample >= 4 * POINTS);
    assert.deepEqual(states, ['connecting', 'paused']);
    await session.resume();
    assert.equal(session.state, 'active');
  } finally {
    await session.close();
    await server.close();
  }
});

test('recording through a pause and resume() from the pause point: the file is the stream, no gap', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'paused.npy');
  const session = new Session(SIM);
  try {
    await session.connect();
    await session.startRecording(file, { fromFrame: 0 });
    await waitFor('some data', () => session.lastSample >= 200);
    await session.pause();
    const pausePoint = session.pausePoint!;
    await waitFor('data while paused', () => session.lastSample >= pausePoint + 300);
    await session.refresh();
    assert.equal(session.stats().delivered, pausePoint, 'nothing delivered past the pause point');
    assert.equal(session.recording?.frames, pausePoint, 'the file stopped at the pause point');
    assert.ok(session.stats().frames >= pausePoint + 300, 'while the ring went on filling');
    assert.equal(session.deliveredSample, pausePoint);

    assert.deepEqual(await session.resume(), { frame: pausePoint, skipped: 0 });
    await waitFor('data after resume', () => session.lastSample >= pausePoint + 600);
    const summary = await session.stopRecording();
    assert.ok(summary.frames >= pausePoint + 600);
    assert.deepEqual(readNpy(file).data, session.getData(0, summary.frames), 'every frame, in order, once');
    assert.deepEqual(readSidecar(sidecarPathFor(file)).gaps, []);
  } finally {
    await session.close();
  }
});

test('resume(-1) jumps to live: the frames in between are a skipped gap of exactly their size', async () => {
  const file = path.join(tmpDir(), 'live.npy');
  const session = new Session(SIM);
  try {
    await session.connect();
    await session.startRecording(file, { fromFrame: 0 });
    await waitFor('some data', () => session.lastSample >= 200);
    await session.pause();
    const pausePoint = session.pausePoint!;
    await waitFor('data while paused', () => session.lastSample >= pausePoint + 300);
    const { frame, skipped } = await session.resume(-1);
    assert.ok(frame >= pausePoint + 300);
    assert.equal(skipped, frame - pausePoint);
    await waitFor('data after resume', () => session.lastSample >= frame + 200);
    const summary = await session.stopRecording();
    const after = summary.frames - pausePoint;
    const expected = new Float32Array([...session.getData(0, pausePoint)!, ...session.getData(frame, frame + after)!]);
    assert.deepEqual(readNpy(file).data, expected);
    assert.deepEqual(readSidecar(sidecarPathFor(file)).gaps, [
      { row: pausePoint, fromFrame: pausePoint, frames: skipped, cause: 'skipped' },
    ]);
    assert.deepEqual(session.gaps.at(-1), { fromFrame: pausePoint, frames: skipped, cause: 'skipped' });
  } finally {
    await session.close();
  }
});

test('resume(date) goes on from the frame that arrived at that time', async () => {
  const file = path.join(tmpDir(), 'from-time.npy');
  const session = new Session(SIM);
  try {
    await session.connect();
    await session.startRecording(file, { fromFrame: 0 });
    await session.pause();
    const pausePoint = session.pausePoint!;
    // An anchor that arrived after the pause: its time maps to exactly its frame.
    await waitFor('an anchor after the pause', () => session.anchors.some((a) => a.frame > pausePoint));
    const anchor = session.anchors.find((a) => a.frame > pausePoint)!;
    const { frame, skipped } = await session.resume(new Date(anchor.wallMs));
    assert.deepEqual({ frame, skipped }, { frame: anchor.frame, skipped: anchor.frame - pausePoint });
    await waitFor('data after resume', () => session.lastSample >= frame + 100);
    const summary = await session.stopRecording();
    const expected = new Float32Array([
      ...session.getData(0, pausePoint)!,
      ...session.getData(frame, frame + summary.frames - pausePoint)!,
    ]);
    assert.deepEqual(readNpy(file).data, expected);
  } finally {
    await session.close();
  }
});

test('delete() closes the session and removes exactly its recordings, sidecars and timelogs', async () => {
  const dir = tmpDir();
  const keep = path.join(dir, 'not-ours.npy');
  fs.writeFileSync(keep, "someone else's file");
  const session = new Session(SIM);
  await session.connect();
  const npy = path.join(dir, 'a.npy');
  const mat = path.join(dir, 'b.mat');
  const timelog = path.join(dir, 'timelog.csv');
  await session.startRecording(npy, { durationS: 0.05 });
  await session.recordingEnded();
  await session.saveTimelog(timelog);
  // Still recording when deleted: the recording is finished first, then removed.
  await session.startRecording(mat, { format: 'mat' });
  const listed = session.artifacts();
  assert.deepEqual(listed, [npy, sidecarPathFor(npy), timelog, `${mat}.part`, sidecarPathFor(mat)]);
  const removed = await session.delete();
  assert.deepEqual(
    removed,
    [npy, sidecarPathFor(npy), timelog, mat, sidecarPathFor(mat)],
    'the MAT was finished from its .part, then removed',
  );
  for (const file of removed) assert.equal(fs.existsSync(file), false, `${file} removed`);
  assert.deepEqual(fs.readdirSync(dir), ['not-ours.npy']);
  assert.equal(session.state, 'deleted');
});

test('stats, sourceSeconds, metadata and source names; refreshSessions asks every session at once', async () => {
  const sessions = [
    new Session(SIM, { metadata: { speaker: 'A', take: 3 } }),
    new Session('sim:rda?channels=3&rate=2000'),
    new Session(SIM),
  ];
  try {
    const [tagged] = sessions;
    assert.equal(tagged.tagsMatch({ speaker: 'A' }), true);
    assert.equal(tagged.tagsMatch({ speaker: 'A', take: 3 }), true);
    assert.equal(tagged.tagsMatch({}), true);
    assert.equal(tagged.tagsMatch({ take: '3' }), false, 'values compare as they are: 3 is not "3"');
    assert.equal(tagged.tagsMatch({ speaker: 'A', room: 'B' }), false);
    assert.throws(() => {
      (tagged.metadata as Record<string, unknown>).speaker = 'B';
    }, TypeError);
    assert.equal(tagged.sourceName(), SIM);
    assert.equal(tagged.fromSocket(), false);
    assert.equal(tagged.sourceSeconds(), undefined, 'no rate before the format is known');
    assert.deepEqual(tagged.stats(), {
      frames: 0,
      blocks: 0,
      bytes: 0,
      lostFrames: 0,
      gaps: 0,
      reconnects: 0,
      errors: 0,
      delivered: 0,
      measuredRate: 0,
      driftMs: 0,
      silentS: 0,
    });

    await Promise.all(sessions.map((s) => s.connect()));
    await waitFor('data everywhere', () => sessions.every((s) => s.lastSample >= 300));
    const before = sessions.map((s) => s.lastSample);
    assert.deepEqual(await refreshSessions(sessions), sessions);
    sessions.forEach((s, i) => {
      const stats = s.stats();
      assert.ok(stats.frames >= before[i], `session ${i}: refreshed stats cover what the ring had before (${stats.frames} ≥ ${before[i]})`);
      assert.ok(stats.bytes > 0 && stats.errors === 0);
      assert.equal(stats.delivered, stats.frames, 'an unpaused session delivers everything');
    });
    await Promise.all(sessions.map((s) => s.close()));
    for (const s of sessions) assert.equal(s.sourceSeconds(), s.stats().frames / s.rate);
    // A closed session has no thread to ask: refresh resolves with what it has.
    assert.deepEqual(await refreshSessions(sessions), sessions);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
});

test("the sidecar's summary is the recording's own (frames, bytes, gaps, its rate and drift); the session's totals are under summary.session; the device's name on top", async () => {
  const file = path.join(tmpDir(), 'own.npy');
  const session = new Session('sim:rda?channels=2&rate=1000');
  try {
    await session.connect();
    await waitFor('a second and a half before the recording', () => session.lastSample >= 1500);
    const ended = session.recordingEnded();
    await session.startRecording(file, { durationS: 2.5, deviceName: 'EEG A' });
    const summary = await ended;
    assert.equal(summary.frames, 2500);
    const sidecar = readSidecar(sidecarPathFor(file));
    assert.deepEqual(Object.keys(sidecar).slice(0, 3), ['labscope', 'version', 'device']);
    assert.deepEqual(sidecar.device, { name: 'EEG A', uri: 'sim:rda?channels=2&rate=1000', family: 'rda' });
    const own = sidecar.summary as Record<string, number | string | Record<string, number>>;
    assert.equal(own.frames, 2500);
    assert.equal(own.bytes, summary.bytes);
    assert.equal(own.gaps, 0);
    assert.equal(own.lostFrames, 0);
    assert.equal(own.errors, 0);
    assert.equal(own.reconnects, 0);
    assert.equal(own.nominalRate, 1000);
    assert.ok(Math.abs((own.measuredRate as number) - 1000) < 100, `measured over the recording: ${own.measuredRate}`);
    assert.equal(typeof own.driftMs, 'number');
    const totals = own.session as Record<string, number>;
    assert.ok(totals.frames >= 4000, `the session's totals, named so: ${totals.frames} frames since it connected`);
    assert.equal(own.ended, 'duration reached');
  } finally {
    await session.close();
  }
});
