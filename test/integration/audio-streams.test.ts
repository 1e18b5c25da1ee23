// Many streams at once: createStreams / createDirStreams as the seed defines them, an audio file
// that a pause holds (so nothing is skipped), and a folder played a few at a time and recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createDirStreams, createStreams, findStreamFiles } from '../../src/core/streams';
import { AUDIO_EXTENSIONS } from '../../src/devices/audio/family';
import { StreamBatch } from '../../src/core/stream-batch';
import type { Session } from '../../src/core/session';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { tmpDir } from '../helpers/tmp';
import { writePcm16Wav } from '../helpers/pcm-wav';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do
import { waitFor } from '../helpers/wait';

/** A folder of: a.wav, notes.txt, b.PCM, sub/c.wav, sub/deeper/d.Wav, and a link to a.wav. */
function folder(): string {
  const dir = tmpDir();
  for (const f of ['a.wav', 'sub/c.wav', 'sub/deeper/d.Wav']) writePcm16Wav(path.join(dir, f), 80);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not audio');
  fs.writeFileSync(path.join(dir, 'b.PCM'), Buffer.alloc(160));
  fs.symlinkSync(path.join(dir, 'a.wav'), path.join(dir, 'link.wav'));
  // A link to a folder is not followed: it would visit sub/ twice (or forever, if it looped).
  fs.symlinkSync(path.join(dir, 'sub'), path.join(dir, 'loop'));
  return dir;
}

test('createDirStreams: every file by default, exts, filters on full paths, recursion; sorted; queued audio: sessions', () => {
  const dir = folder();
  const rel = (files: string[]) => files.map((f) => path.relative(dir, f));
  assert.deepEqual(rel(findStreamFiles(dir)), ['a.wav', 'b.PCM', 'link.wav', 'notes.txt', 'sub/c.wav', 'sub/deeper/d.Wav']);
  assert.deepEqual(rel(findStreamFiles(dir, { exts: ['wav'] })), ['a.wav', 'link.wav', 'sub/c.wav', 'sub/deeper/d.Wav']);
  assert.deepEqual(rel(findStreamFiles(dir, { exts: AUDIO_EXTENSIONS })), ['a.wav', 'b.PCM', 'link.wav', 'sub/c.wav', 'sub/deeper/d.Wav']);
  assert.deepEqual(rel(findStreamFiles(dir, { recursive: false })), ['a.wav', 'b.PCM', 'link.wav', 'notes.txt']);
  // Filters see the full path, and all of them must match; a /g RegExp is not left stateful.
  assert.deepEqual(rel(findStreamFiles(dir, { filters: ['/sub/'] })), ['sub/c.wav', 'sub/deeper/d.Wav']);
  assert.deepEqual(rel(findStreamFiles(dir, { filters: [/\.wav$/gi, 'deeper'] })), ['sub/deeper/d.Wav']);
  assert.deepEqual(rel(findStreamFiles(dir, { filters: [`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/a`] })), ['a.wav']);
  // Two folders that overlap give each file once.
  assert.deepEqual(rel(findStreamFiles([path.join(dir, 'sub'), dir], { exts: ['.wav'] })), [
    'a.wav',
    'link.wav',
    'sub/c.wav',
    'sub/deeper/d.Wav',
  ]);

  assert.throws(() => findStreamFiles(dir, { filters: ['ok', '(unclosed'] }), /filter "\(unclosed" is not a regular expression/);
  assert.throws(() => findStreamFiles(path.join(dir, 'missing')), /cannot read the folder .*missing: ENOENT/);
  assert.throws(() => findStreamFiles(path.join(dir, 'notes.txt')), /notes\.txt is not a folder/);

  const sessions = createDirStreams(dir, { exts: ['.wav'], recursive: true }, { speaker: 'A' });
  assert.deepEqual(
    sessions.map((s) => s.uri),
    ['a.wav', 'link.wav', 'sub/c.wav', 'sub/deeper/d.Wav'].map((f) => `audio:${path.join(dir, f)}`),
  );
  for (const s of sessions) {
    assert.equal(s.state, 'queued');
    assert.equal(s.family, 'audio');
    assert.equal(s.tagsMatch({ speaker: 'A' }), true);
    assert.equal(s.fromFile(), true);
    assert.equal(s.fromSocket(), false);
    assert.equal(s.size(), 44 + 160);
  }
  assert.deepEqual(
    sessions.map((s) => s.sourceName()),
    ['a.wav', 'link.wav', 'c.wav', 'd.Wav'],
  );
});

test("createStreams: URIs, paths and socket addresses; the seed's format metadata becomes audio URI parameters", () => {
  const raw = { samprate: '16k', encoding: 'SPCM', sampwidth: 2 };
  const sessions = createStreams(['sim:rda?channels=2', 'takes/one.pcm', { host: '127.0.0.1', port: 4155 }, 'audio:x.pcm?rate=16k'], raw);
  assert.deepEqual(
    sessions.map((s) => s.uri),
    [
      'sim:rda?channels=2',
      `audio:${path.resolve('takes/one.pcm')}?rate=16k&encoding=SPCM&width=2`,
      'audio+tcp://127.0.0.1:4155?rate=16k&encoding=SPCM&width=2',
      'audio:x.pcm?rate=16k&encoding=SPCM&width=2',
    ],
  );
  assert.ok(sessions.every((s) => s.isQueued() && s.tagsMatch(raw)));
  assert.equal(sessions[2].sourceName(), '4155@127.0.0.1');
  assert.equal(sessions[2].fromSocket(), true);
  assert.throws(() => createStreams('audio:x.pcm?rate=8k', { samprate: '16k' }), /metadata samprate=16k contradicts the URI's rate=8k/);
  assert.throws(() => createStreams(['sim:rda', 'rdb://10.0.0.1']), /bad device URI "rdb:\/\/10\.0\.0\.1": unknown scheme "rdb:"/);
  assert.throws(() => createStreams('a.pcm', { samprate: '99k' }), /rate/);
});

test('a paused audio file is held: nothing is skipped even by resume(-1), and the recording is the whole file', async () => {
  const dir = tmpDir();
  const wav = path.join(dir, 'tone.wav');
  const frames = 16_000; // 2 s at 8 kHz, played in real time: long enough to be paused midway
  const samples = writePcm16Wav(wav, frames);
  const [session] = createStreams(wav);
  const out = path.join(dir, 'tone.npy');
  try {
    await session.connect();
    await session.startRecording(out, { fromFrame: 0 });
    await session.pause();
    const pausePoint = session.pausePoint!;
    assert.ok(pausePoint < frames, 'paused before the end of the file');
    // Long enough for a real-time player that was not held to have moved on.
    await new Promise((r) => setTimeout(r, 150));
    await session.refresh();
    assert.equal(session.stats().frames, pausePoint, 'a held file reads nothing while paused');
    assert.deepEqual(await session.resume(-1), { frame: pausePoint, skipped: 0 });
    // The acquisition finishes the recording before it reports the end of the stream.
    assert.equal(await session.whenDone(), 'done');
    assert.equal(session.recording, undefined);
    assert.deepEqual(
      readNpy(out).data,
      Float32Array.from(samples, (v) => v / 32768),
    );
    assert.deepEqual(readSidecar(sidecarPathFor(out)).gaps, []);
    assert.equal(session.sourceSeconds(), frames / 8000);
    assert.ok(session.sourceFormat, "the file's own format is known");
  } finally {
    if (!session.isDeleted()) await session.close();
  }
});

test('a folder plays a few at a time, each file recorded whole beside its relative path; one bad file is its own error', async () => {
  const dir = tmpDir();
  const lengths: Record<string, number> = { 'a.wav': 400, 'b.wav': 800, 'sub/c.wav': 1200, 'sub/d.wav': 160 };
  const written = Object.fromEntries(Object.entries(lengths).map(([f, n]) => [f, writePcm16Wav(path.join(dir, f), n)]));
  fs.writeFileSync(path.join(dir, 'broken.wav'), 'RIFF....WAVE but nothing else');
  const out = path.join(tmpDir(), 'recordings');
  const sessions = createDirStreams(dir, { exts: ['wav'] });
  const batch = new StreamBatch('folder', dir, sessions, { concurrency: 2, record: { dir: out, format: 'npy' } });
  let mostAtOnce = 0;
  batch.on('changed', () => {
    mostAtOnce = Math.max(mostAtOnce, sessions.filter((s) => ['connecting', 'active', 'paused'].includes(s.state)).length);
  });
  const errors: string[] = [];
  batch.on('log', (level, text) => level === 'error' && errors.push(text));
  await batch.run();
  assert.equal(batch.finished, true);
  assert.deepEqual(
    sessions.map((s) => `${batch.nameOf(s)} ${s.state}`),
    ['a.wav done', 'b.wav done', 'broken.wav error', 'sub/c.wav done', 'sub/d.wav done'],
  );
  assert.deepEqual(batch.counts(), { done: 4, error: 1 });
  assert.ok(mostAtOnce <= 2, `at most 2 streams at once, saw ${mostAtOnce}`);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^broken\.wav: cannot play .*broken\.wav/);
  for (const [file, samples] of Object.entries(written)) {
    const recording = path.join(out, `${file}.npy`);
    assert.equal(batch.recordingOf(sessions.find((s) => batch.nameOf(s) === file)!), recording);
    assert.deepEqual(
      readNpy(recording).data,
      Float32Array.from(samples, (v) => v / 32768),
      file,
    );
  }
  // Every stream's thread was let go once it finished.
  assert.ok(sessions.every((s) => s.lastSample === 0));
  // Delete one: its recording and sidecar go, the others stay.
  const a = sessions[0];
  assert.deepEqual(await a.delete(), [path.join(out, 'a.wav.npy'), path.join(out, 'a.wav.labscope.json')]);
  assert.equal(fs.existsSync(path.join(out, 'b.wav.npy')), true);
});

test('a batch closed while it plays: the queued streams never start, and run() still resolves', async () => {
  const dir = tmpDir();
  for (const f of ['1.wav', '2.wav', '3.wav']) writePcm16Wav(path.join(dir, f), 8000 * 5);
  const sessions: Session[] = createDirStreams(dir);
  const batch = new StreamBatch('long', dir, sessions, { concurrency: 1 });
  const run = batch.run();
  await waitFor('the first stream playing', () => sessions[0].isActive());
  await batch.close();
  await run;
  assert.deepEqual(
    sessions.map((s) => s.state),
    ['closed', 'closed', 'closed'],
  );
  assert.equal(sessions[1].start, undefined, 'a queued stream that was closed never started');
});
