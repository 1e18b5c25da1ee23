// The built CLI (dist/cli.js, the bundles a user runs) with Moku: `labscope simulate moku` serves a
// simulated Moku with the bundle's own mokucli stand-in, `labscope record` records from it and
// numpy checks every sample; SIGTERM to `labscope record` stops it as Ctrl+C does (the file
// closed, the Moku given back, mokucli ended).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finished, runCli, startCli, waitForOutput } from '../helpers/cli';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { MokuSimulator } from '../../src/devices/moku/simulator';
import { PYTHON_GENERATOR } from '../../src/devices/moku/sim-generator';

const everyValue = (file: string) =>
  pythonJson<{ rows: number; wrong: number }>(
    `${PYTHON_GENERATOR}
import sys, json, numpy as np
a = np.load(sys.argv[1])
wrong = sum(1 for r in range(a.shape[0]) for c in range(a.shape[1]) if float(a[r, c]) != moku_value(c, r))
print(json.dumps({'rows': a.shape[0], 'wrong': wrong}))`,
    file,
  );

test('labscope simulate moku, then labscope record from it: every sample as generated', { timeout: 90_000 }, async () => {
  const sim = startCli(['simulate', 'moku', '--rate', '2000']);
  try {
    const [, uri] = await waitForOutput(sim, /connect with (moku:\/\/\S+)/);
    assert.match(uri, /mokucli=/);
    const file = path.join(tmpDir(), 'cli.npy');
    const result = await runCli(['record', uri, '--out', file, '--duration', '1']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /recorded 2000 frames × 2 channels/);
    assert.deepEqual(everyValue(file), { rows: 2000, wrong: 0 });
  } finally {
    sim.kill('SIGTERM');
    await finished(sim);
  }
});

test(
  'SIGTERM stops labscope record like Ctrl+C: the file is complete, the Moku given back, mokucli gone',
  { timeout: 90_000 },
  async () => {
    const sim = new MokuSimulator({ mokucliVersion: '4.0.3' });
    const port = await sim.start();
    const dir = path.dirname(sim.mokucli!);
    try {
      const file = path.join(tmpDir(), 'term.npy');
      const child = startCli(['record', sim.uri(port, { rate: 1000 }), '--out', file]);
      const done = finished(child);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (fs.existsSync(file) && fs.statSync(file).size > 4000) {
            clearInterval(timer);
            resolve();
          }
        }, 50);
      });
      assert.ok(sim.owned);
      child.kill('SIGTERM');
      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!sim.owned, 'ownership relinquished');
      assert.ok(sim.calls.some((c) => c.op === 'datalogger/stop_streaming'));
      const running = fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
          } catch {
            return false;
          }
        });
      assert.deepEqual(running, [], 'no mokucli left');
      const { rows, wrong } = everyValue(file);
      assert.ok(rows > 0);
      assert.equal(wrong, 0);
    } finally {
      await sim.stop();
    }
  },
);
