// openRecording against numpy: files our writers write and files numpy writes, read by small
// pages so reads cross page edges; bad files give messages that name the fault.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openRecording } from '../../src/core/reading/reader';
import { openWriter } from '../../src/core/writers';
import { pythonJson, PYTHON } from '../helpers/python';
import { execFileSync } from 'node:child_process';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reading-'));

function signal(frames: number, channels: number): Float32Array {
  const x = new Float32Array(frames * channels);
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(Math.sin(i * 0.37) * 100 + (i % 7));
  return x;
}

for (const format of ['npy', 'csv', 'mat'] as const) {
  test(`${format}: rows across page edges equal numpy's reading of the file`, async () => {
    const file = path.join(dir, `rec.${format}`);
    const w = openWriter(file, format, { channels: ['a', 'b', 'c'], units: ['V', 'A', ''], rate: 100 });
    const data = signal(3000, 3);
    w.append(data, 0);
    w.close();
    const script =
      format === 'npy'
        ? 'import numpy as np,sys,json; print(json.dumps(np.load(sys.argv[1]).astype(float).tolist()))'
        : format === 'csv'
          ? 'import numpy as np,sys,json; print(json.dumps(np.loadtxt(sys.argv[1],delimiter=",",skiprows=1)[:,1:].tolist()))'
          : 'import scipy.io as s,sys,json; print(json.dumps(s.loadmat(sys.argv[1])["data"].astype(float).tolist()))';
    const ref = pythonJson<number[][]>(script, file);
    const r = await openRecording(file, { pageBytes: 100 });
    assert.equal(r.frames, 3000);
    assert.equal(r.channelCount, 3);
    if (format === 'csv')
      assert.deepEqual(r.channels, [
        { name: 'a', unit: 'V' },
        { name: 'b', unit: 'A' },
        { name: 'c', unit: '' },
      ]);
    for (const [start, end] of [
      [0, 3000],
      [0, 8],
      [7, 9],
      [8, 9],
      [1023, 1025],
      [1024, 2049],
      [2999, 3000],
    ]) {
      const got = await r.read(start, end, [2, 0]);
      const want = ref.slice(start, end).flatMap((row) => [row[2], row[0]]);
      assert.deepEqual(Array.from(got), want, `[${start}, ${end})`);
    }
    await assert.rejects(r.read(0, 3001), /past the end/);
    await r.close();
  });
}

test('numpy-written float64 and 1-D files read as numpy holds them', async () => {
  const f2 = path.join(dir, 'np64.npy');
  const f1 = path.join(dir, 'np1d.npy');
  execFileSync(PYTHON, [
    '-c',
    'import numpy as np,sys; np.save(sys.argv[1], np.arange(60.0).reshape(20,3)/7); np.save(sys.argv[2], np.arange(10, dtype=np.float32))',
    f2,
    f1,
  ]);
  const r2 = await openRecording(f2, { pageBytes: 40 });
  assert.equal(r2.sampleType, 'float64');
  assert.deepEqual(Array.from(await r2.read(5, 7, [1])), [16 / 7, 19 / 7]);
  const r1 = await openRecording(f1);
  assert.equal(r1.channelCount, 1);
  assert.deepEqual(Array.from(await r1.read(0, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await r1.close();
  await r2.close();
});

test('bad files: truncated NPY, garbage header, ragged CSV, compressed MAT', async () => {
  const t = path.join(dir, 't.npy');
  const w = openWriter(t, 'npy', { channels: ['a', 'b'], rate: 10 });
  w.append(signal(100, 2), 0);
  w.close();
  fs.truncateSync(t, fs.statSync(t).size - 12);
  const r = await openRecording(t);
  assert.equal(r.frames, 98);
  assert.match(r.problems.join('\n'), /header says 100 rows but the data holds 98 whole rows/);
  await r.close();
  const g = path.join(dir, 'g.npy');
  fs.writeFileSync(g, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY\x01\x00\x10\x00{garbage here  }\n', 'latin1')]));
  await assert.rejects(openRecording(g), /g\.npy: unparsable NPY header/);
  const c = path.join(dir, 'ragged.csv');
  fs.writeFileSync(c, 'time_s,a,b\n0,1,2\n0.1,1\n');
  await assert.rejects(openRecording(c), /line 3 has 2 fields, the header has 3 \(ragged rows\)/);
  const m = path.join(dir, 'z.mat');
  execFileSync(PYTHON, [
    '-c',
    'import scipy.io as s,sys,numpy as np; s.savemat(sys.argv[1], {"data": np.ones((5,2))}, do_compression=True)',
    m,
  ]);
  await assert.rejects(openRecording(m), /compressed MAT file \(miCOMPRESSED/);
});

test('a sidecar whose channels disagree with the file is a problem and the file wins; refresh follows a growing NPY', async () => {
  const file = path.join(dir, 'grow.npy');
  const w = openWriter(file, 'npy', { channels: ['a', 'b'], rate: 10 });
  w.append(signal(10, 2), 0);
  w.flush();
  fs.writeFileSync(
    path.join(dir, 'grow.labscope.json'),
    JSON.stringify({
      labscope: 'recording',
      version: 1,
      file: 'grow.npy',
      format: 'npy',
      channels: [{ name: 'x', unit: '' }],
      rate: 5,
      frames: 10,
    }),
  );
  const r = await openRecording(file);
  assert.deepEqual(
    r.channels.map((c) => c.name),
    ['ch1', 'ch2'],
  );
  assert.match(r.problems.join('\n'), /sidecar's 1 channels do not match the file's 2/);
  const more = signal(5, 2).map((v) => v + 1);
  w.append(more, 10);
  w.flush();
  assert.equal(await r.refresh(), 15);
  assert.deepEqual(Array.from(await r.read(10, 15)), Array.from(more));
  w.close();
  await r.close();
});
