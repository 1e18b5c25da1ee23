import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { RdaSimulator } from '../../src/devices/rda/simulator';
import { Session } from '../../src/core/session';

const epochNow = () => performance.timeOrigin + performance.now();
const cleanup: (() => unknown)[] = [];
after(() => Promise.all(cleanup.map((f) => f())));

test('the simulator remembers when each block of its first client went out', async () => {
  // 1 kHz, 20 ms blocks: 20 frames a block.
  const sim = new RdaSimulator({ source: { kind: 'synthetic', channels: 2, rate: 1000 }, blockMs: 20 });
  const port = await sim.start();
  cleanup.push(() => sim.stop());
  const before = epochNow();
  const first = net.connect(port, '127.0.0.1');
  first.resume();
  await once(first, 'connect');
  assert.equal(sim.sentAt(0), undefined, 'nothing sent yet');
  await sleep(150);
  const second = net.connect(port, '127.0.0.1');
  second.resume();
  cleanup.push(() => first.destroy(), () => second.destroy());
  await sleep(100);

  const b0 = sim.sentAt(0);
  const b1 = sim.sentAt(20);
  assert.ok(b0 !== undefined && b1 !== undefined);
  assert.ok(b0 >= before && b0 <= epochNow());
  // Same block, same stamp; the next block is paced ~20 ms later.
  assert.equal(sim.sentAt(19), b0);
  assert.ok(b1 - b0 > 10 && b1 - b0 < 60, `blocks 0 and 1 sent ${b1 - b0} ms apart`);
  // Frames 200 ms ahead have not been sent; stamps follow the first client, not the second.
  assert.equal(sim.sentAt(500), undefined);
  assert.equal(sim.sentAt(-1), undefined);
  assert.ok(sim.sentAt(100) !== undefined, 'the first client is 250 ms in');
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
  assert.ok(age >= 0 && age < 1000, `sent ${age} ms ago`);
  assert.equal(session.sentAt(session.lastSample + 5000), undefined);
  await session.close();
});
