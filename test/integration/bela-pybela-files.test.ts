// pybela=DIR on a Bela session: every buffer saved in pybela's format (src/devices/bela/pybela-files.ts),
// then pybela's own Streamer.load_data_from_file (Debian's python3, ../shared/peers/pybela) reads
// each file back. Every value and ref_timestamp/rel_timestamps is checked against the simulator's
// all-types generator, each line is byte for byte what Python's json.dumps writes for it, and the
// NPY the same session recorded holds the same values at the same frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import '../../src/devices/index';
import { Session } from '../../src/core/session';
import { families } from '../../src/core/registry';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { bufferLayout } from '../../src/devices/bela/protocol';
import { PybelaFileWriter, pybelaLine, pythonFloat } from '../../src/devices/bela/pybela-files';
import { BelaSimulator, allTypesSparseSets, allTypesValue, allTypesWatchers } from '../../src/devices/bela/simulator';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';

const PYBELA = path.resolve(__dirname, '../../../shared/peers/pybela');
const VARS = ['c_dense', 'i_dense', 'j_dense', 'f_dense', 'd_dense', 'c_sparse', 'i_sparse', 'j_sparse', 'f_sparse', 'd_sparse', 'a0'];
const generator = new Map(allTypesWatchers().map((w) => [w.name, w]));

interface Loaded {
  /** Per file: pybela's loaded buffers, and whether each line is json.dumps of what it loaded. */
  files: Record<
    string,
    { buffers: { ref_timestamp: number; data: number[]; rel_timestamps?: number[] }[]; kinds: string[]; exact: boolean }
  >;
  /** The NPY's columns, NaN as null. */
  npy: (number | null)[][];
}

/** Loads each file with pybela's load_data_from_file; the NPY with numpy. */
const LOAD = `
import sys, json, math
import numpy as np
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + "/stubs")
from pybela import Streamer
s = Streamer(ip="127.0.0.1", port=1)
out = {"files": {}}
for name, file in json.loads(sys.argv[2]).items():
    buffers = s.load_data_from_file(file)
    assert buffers is not None, file
    with open(file) as f:
        lines = f.read().split("\\n")
    assert lines[-1] == "", "whole lines only"
    exact = [json.dumps(b) for b in buffers] == lines[:-1]
    kinds = sorted({type(x).__name__ for b in buffers for x in b["data"]} | {type(b["ref_timestamp"]).__name__ for b in buffers})
    out["files"][name] = {"buffers": buffers, "kinds": kinds, "exact": exact}
a = np.load(sys.argv[3])
out["npy"] = [[None if math.isnan(x) else x for x in a[:, c].tolist()] for c in range(a.shape[1])]
print(json.dumps(out))
`;

test("pybela=DIR saves a Bela session in pybela's format: load_data_from_file reads every value back, as in the NPY", async () => {
  const sim = new BelaSimulator({});
  const port = await sim.start();
  const dir = tmpDir();
  // A relative folder, as a user types it, is made absolute against the workspace folder.
  const uri = families().resolvePaths(`bela://127.0.0.1:${port}?vars=${VARS.join(',')}&pybela=saved/pybela`, dir);
  const pybelaDir = path.join(dir, 'saved', 'pybela');
  assert.ok(uri.endsWith(`&pybela=${pybelaDir}`), uri);
  const npy = path.join(dir, 'all-types.npy');
  const session = new Session(uri);
  try {
    await session.connect(15_000);
    const ended = session.recordingEnded();
    await session.startRecording(npy, { durationS: 1, fromFrame: 0 });
    assert.equal((await ended).frames, 44100);
  } finally {
    await session.close();
    await sim.stop();
  }
  const startFrame = Number((readSidecar(sidecarPathFor(npy)).source as { startFrame?: number }).startFrame);
  assert.ok(Number.isInteger(startFrame) && startFrame > 0, `startFrame ${startFrame}`);

  const files = Object.fromEntries(VARS.map((name) => [name, path.join(pybelaDir, `${name}_var_stream.txt`)]));
  assert.deepEqual(
    fs.readdirSync(pybelaDir).sort(),
    Object.values(files)
      .map((f) => path.basename(f))
      .sort(),
  );
  const loaded = pythonJson<Loaded>(LOAD, PYBELA, JSON.stringify(files), npy);

  VARS.forEach((name, c) => {
    const w = generator.get(name)!;
    const { buffers, kinds, exact } = loaded.files[name];
    const layout = bufferLayout(w.type, w.mode);
    assert.ok(exact, `${name}: every line is json.dumps of what pybela loads`);
    assert.deepEqual(kinds, w.type === 'f' || w.type === 'd' ? ['float', 'int'] : ['int'], `${name}: Python types ${kinds}`);
    // A second holds 44100 frames, of which sparse ones set 9737 (every 7th or 11th): NPY rows are checked covered below.
    const perSecond = w.mode === 'dense' ? 44100 : 9737;
    assert.ok(buffers.length >= Math.floor(perSecond / layout.capacity), `${name}: ${buffers.length} buffers`);
    // Frame -> value, from pybela's reading of the file.
    const saved = new Map<number, number>();
    let next = startFrame;
    for (const [b, buffer] of buffers.entries()) {
      const ref = buffer.ref_timestamp;
      assert.equal(buffer.data.length, layout.capacity, `${name}: buffer ${b} holds the buffer's every value`);
      if (w.mode === 'dense') {
        assert.equal(buffer.rel_timestamps, undefined);
        assert.equal(ref, next, `${name}: buffer ${b} follows the last`);
        next = ref + layout.capacity;
        buffer.data.forEach((x, k) => saved.set(ref + k, x));
      } else {
        const rel = buffer.rel_timestamps!;
        assert.equal(rel.length, layout.capacity);
        assert.equal(rel[0], 0, `${name}: buffer ${b}'s first value is at its ref`);
        for (let k = 0; k < rel.length; k++) {
          if (k > 0 && rel[k] === 0) continue; // the zero padding of a last buffer
          const frame = ref + rel[k];
          // Each set frame in turn, none skipped: the next after `next - 1`.
          let expect = next;
          while (!allTypesSparseSets(expect)) expect++;
          assert.equal(frame, expect, `${name}: buffer ${b} value ${k}`);
          next = frame + 1;
          saved.set(frame, buffer.data[k]);
        }
      }
    }
    for (const [frame, x] of saved) {
      const want = w.value(frame);
      if (x !== want) assert.fail(`${name} at frame ${frame}: pybela loads ${x}, the generator set ${want}`);
    }
    // The NPY: row r is frame startFrame + r; a sparse column is NaN between its frames.
    const column = loaded.npy[c];
    assert.equal(column.length, 44100);
    for (let r = 0; r < column.length; r++) {
      const frame = startFrame + r;
      const want = w.mode === 'dense' || allTypesSparseSets(frame) ? saved.get(frame) : undefined;
      if (w.mode === 'dense' || allTypesSparseSets(frame))
        assert.notEqual(want, undefined, `${name}: frame ${frame} is in the pybela file`);
      if (column[r] !== (want ?? null)) assert.fail(`${name} row ${r}: NPY ${column[r]}, pybela ${want}`);
    }
  });
  // The generator's own words on a few, so the check above is not the file against itself.
  assert.equal(loaded.files.j_dense.buffers[0].data[1], allTypesValue('j', startFrame + 1));
});

test('pybela files: floats as Python writes them, whole lines after each flush, never an existing file', () => {
  const values = [
    1,
    0.25,
    -2.5,
    1e-5,
    0.0001,
    1e16,
    1e15,
    123456789012345680,
    1 / 3,
    Math.fround(0.1),
    5e-324,
    1.7976931348623157e308,
    -1e-7,
    // Where Python's repr and JS's String switch to an exponent, and the ulps around it.
    9.999999999999999e-5,
    1e-4 * (1 + Number.EPSILON),
    9999999999999998,
    1.0000000000000002e16,
    1e21,
    123456789,
  ];
  // And a spread of magnitudes and mantissas (float32 values among them, as Bela's are), seeded.
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 3000; i++) {
    const x = (next() < 0.5 ? -1 : 1) * (1 + next()) * 10 ** Math.floor(next() * 50 - 25);
    values.push(i % 2 ? x : Math.fround(x));
  }
  const py = pythonJson<string[]>(
    'import json, sys; print(json.dumps([repr(float(x)) for x in json.loads(sys.argv[1])]))',
    JSON.stringify(values),
  );
  assert.deepEqual(values.map(pythonFloat), py);
  assert.deepEqual([NaN, -0, Infinity].map(pythonFloat), ['NaN', '-0.0', 'Infinity']);

  const dir = path.join(tmpDir(), 'out');
  const watchers = [
    { name: 'x', type: 'f' as const, mode: 'dense' as const },
    { name: 'y', type: 'j' as const, mode: 'sparse' as const },
  ];
  const first = new PybelaFileWriter({ dir, watchers });
  first.write(0, { type: 'f', mode: 'dense', ref: 10, values: [1, 0.5], frames: [10, 11] });
  assert.deepEqual(first.written(), []);
  first.flush();
  assert.equal(fs.readFileSync(path.join(dir, 'x_var_stream.txt'), 'utf8'), '{"ref_timestamp": 10, "data": [1.0, 0.5]}\n');
  first.write(1, { type: 'j', mode: 'sparse', ref: 7, values: [4294967295, 0], frames: [7, 7] });
  assert.throws(() => first.write(1, { type: 'f', mode: 'sparse', ref: 7, values: [1], frames: [7] }), /listed as sparse j/);
  first.close();
  assert.equal(
    fs.readFileSync(path.join(dir, 'y_var_stream.txt'), 'utf8'),
    '{"ref_timestamp": 7, "data": [4294967295, 0], "rel_timestamps": [0, 0]}\n',
  );
  // A second session in the folder: pybela's __idx, nothing overwritten.
  const second = new PybelaFileWriter({ dir, watchers });
  assert.equal(second.filename, 'var_stream__1.txt');
  second.close();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['x_var_stream.txt', 'y_var_stream.txt']);
  // A name with a folder in it stays inside the folder.
  const odd = new PybelaFileWriter({ dir, watchers: [{ name: '../up' }] });
  assert.equal(path.dirname(odd.files[0]), path.resolve(dir));
  odd.close();
  assert.equal(pybelaLine({ type: 'c', mode: 'dense', ref: 0, values: [65], frames: [0] }), '{"ref_timestamp": 0, "data": [65]}\n');
});
