// The CLI as a user meets it: exact durations, crashes that leave valid files, clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { finished, runCli, startCli } from '../helpers/cli';
import { PYTHON, pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { SyntheticSignal } from '../../src/devices/rda/synthetic';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { execFileSync } from 'node:child_process';

test('--duration records exactly rate × seconds frames, and numpy agrees', async () => {
  const out = path.join(tmpDir(), 'd.npy');
  const r = await runCli(['record', 'sim:rda?channels=4&rate=5000', '--out', out, '--duration', '1.5', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.frames, 7500);
  assert.equal(summary.reason, 'duration reached');
  const shape = pythonJson<number[]>('import sys, json, numpy as np; print(json.dumps(list(np.load(sys.argv[1]).shape)))', out);
  assert.deepEqual(shape, [7500, 4]);
  // The synthetic stream marks the first frame of every second.
  const sidecar = readSidecar(sidecarPathFor(out));
  assert.deepEqual(
    sidecar.markers.map((m) => [m.row, m.type, m.text]),
    [
      [0, 'Stimulus', 'S  0'],
      [5000, 'Stimulus', 'S  1'],
    ],
  );
  assert.equal(summary.markers, 2);
});

test('kill -9 during a recording leaves an NPY that numpy opens with every flushed frame, intact', async () => {
  const dir = tmpDir();
  const out = path.join(dir, 'killed.npy');
  const channels = 16;
  const rate = 20000;
  const child = startCli(['record', `sim:rda?channels=${channels}&rate=${rate}`, '--out', out]);
  const done = finished(child);
  // Let several flushes happen (every 250 ms) before the kill.
  const deadline = Date.now() + 20_000;
  while (!(fs.existsSync(out) && fs.statSync(out).size > 128 + rate * channels * 4) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 700));
  child.kill('SIGKILL');
  const result = await done;
  assert.equal(result.signal, 'SIGKILL');

  // numpy reads what the header promises; re-saving it gives us numpy's own view of the data.
  const copy = path.join(dir, 'numpy-view.npy');
  execFileSync(PYTHON, ['-c', 'import sys, numpy as np; a = np.load(sys.argv[1]); np.save(sys.argv[2], a)', out, copy]);
  const seen = readNpy(copy);
  const frames = seen.shape[0];
  assert.equal(seen.shape[1], channels);
  assert.ok(frames >= rate, `only ${frames} frames survived`);
  const expected = new SyntheticSignal({ channels, rate }).fill(0, frames);
  assert.deepEqual(seen.data, expected, 'flushed frames differ from what the simulator sent');

  const repaired = await runCli(['recover', out]);
  assert.equal(repaired.code, 0, repaired.stderr);
  const after = readNpy(out);
  assert.ok(after.shape[0] >= frames);
  assert.deepEqual(after.data, new SyntheticSignal({ channels, rate }).fill(0, after.shape[0]));
});

test('a bad URI is refused in one line naming the part, exit code 2', async () => {
  const r = await runCli(['record', 'rda://127.0.0.1:99999', '--out', path.join(tmpDir(), 'x.npy')]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /port "99999"/);
  const s = await runCli(['record', 'nope://x', '--out', 'x.npy']);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /unknown scheme "nope:"/);
});

test('a refused connection is one line that says so, exit code 1', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  const r = await runCli(['record', `rda://127.0.0.1:${port}`, '--out', path.join(tmpDir(), 'x.npy')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^labscope: .*cannot connect to rda:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/m);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('bad arguments name what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [['record', 'sim:rda'], /--out/],
    [['record', 'sim:rda', '--out', 'x.wav'], /\.npy, \.csv or \.mat/],
    [['record', 'sim:rda', '--out', 'x.npy', '--duration=-3'], /--duration must be a positive number/],
    [['record', 'sim:rda', '--out', 'x.npy', '--bogus'], /bogus/],
    [['simulate', 'rda', '--format', 'int8'], /parameter format="int8" is not one of float32, int16/],
    [['simulate', 'rda', '--speed', 'fast'], /parameter speed="fast" is not a number > 0 or "max"/],
    [['simulate', 'rda', '--file', 'x.vhdr', '--channels', '4'], /file= replays a recording: it cannot be combined with channels=/],
    [['simulate', 'rda', '--bogus', '1'], /bogus/],
    [['simulate', 'nosuch'], /no simulator for "nosuch" \(available: rda, servomex, audio, bela, moku\)/],
    [['record', 'sim:rda?speed=fast', '--out', 'x.npy'], /parameter speed="fast" is not a number > 0 or "max"/],
    [['record', 'rda://127.0.0.1:1?foo=1', '--out', 'x.npy'], /unknown parameter "foo" \(rda: URIs take none\)/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['info', '/nonexistent/file.npy'], /no such file/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { cwd: tmpDir() });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('info describes a recording from its file and sidecar', async () => {
  const out = path.join(tmpDir(), 'i.npy');
  assert.equal((await runCli(['record', 'sim:rda?channels=3&rate=250', '--out', out, '--duration', '0.4'])).code, 0);
  const r = await runCli(['info', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /shape 100 × 3/);
  assert.match(r.stdout, /rate: 250 Hz/);
  assert.match(r.stdout, /channels \(3\)/);
  assert.match(r.stdout, /gaps: 0/);
});

test('--version prints the version of package.json, and counts read as a person would write them', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), `labscope ${version}`);
  const out = path.join(tmpDir(), 'one.npy');
  const r = await runCli(['record', 'sim:rda?channels=1&rate=1000', '--out', out, '--duration', '0.001']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /recorded 1 frame × 1 channel \(/);
  assert.match(r.stderr, /recording 1 channel at 1000 Hz/);
});
