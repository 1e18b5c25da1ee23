import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { RdaSimulator } from '../../src/devices/rda/simulator';
import { Session } from '../../src/core/session';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do

const epochNow = () => performance.timeOrigin + performance.now();
const cleanup: (() => unknown)[] = [];
after(() => Promise.all(cleanup.map((f) => f())));

/** Waits (polling) until `probe` gives a value; fails naming `what` after 10 s. */
async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('the simulator remembers when each block of its first client went out', async () => {
  // 1 kHz, 20 ms blocks: 20 frames a block. No timing is asserted, only order and identity:
  // a loaded machine may send late blocks back to back.
  const sim = new RdaSimulator({ source: { kind: 'synthetic', channels: 2, rate: 1000 }, blockMs: 20 });
  const port = await sim.start();
  cleanup.push(() => sim.stop());
  const before = epochNow();
  const first = net.connect(port, '127.0.0.1');
  first.resume();
  await once(first, 'connect');
  cleanup.push(() => first.destroy());
  const b0 = await until('block 0 to go out', () => sim.sentAt(0));
  assert.ok(b0 >= before && b0 <= epochNow());
  assert.equal(sim.sentAt(19), b0, "every frame of a block has the block's stamp");

  // A second client's block 0 must not overwrite the first client's stamps.
  const second = net.connect(port, '127.0.0.1');
  let received = 0;
  second.on('data', (d: Buffer) => (received += d.length));
  cleanup.push(() => second.destroy());
  await until('data on the second client', () => (received > 2000 ? true : undefined));
  assert.equal(sim.sentAt(0), b0, 'stamps follow the first client');

  const b1 = await until('block 1 to go out', () => sim.sentAt(20));
  assert.ok(b1 >= b0, 'later blocks are stamped later');
  assert.equal(sim.sentAt(-1), undefined);
  assert.equal(sim.sentAt(10_000_000), undefined, 'a frame not sent yet has no stamp');
});

test('a session on a sim: URI reports when its newest frame left the simulator', async () => {
  const session = new Session('sim:rda?channels=4&rate=1000', { bufferSize: 10_000 });
  cleanup.push(() => session.close());
  await session.connect();
  await sleep(200);
  const newest = session.lastSample - 1;
  const sent = session.sentAt(newest);
  assert.ok(sent !== undefined, `frame ${newest} has a send stamp`);
  const age = epochNow() - sent;
  assert.ok(age >= 0 && age < 10_000, `sent ${age} ms ago`);
  assert.equal(session.sentAt(session.lastSample + 5000), undefined);
  await session.close();
});
