// The simulated Moku as a client sees it, through plain fetch and sockets (not Labscope's client):
// ownership and the key on every call, the envelope, nan tokens, rate coercion with a warning,
// 404 for what an instrument does not do; the mokucli stand-in: --version in both styles, a
// listen delay, lines with varying samples per line and continuous time carrying exactly the
// generator's values, EOS and exit 0, stderr text, dying without EOS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as net from 'node:net';
import { MokuSimulator, type MokuSimulatorOptions } from '../../src/devices/moku/simulator';
import { MokuLineParser, parseEnvelope, parseMokuJson } from '../../src/devices/moku/protocol';
import { mokuValue } from '../../src/devices/moku/sim-generator';
import { freePort } from '../helpers/net';

async function withSim(options: MokuSimulatorOptions, run: (sim: MokuSimulator, base: string) => Promise<void>): Promise<void> {
  const sim = new MokuSimulator(options);
  const port = await sim.start();
  try {
    await run(sim, `http://127.0.0.1:${port}`);
  } finally {
    await sim.stop();
  }
}

async function call(base: string, path: string, body: unknown = {}, key?: string) {
  const res = await fetch(`${base}/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'Moku-Client-Key': key } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, key: res.headers.get('moku-client-key') ?? undefined };
}

test('ownership: the key comes in a header and is needed on every later call; relinquish frees the device', async () => {
  await withSim({}, async (sim, base) => {
    const noKey = parseEnvelope((await call(base, 'moku/describe')).text);
    assert.equal(noKey.success, false);
    assert.equal(noKey.code, 'INVALID_REQUEST');
    const claim = await call(base, 'moku/claim_ownership', { force_connect: true });
    assert.match(claim.key ?? '', /^[0-9a-f]{11}$/);
    assert.equal(parseEnvelope(claim.text).data, null);
    const wrong = parseEnvelope((await call(base, 'moku/describe', {}, 'deadbeef000')).text);
    assert.equal(wrong.code, 'INVALID_REQUEST');
    const d = parseEnvelope((await call(base, 'moku/describe', {}, claim.key)).text);
    assert.deepEqual(d.data, { hardware: 'Moku:Go', mokuOS: '4.0.1', proxy_version: 2, bitstreams: '4.0.1.15' });
    assert.ok(sim.owned);
    assert.equal(parseEnvelope((await call(base, 'moku/relinquish_ownership', {}, claim.key)).text).success, true);
    assert.ok(!sim.owned);
  });
});

test('quirks: key also in data, refused ownership without force_connect, bare nan tokens, HTTP errors without JSON', async () => {
  await withSim(
    { keyInData: true, ownedByOther: true, nanBodies: true, httpError: { op: 'datalogger/get_stream_status', status: 502 } },
    async (_sim, base) => {
      const refused = parseEnvelope((await call(base, 'moku/claim_ownership', { force_connect: false })).text);
      assert.equal(refused.success, false);
      assert.equal(refused.code, 'INVALID_REQUEST');
      assert.match(refused.messages[0], /another client/);
      const claim = await call(base, 'moku/claim_ownership', { force_connect: true });
      assert.equal(parseEnvelope(claim.text).data, claim.key);
      const describe = await call(base, 'moku/describe', {}, claim.key);
      assert.match(describe.text, /"temperature":nan/);
      assert.throws(() => JSON.parse(describe.text), 'plain JSON refuses the body, as on a device');
      const data = (parseMokuJson(describe.text) as { data: Record<string, unknown> }).data;
      assert.ok(Number.isNaN(data.temperature as number));
      assert.equal(data.note, 'info: nan readings are financial-grade');
      const bad = await call(base, 'slot1/datalogger/get_stream_status', {}, claim.key);
      assert.equal(bad.status, 502);
      assert.throws(() => JSON.parse(bad.text));
      assert.equal((await call(base, 'slot1/datalogger/no_such_op', {}, claim.key)).status, 404);
      assert.equal((await call(base, 'slot1/lockinamp/get_samplerate', {}, claim.key)).status, 404);
    },
  );
});

test('streaming: the rate is coerced with a warning and get_samplerate says the real one; a second start is refused', async () => {
  await withSim({}, async (_sim, base) => {
    const { key } = await call(base, 'moku/claim_ownership', { force_connect: true });
    const start = parseEnvelope((await call(base, 'slot1/datalogger/start_streaming', { duration: 1, sample_rate: 3000 }, key)).text);
    assert.deepEqual(start.data, { stream_id: 'logsink0' });
    assert.match(start.messages[0], /coerced to 3003\.003003003003 Sa\/s/);
    const rate = parseEnvelope((await call(base, 'slot1/datalogger/get_samplerate', {}, key)).text);
    assert.deepEqual(rate.data, { sample_rate: 1e6 / 333 });
    const again = parseEnvelope((await call(base, 'slot1/datalogger/start_streaming', { duration: 1, sample_rate: 1000 }, key)).text);
    assert.equal(again.success, false);
    assert.match(again.messages[0], /already running/);
    await call(base, 'slot1/datalogger/stop_streaming', {}, key);
  });
});

function run(file: string, args: string[]) {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, stderr: () => stderr };
}

/** Connects as the official client does: 127.0.0.1, retried every 0.5 s. */
async function connect(port: number): Promise<{ socket: net.Socket; tries: number }> {
  for (let tries = 1; ; tries++) {
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
      return { socket, tries };
    } catch (error) {
      if (tries >= 10) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function readAll(socket: net.Socket): Promise<string[]> {
  let text = '';
  socket.setEncoding('utf8').on('data', (t: string) => (text += t));
  await new Promise((r) => socket.once('close', r));
  return text.split('\n').filter((l, i, all) => l || i < all.length - 1);
}

test('the mokucli stand-in: --version in both styles', async () => {
  for (const version of ['4.0.3', 'mokucli 2.2.2']) {
    await withSim({ mokucliVersion: version }, async (sim) => {
      assert.equal(execFileSync(sim.mokucli!, ['--version'], { encoding: 'utf8' }), `${version}\n`);
    });
  }
});

test('the mokucli stand-in streams the device: varying lines, continuous time, the exact values, EOS, exit 0', async () => {
  await withSim({ mokucliVersion: '4.0.3', nanEvery: 97, standIn: { listenDelayMs: 700, perLine: [1, 50] } }, async (sim, base) => {
    const { key } = await call(base, 'moku/claim_ownership', { force_connect: true });
    await call(base, 'slot1/datalogger/start_streaming', { duration: 0.5, sample_rate: 2000 }, key);
    const port = await freePort();
    const p = run(sim.mokucli!, ['stream', `--ip-address=${base.slice(7)}`, '--stream-id=logsink0', `--target=${port}`]);
    const { socket, tries } = await connect(port);
    assert.ok(tries >= 2, 'it listens only after its start-up delay');
    const lines = await readAll(socket);
    assert.equal(await p.exit, 0);
    assert.equal(p.stderr(), '');
    assert.equal(lines.at(-1), 'EOS');
    const parser = new MokuLineParser();
    const sizes = new Set<number>();
    let frame = 0;
    for (const line of lines.slice(0, -1)) {
      const r = parser.parse(line);
      sizes.add(r.frames);
      assert.equal(r.firstTime, frame / 2000);
      for (let k = 0; k < r.frames; k++, frame++)
        for (let c = 0; c < 2; c++) {
          const want = mokuValue(c, frame, 97);
          const got = parser.values[k * 2 + c];
          assert.ok(Object.is(got, want) || (Number.isNaN(want) && Number.isNaN(got)), `frame ${frame} ch${c + 1}`);
        }
    }
    assert.deepEqual(parser.channels, ['ch1', 'ch2']);
    assert.equal(frame, 1000, 'half a second at 2000 Sa/s');
    assert.ok(sizes.size > 3, `samples per line vary (${[...sizes].join(', ')})`);
    assert.ok(
      lines.some((l) => l.includes('nan')),
      'over-range samples as nan',
    );
  });
});

test('the mokucli stand-in: stderr text, and dying without EOS', async () => {
  await withSim(
    {
      mokucliVersion: '4.0.3',
      standIn: { listenDelayMs: 0, stderrAfter: { lines: 2, text: 'Warning: buffer overrun' }, dieAfter: { lines: 4, code: 3 } },
    },
    async (sim, base) => {
      const { key } = await call(base, 'moku/claim_ownership', { force_connect: true });
      await call(base, 'slot1/datalogger/start_streaming', { duration: 5, sample_rate: 1000 }, key);
      const port = await freePort();
      const p = run(sim.mokucli!, ['stream', `--ip-address=${base.slice(7)}`, '--stream-id=logsink0', `--target=${port}`]);
      const { socket } = await connect(port);
      const lines = await readAll(socket);
      assert.equal(await p.exit, 3);
      assert.equal(lines.length, 4);
      assert.ok(!lines.includes('EOS'));
      assert.equal(p.stderr(), 'Warning: buffer overrun\n');
    },
  );
});
