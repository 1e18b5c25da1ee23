// Servomex over Modbus against parts we did not write: Debian's pymodbus serves a 4100 register
// map (test/fixtures/pymodbus_4100.py, which also says what every register must decode to), over
// TCP and over RTU on a socat pty pair; mbpoll, a second independent client, reads the same
// registers; and a session rides out the server being killed and restarted mid-recording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { Session } from '../../src/core/session';
import type { Sample } from '../../src/core/sample';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { ServomexModbus, type ModbusTransport } from '../../src/devices/servomex/modbus-analyzer';
import { openPtyPair } from '../../src/devices/servomex/pty-pair';
import { PYTHON, pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { freePort } from '../helpers/net';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'pymodbus_4100.py');
/** The 4100's slots in register order (PROTOCOLS.md), written out here rather than imported. */
const SLOT_ORDER = ['I1', 'I2', 'I3', 'I4', 'D1', 'D2', 'D3', 'D4', 'E1', 'E2'];
const ANALYZERS = [
  { name: 'a', unit: 1 },
  { name: 'b', unit: 2 },
];
const RTU_SERIAL = { baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

interface ExpectedUnit {
  channels: Record<string, { name: string; unit: string; value: number }>;
  status: [string, number][];
  fault: boolean;
  maintenance: boolean;
}

function expected(units: number[]): Record<string, ExpectedUnit> {
  return JSON.parse(execFileSync(PYTHON, [FIXTURE, 'expected', 'x', '--units', units.join(',')], { encoding: 'utf8' })) as Record<
    string,
    ExpectedUnit
  >;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(25);
  }
}

interface Server {
  child: ChildProcess;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the fixture; resolves on its "ready" line (printed just before it listens). */
async function startPymodbus(args: string[]): Promise<Server> {
  const child = spawn(PYTHON, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`pymodbus_4100.py ${args.join(' ')} exited with ${code} before it was ready: ${stderr}`)),
    );
    child.once('error', reject);
  });
  return {
    child,
    stderr: () => stderr,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function startTcpServer(port: number, units = '1,2'): Promise<Server> {
  const server = await startPymodbus(['tcp', String(port), '--units', units]);
  try {
    await waitFor(() => canConnect(port), 10_000, `pymodbus listening on ${port}`);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}; its stderr: ${server.stderr()}`);
  }
  return server;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** On a serial line nothing says when the far end starts listening: retry the first contact. */
async function connectWithRetry(transport: ModbusTransport): Promise<ServomexModbus> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await ServomexModbus.connect(transport, ANALYZERS, 0.5);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

function statusMask(unit: ExpectedUnit, slot: string): number {
  return unit.status.filter(([s]) => s === slot).reduce((mask, [, bit]) => mask | (1 << bit), 0);
}

/** Every channel of every analyser against what the fixture says its registers hold. */
function checkPoll(client: ServomexModbus, samples: Sample[], protocol: string, only?: string[]): void {
  const want = expected(ANALYZERS.map((a) => a.unit));
  const polled = ANALYZERS.filter((a) => !only || only.includes(a.name));
  assert.deepEqual(
    [...new Set(samples.map((s) => s.device))],
    polled.map((a) => a.name),
    'devices polled',
  );
  assert.deepEqual(
    samples.filter((s) => s.error !== undefined).map((s) => s.error),
    [],
    'error samples',
  );
  for (const { name: device, unit } of polled) {
    const e = want[unit];
    const ours = samples.filter((s) => s.device === device);
    const slots = Object.keys(e.channels);
    const names = slots.map((slot) => `${slot} ${e.channels[slot].name}`);
    assert.deepEqual(
      ours.map((s) => s.channel),
      [...names, 'fault', 'maintenance'],
      `${device}: channels`,
    );
    assert.deepEqual(
      client.channels.filter((c) => c.device === device).map((c) => [c.channel, c.unit]),
      [...slots.map((slot, i) => [names[i], e.channels[slot].unit]), ['fault', ''], ['maintenance', '']],
      `${device}: the client's channel list`,
    );
    for (const [i, slot] of slots.entries()) {
      const s = ours[i];
      // Exact: both sides hold the same float32, so any word-order or rounding slip shows.
      assert.equal(s.reading, e.channels[slot].value, `${device} ${slot} value`);
      assert.equal(s.metadata.unit, e.channels[slot].unit, `${device} ${slot} unit`);
      assert.equal(s.metadata.slot, slot);
      assert.equal(s.metadata.statusBits, statusMask(e, slot), `${device} ${slot} status bits`);
      assert.equal(s.metadata.fault, e.fault, `${device} fault flag on ${slot}`);
      assert.equal(s.metadata.maintenance, e.maintenance, `${device} maintenance flag on ${slot}`);
      assert.equal(s.metadata.unitId, unit);
    }
    assert.equal(ours.find((s) => s.channel === 'fault')?.reading, e.fault ? 1 : 0, `${device} fault`);
    assert.equal(ours.find((s) => s.channel === 'maintenance')?.reading, e.maintenance ? 1 : 0, `${device} maintenance`);
    for (const s of ours) {
      assert.equal(s.protocol, protocol);
      assert.ok(s.requestedAt instanceof Date && s.receivedAt.getTime() >= s.requestedAt.getTime());
      assert.ok(typeof s.latencyS === 'number' && s.latencyS >= 0);
    }
  }
  // The display character set's 0x82 is a subscript two.
  assert.ok(
    samples.some((s) => s.channel === 'I3 CO₂'),
    'CO₂ was not decoded from 0x82',
  );
}

/** mbpoll's "[ref]: value" lines, by reference. */
function mbpoll(args: string[]): Map<number, string> {
  const out = execFileSync('mbpoll', [...args, '-1'], { encoding: 'utf8', timeout: 20_000 });
  const values = new Map<number, string>();
  for (const m of out.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(m[1]), m[2]);
  return values;
}

/** float32 from two registers, high word first, done here so as not to share the client's code. */
function highWordFirst(high: number, low: number): number {
  const b = Buffer.from([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  return b.readFloatBE(0);
}

/** mbpoll reads the registers and bits our client decoded: the two clients must agree. */
function crossCheckWithMbpoll(connection: string[], samples: Sample[]): void {
  for (const { name: device, unit } of ANALYZERS) {
    const base = [...connection, '-a', String(unit)];
    const ours = samples.filter((s) => s.device === device);
    const registers = mbpoll([...base, '-t', '3:hex', '-r', '1', '-c', '70']);
    assert.equal(registers.size, 70, `mbpoll read ${registers.size} of 70 input registers from unit ${unit}`);
    const reg = (ref: number) => Number.parseInt(registers.get(ref)!, 16);
    const bits = mbpoll([...base, '-t', '1', '-r', '1', '-c', '80']);
    assert.equal(bits.size, 80);
    const slotSamples = ours.filter((s) => typeof s.metadata.slot === 'string');
    assert.ok(slotSamples.length > 0);
    for (const s of slotSamples) {
      const index = SLOT_ORDER.indexOf(s.metadata.slot as string);
      const first = 1 + 7 * index;
      assert.equal(s.reading, highWordFirst(reg(first), reg(first + 1)), `unit ${unit} ${s.channel}: mbpoll's registers`);
      // mbpoll's own float decoding (-B: big-endian word order) prints six significant digits.
      const printed = Number(mbpoll([...base, '-t', '3:float', '-B', '-r', String(first), '-c', '1']).get(first));
      assert.ok(
        Math.abs(printed - s.reading!) <= 1e-5 * Math.abs(s.reading!),
        `unit ${unit} ${s.channel}: mbpoll -B says ${printed}, we ${s.reading}`,
      );
      let mask = 0;
      for (let bit = 0; bit < 8; bit++) if (bits.get(1 + 8 * index + bit) === '1') mask |= 1 << bit;
      assert.equal(s.metadata.statusBits, mask, `unit ${unit} ${s.channel}: mbpoll's status bits`);
    }
    const flags = mbpoll([...base, '-t', '1', '-r', '1001', '-c', '2']);
    assert.equal(ours.find((s) => s.channel === 'fault')?.reading, Number(flags.get(1001)), `unit ${unit}: fault (11001)`);
    assert.equal(ours.find((s) => s.channel === 'maintenance')?.reading, Number(flags.get(1002)), `unit ${unit}: maintenance (11002)`);
  }
}

test('Modbus TCP against pymodbus: names, units, exact float32 values, status bits, fault, maintenance; mbpoll agrees', async () => {
  const port = await freePort();
  const server = await startTcpServer(port);
  let client: ServomexModbus | undefined;
  try {
    client = await ServomexModbus.connect({ kind: 'tcp', host: '127.0.0.1', port }, ANALYZERS);
    assert.equal(client.protocol, 'modbus-tcp');
    const all = await client.pollSamples();
    checkPoll(client, all, 'modbus-tcp');
    const onlyB = await client.pollSamples({ names: ['b'] });
    checkPoll(client, onlyB, 'modbus-tcp', ['b']);
    crossCheckWithMbpoll(['-m', 'tcp', '-p', String(port), '127.0.0.1'], all);
  } finally {
    await client?.close();
    await server.stop();
  }
});

test('Modbus RTU on a socat pty pair against pymodbus: the same readings; mbpoll on the same line agrees', async () => {
  const pty = await openPtyPair();
  let server: Server | undefined;
  let client: ServomexModbus | undefined;
  try {
    server = await startPymodbus(['rtu', pty.a, '--baud', String(RTU_SERIAL.baudRate), '--units', '1,2']);
    client = await connectWithRetry({ kind: 'rtu', serial: { path: pty.b, ...RTU_SERIAL } });
    assert.equal(client.protocol, 'modbus-rtu');
    const all = await client.pollSamples();
    checkPoll(client, all, 'modbus-rtu');
    const onlyB = await client.pollSamples({ names: ['b'] });
    checkPoll(client, onlyB, 'modbus-rtu', ['b']);
    // A serial line has one master at a time: ours lets go before mbpoll opens the port.
    await client.close();
    client = undefined;
    crossCheckWithMbpoll(['-m', 'rtu', '-b', String(RTU_SERIAL.baudRate), '-P', 'none', '-o', '2', pty.b], all);
  } finally {
    await client?.close();
    await server?.stop();
    await pty.close();
  }
});

test('the pymodbus server killed and restarted mid-recording: disconnect and late ticks counted, the gap recorded, the recording goes on', async () => {
  const port = await freePort();
  let server = await startTcpServer(port, '1');
  const session = new Session(`servomex+modbus-tcp://127.0.0.1:${port}?unit=1&rate=10`, { backoffS: [0.2] });
  const file = path.join(tmpDir(), 'servomex.npy');
  const sourceSummary = () => (session.stats().source ?? {}) as Record<string, number>;
  try {
    await session.connect();
    await session.startRecording(file);
    const started = session.lastSample;
    await waitFor(() => session.lastSample >= started + 10, 15_000, 'ten frames before the kill');

    await server.stop('SIGKILL');
    await waitFor(async () => (await session.refresh(), sourceSummary().disconnects >= 1), 15_000, 'the disconnect counted');
    // While the server is down the session says it is reconnecting, not that it is streaming.
    await waitFor(() => session.state === 'connecting', 15_000, 'the session reconnecting during the outage');
    // Down for a while, so reconnect attempts fail and several ticks pass unpolled.
    await sleep(1000);
    assert.equal(session.state, 'connecting', 'still reconnecting while the server is down');
    server = await startTcpServer(port, '1');
    const atRestart = session.lastSample;
    await waitFor(() => session.lastSample >= atRestart + 10, 20_000, 'ten frames after the restart');
    assert.equal(session.state, 'active', 'data flows again: active');
    const recorded = await session.stopRecording();
    await session.refresh();

    const stats = session.stats();
    assert.ok(sourceSummary().disconnects >= 1, `disconnects ${sourceSummary().disconnects}`);
    assert.ok(sourceSummary().samples_late >= 1, `samples_late ${sourceSummary().samples_late}`);
    assert.ok(stats.reconnects >= 1);
    assert.ok(
      session.gaps.some((g) => g.cause === 'reconnect'),
      `session gaps: ${JSON.stringify(session.gaps)}`,
    );

    const sidecar = readSidecar(sidecarPathFor(file));
    assert.deepEqual(
      sidecar.channels.map((c) => [c.name, c.unit]),
      [
        ['I1 Oxygen', '%'],
        ['I2 CO', 'ppm'],
        ['I3 CO₂', '%'],
        ['E1 Flow', 'mA'],
        ['fault', ''],
        ['maintenance', ''],
      ],
    );
    assert.equal(sidecar.rate, 10);
    const gaps = sidecar.gaps.filter((g) => g.cause === 'reconnect');
    assert.equal(gaps.length, 1, `sidecar gaps: ${JSON.stringify(sidecar.gaps)}`);
    const [gap] = gaps;
    assert.ok(gap.frames >= 1 && gap.row >= 10, `gap ${JSON.stringify(gap)}`);
    const summary = sidecar.summary.source as Record<string, unknown>;
    assert.ok(summary, 'the sidecar has no source summary');
    for (const key of [
      'started_at',
      'finished_at',
      'samples_emitted',
      'samples_late',
      'max_drift_ms',
      'tick_duration_ms_p50',
      'tick_duration_ms_p99',
      'disconnects',
    ]) {
      assert.ok(key in summary, `summary.source lacks ${key}`);
    }
    assert.ok((summary.disconnects as number) >= 1);
    // Every tick of the gap went unpolled, so each is late (others may be late for other reasons).
    assert.ok((summary.samples_late as number) >= gap.frames, `samples_late ${summary.samples_late} < gap ${gap.frames}`);
    assert.equal((sidecar.source as Record<string, unknown> | undefined)?.protocol, 'modbus-tcp');

    // numpy, not our reader: the rows on both sides of the gap hold what the server serves.
    const npy = pythonJson<{ shape: number[]; nan: number; rows: number[][] }>(
      'import sys, json, numpy as np; a = np.load(sys.argv[1]); print(json.dumps({"shape": list(a.shape), "nan": int(np.isnan(a).sum()), "rows": np.nan_to_num(a.astype(float)).tolist()}))',
      file,
    );
    assert.deepEqual(npy.shape, [recorded.frames, 6]);
    assert.equal(sidecar.frames, recorded.frames);
    assert.equal(npy.nan, 0, 'a row holds a failed read');
    assert.ok(recorded.frames - gap.row >= 10, `only ${recorded.frames - gap.row} rows after the gap at row ${gap.row}`);
    const e = expected([1])[1];
    const row = [...['I1', 'I2', 'I3', 'E1'].map((slot) => e.channels[slot].value), e.fault ? 1 : 0, e.maintenance ? 1 : 0];
    npy.rows.forEach((r, i) => assert.deepEqual(r, row, `row ${i}`));
  } finally {
    await session.close();
    await server.stop();
  }
});
