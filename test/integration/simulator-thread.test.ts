// A session's simulator runs in a thread of its own (src/core/simulator-thread.ts): it listens and
// streams from there, its send times reach this thread through shared memory, a bad URI fails in
// the family's words, and stop() closes its port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSimulatorThread } from '../../src/core/simulator-thread';
import { SentTable, SENT_BLOCKS } from '../../src/core/sent-table';

const epochNow = () => performance.timeOrigin + performance.now();

test('the thread listens, streams, and notes its send times where this thread reads them', async () => {
  const before = epochNow();
  const sim = await startSimulatorThread('sim:rda?channels=2&rate=1000');
  try {
    const { hostname, port } = new URL(sim.uri.replace(/^rda:/, 'http:'));
    assert.equal(hostname, '127.0.0.1');
    const client = net.connect(Number(port), hostname);
    let bytes = 0;
    client.on('data', (b: Buffer) => (bytes += b.length));
    await once(client, 'connect');
    const deadline = Date.now() + 10_000;
    while (sim.sentAt!(0) === undefined && Date.now() < deadline) await sleep(5);
    const at = sim.sentAt!(0);
    assert.ok(at !== undefined && at >= before && at <= epochNow(), `block 0 sent at ${at}`);
    while (bytes < 2000 && Date.now() < deadline) await sleep(5);
    assert.ok(bytes >= 2000, `RDA bytes arrive (${bytes})`);
    client.destroy();
  } finally {
    await sim.stop();
  }
  // Stopped: the port is closed.
  const { port } = new URL(sim.uri.replace(/^rda:/, 'http:'));
  const refused = await new Promise<string>((resolve) => {
    const c = net.connect(Number(port), '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve('connected');
    });
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.equal(refused, 'ECONNREFUSED');
});

test('a simulator that cannot start fails in its own words', async () => {
  // The family's own words, from inside the thread (not just the URI echoed back).
  await assert.rejects(startSimulatorThread('sim:rda?channels=0'), /parameter channels="0" is not a number from 1 to 65535/);
  await assert.rejects(
    startSimulatorThread('sim:rda?file=/nonexistent.vhdr'),
    /^Error: ENOENT: no such file or directory, open '\/nonexistent\.vhdr'$/,
  );
});

test('the send table: newest first, blocks forgotten after SENT_BLOCKS, a table for another thread of the same memory', () => {
  const shared = new SharedArrayBuffer(8 * (1 + 3 * SENT_BLOCKS));
  const writer = new SentTable(shared);
  const reader = new SentTable(shared);
  for (let b = 0; b < SENT_BLOCKS + 10; b++) writer.add(b * 20, b * 20 + 20, 1000 + b);
  assert.equal(reader.sentAt((SENT_BLOCKS + 9) * 20 + 5), 1000 + SENT_BLOCKS + 9);
  assert.equal(reader.sentAt(11 * 20), 1011);
  assert.equal(reader.sentAt(5 * 20), undefined, 'overwritten by newer blocks');
  assert.equal(reader.sentAt(-1), undefined);
  assert.throws(() => new SentTable(new ArrayBuffer(16)), /needs \d+ bytes/);
});

test('a simulator on a serial port stays on the main thread (serialport works there only)', async () => {
  await import('../../src/devices/index');
  const { families } = await import('../../src/core/registry');
  const where = (text: string) => {
    const { family, uri } = families().resolve(text);
    return family.simulatorThread?.(uri) ?? true;
  };
  assert.equal(where('sim:servomex?mode=ascii'), false);
  assert.equal(where('sim:servomex?mode=modbus-rtu'), false);
  assert.equal(where('sim:servomex?mode=modbus-tcp'), true);
  for (const text of ['sim:rda', 'sim:audio', 'sim:bela', 'sim:moku']) assert.equal(where(text), true, text);
});
