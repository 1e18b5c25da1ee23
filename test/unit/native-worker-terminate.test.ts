// Issue 16: a worker terminated while it is inside one of the addon's calls must not take the
// process down. A session's acquisition thread spends much of its time in those calls (every
// RDA message is decoded into the ring by one), and it is terminated by the session's exit grace,
// and by Node itself for every worker still running when the process exits. Built without
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS, the addon aborted the process ("terminate called after
// throwing an instance of 'Napi::Error'") at the first such terminate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { nativeAddonPath } from '../../src/core/native';
import { encodeData, encodeStart } from '../../src/devices/rda/protocol';

const CHANNELS = 4;
const TERMINATIONS = 25;

// Runs in a child process so that a crash is this test's failure, not the runner's.
const PROGRAM = `
const { Worker } = require('node:worker_threads');
const [addonPath, start, data, terminations] = JSON.parse(process.env.TERMINATE_TEST);
// Every kind of entry point, in a loop that never yields: whenever terminate() comes, the thread
// is inside one of them (or between two).
const spin = \`
const { workerData, parentPort } = require('node:worker_threads');
const addon = require(workerData.addonPath);
const ring = new addon.Ring(${CHANNELS}, 4096);
const other = addon.Ring.open(ring.id);
const decoder = new addon.RdaDecoderCore();
const head = new Float64Array(4);
const start = Buffer.from(workerData.start, 'base64');
const data = Buffer.from(workerData.data, 'base64');
const out = new Float32Array(${CHANNELS} * 64);
const minmax = new Float32Array(${CHANNELS} * 8 * 2);
decoder.decode(start, undefined, head);
parentPort.postMessage('ready');
for (;;) {
  addon.rdaMessageSize(data);
  decoder.decode(data, ring, head);
  const w = ring.written();
  other.readInto(w - 64, w, out);
  other.read(w - 64, w);
  addon.decimateMinMax(other, w - 64, w, 8, minmax);
  try { ring.read(w, w + 1); } catch {}
}\`;
(async () => {
  for (let i = 0; i < terminations; i++) {
    const worker = new Worker(spin, { eval: true, workerData: { addonPath, start, data } });
    await new Promise((resolve) => worker.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, i % 4));
    await worker.terminate();
  }
  console.log('terminated ' + terminations);
})();
`;

test('workers terminated in the middle of addon calls leave the process running', () => {
  const start = encodeStart({ names: ['A', 'B', 'C', 'D'], intervalUs: 1000, resolutions: [1, 1, 1, 1] });
  const data = encodeData({ format: 'float32', block: 0, channels: CHANNELS, samples: new Float32Array(CHANNELS * 64).fill(1.5) });
  const r = spawnSync(process.execPath, ['-e', PROGRAM], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      TERMINATE_TEST: JSON.stringify([nativeAddonPath(), start.toString('base64'), data.toString('base64'), TERMINATIONS]),
    },
  });
  assert.equal(r.signal, null, `the process died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `terminated ${TERMINATIONS}`);
});
