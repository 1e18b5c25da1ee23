// The CLI on audio: `record audio:FILE --fast` writes exactly the file's frames (numpy agrees with
// Python's own decode), `simulate audio` serves a stream `record` can take, and mistakes are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, startCli, finished, waitForOutput } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { AUDIO_DATA, referenceCompare, seededBytes } from '../helpers/audio';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';

test('record audio:FILE --fast: every shared WAV becomes an NPY of exactly its frames, as Python decodes them', async () => {
  const dir = tmpDir();
  for (const name of fs.readdirSync(AUDIO_DATA).sort()) {
    const file = path.join(AUDIO_DATA, name);
    const out = path.join(dir, `${name}.npy`);
    const r = await runCli(['record', `audio:${file}`, '--fast', '--out', out, '--json']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.reason, 'stream ended: end of file', name);
    assert.equal(summary.gaps, 0);
    const verdict = referenceCompare(out, file);
    assert.ok(verdict.equal, `${name}: ${JSON.stringify(verdict)}`);
    assert.equal(summary.frames, verdict.expected[0]);
  }
});

test('record a raw file --fast, relative to the working folder, with its declared format', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'take.pcm'), seededBytes(2 * 2 * 5000, 41));
  const r = await runCli(
    ['record', 'audio:take.pcm?rate=22050&encoding=UPCM&width=2&channels=2&endian=big', '--fast', '--out', 'take.npy', '--json'],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).frames, 5000);
  const verdict = referenceCompare(path.join(dir, 'take.npy'), path.join(dir, 'take.pcm'), {
    encoding: 'UPCM',
    width: 2,
    channels: 2,
    endian: 'big',
  });
  assert.ok(verdict.equal, JSON.stringify(verdict));
  const sidecar = readSidecar(sidecarPathFor(path.join(dir, 'take.npy')));
  assert.equal(sidecar.rate, 22050);
  assert.equal(sidecar.source?.container, 'raw');
  assert.equal(sidecar.source?.encoding, 'UPCM');
});

test('audio mistakes on the command line are one line naming the field', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'x.pcm'), Buffer.alloc(100));
  const cases: [string[], number, RegExp][] = [
    [['record', 'sim:audio', '--fast', '--out', 'x.npy'], 2, /--fast: .*only an audio file \(audio:FILE\) can be played faster/],
    [['record', 'audio:x.pcm?rate=96k&encoding=SPCM&width=2', '--out', 'x.npy'], 2, /parameter rate=96k is outside 8000–48000 Hz/],
    [
      ['record', 'audio:x.pcm?rate=16k&encoding=SPCM', '--fast', '--out', 'x.npy'],
      1,
      /x\.pcm: no RIFF\/RIFX header, so it is read as raw PCM, and width is required for SPCM/,
    ],
    [['record', 'audio:missing.wav', '--out', 'x.npy'], 1, /cannot play .*missing\.wav: no such file/],
    [
      ['record', 'audio+tcp://127.0.0.1:9?rate=16k&encoding=ULAW&width=2', '--out', 'x.npy'],
      2,
      /parameter width=2 contradicts encoding=ULAW/,
    ],
    [['simulate', 'audio', '--freq', '9000'], 2, /parameter freq=9000 is too high/],
    [['simulate', 'audio', '--file', 'a.wav', '--rate', '8k'], 2, /cannot be combined with rate=/],
  ];
  for (const [args, code, message] of cases) {
    const r = await runCli(args, { cwd: dir });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('labscope:')).length,
      1,
      r.stderr,
    );
  }
});

test('simulate audio serves raw PCM that record takes from the URI it prints', async () => {
  const child = startCli(['simulate', 'audio', '--freq', '1000', '--rate', '16k', '--channels', '2', '--encoding', 'ALAW', '--port', '0']);
  const done = finished(child);
  try {
    const [, uri] = await waitForOutput(child, /connect with (audio\+tcp:\S+)/);
    assert.match(uri, /\?rate=16000&encoding=ALAW&width=1&channels=2&endian=little$/);
    const out = path.join(tmpDir(), 'sim.npy');
    const r = await runCli(['record', uri, '--out', out, '--duration', '0.25', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).frames, 4000);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal((await done).code, 0);
});
