// The `labscope` CLI records from each Servomex URI kind: the simulator runs in its own process
// (`labscope simulate servomex`), as an analyser would be another device, and numpy reads the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { finished, runCli, startCli, waitForOutput } from '../helpers/cli';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { readSidecar } from '../../src/core/writers/sidecar';

/** A simulated analyser's channels over Modbus: its named slots, then the fault and maintenance flags. */
const MODBUS = ['I1 Oxygen', 'I2 CO', 'I3 CO₂', 'E1', 'E2', 'fault', 'maintenance'];

const CASES = [
  { mode: 'ascii', args: ['--period', '0.1'], scheme: 'servomex+serial', rate: 10, channels: ['I1 Oxygen', 'I2 CO', 'I3 CO₂', 'E1', 'E2'] },
  {
    mode: 'modbus-tcp',
    args: ['--rate', '20', '--units', '2'],
    scheme: 'servomex+modbus-tcp',
    rate: 20,
    channels: [...MODBUS.map((c) => `unit1 ${c}`), ...MODBUS.map((c) => `unit2 ${c}`)],
  },
  { mode: 'modbus-rtu', args: ['--rate', '5', '--baud', '115200'], scheme: 'servomex+modbus-rtu', rate: 5, channels: MODBUS },
];

for (const c of CASES) {
  test(`labscope record ${c.scheme}:… (a simulated ${c.mode} analyser)`, async () => {
    const simulator = startCli(['simulate', 'servomex', '--mode', c.mode, ...c.args]);
    const done = finished(simulator, 120_000);
    try {
      const [, uri] = await waitForOutput(simulator, /record from it with: labscope record "([^"]+)"/);
      assert.ok(uri.startsWith(`${c.scheme}://`), uri);
      const out = path.join(tmpDir(), 'gas.npy');
      const result = await runCli(['record', uri, '--out', out, '--duration', '1', '--json'], { timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      const sidecar = readSidecar(out.replace(/\.npy$/, '.labscope.json'));
      assert.equal(sidecar.rate, c.rate);
      assert.deepEqual(
        sidecar.channels.map((ch) => ch.name),
        c.channels,
      );
      assert.equal(sidecar.frames, c.rate);
      const shape = pythonJson<number[]>('import sys, json, numpy as np; print(json.dumps(list(np.load(sys.argv[1]).shape)))', out);
      assert.deepEqual(shape, [c.rate, c.channels.length]);
      const o2 = pythonJson<number[]>('import sys, json, numpy as np; print(json.dumps(np.load(sys.argv[1])[:, 0].tolist()))', out);
      for (const v of o2) assert.ok(v > 20 && v < 22, `O₂ reading ${v}`);
      if (c.mode !== 'ascii') {
        const summary = (sidecar.summary as { source: Record<string, unknown> }).source;
        assert.ok((summary.samples_emitted as number) >= c.rate, 'the poll summary is in the sidecar');
        assert.equal(summary.disconnects, 0);
      }
    } finally {
      simulator.kill('SIGINT');
      const exit = await done;
      assert.equal(exit.code, 0, exit.stderr);
    }
  });
}

test('labscope record refuses a malformed Servomex URI, naming the part that is wrong', async () => {
  const result = await runCli(['record', 'servomex+modbus-tcp://127.0.0.1:502?unit=300', '--out', path.join(tmpDir(), 'x.csv')]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /unit="300": "300" is not a unit id from 1 to 247/);
});
