// The one reconnect helper: seed 001's schedule (last entry repeats), one line per attempt, the
// count reset by a success, stop() cancelling both styles, and the first-connect message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannotConnect, CannotConnectError, lostWhy, RECONNECT_BACKOFF_S, Reconnector } from '../../src/transports/reconnect';
import { RECONNECT_BACKOFF_S as fromSource } from '../../src/core/source';

type Line = [string, string];

function logger(): { lines: Line[]; log: (level: 'info' | 'warn' | 'error', text: string) => void } {
  const lines: Line[] = [];
  return { lines, log: (level, text) => lines.push([level, text]) };
}

test("seed 001's backoff, still importable from core/source", () => {
  assert.deepEqual(RECONNECT_BACKOFF_S, [0.5, 1, 2, 5, 10, 30]);
  assert.equal(fromSource, RECONNECT_BACKOFF_S);
});

test('schedule(): one line per attempt, delays from the schedule with the last repeating, reset by succeeded()', async () => {
  const { lines, log } = logger();
  const r = new Reconnector({ label: 'rda://h:1', backoffS: [0.01, 0.02], log });
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    delays.push(r.nextDelayS);
    await new Promise<void>((resolve) => r.schedule(i === 0 ? 'connection lost (read ECONNRESET)' : 'connection lost', resolve));
  }
  assert.deepEqual(delays, [0.01, 0.02, 0.02]);
  assert.equal(r.attempt, 3);
  assert.deepEqual(lines, [
    ['warn', 'rda://h:1: connection lost (read ECONNRESET); reconnecting in 0.01 s (attempt 1)'],
    ['warn', 'rda://h:1: connection lost; reconnecting in 0.02 s (attempt 2)'],
    ['warn', 'rda://h:1: connection lost; reconnecting in 0.02 s (attempt 3)'],
  ]);
  r.succeeded();
  assert.equal(r.attempt, 0);
  assert.deepEqual(lines.at(-1), ['info', 'rda://h:1: reconnected after 3 attempts']);
  assert.equal(r.nextDelayS, 0.01, 'after a success the schedule starts again');
  r.succeeded();
  assert.equal(lines.length, 4, 'a success with no attempts behind it says nothing');
});

test('a second schedule() while one is pending is the same attempt', async () => {
  const { lines, log } = logger();
  const r = new Reconnector({ backoffS: [0.01], log });
  let calls = 0;
  await new Promise<void>((resolve) => {
    r.schedule('error', () => (calls++, resolve()));
    r.schedule('close', () => calls++);
  });
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(calls, 1);
  assert.equal(r.attempt, 1);
  assert.deepEqual(lines, [['warn', 'error; reconnecting in 0.01 s (attempt 1)']], 'no label: no prefix');
});

test('stop() cancels a scheduled attempt and releases wait() with false; nothing after', async () => {
  const r = new Reconnector({ backoffS: [10] });
  let called = false;
  r.schedule('lost', () => (called = true));
  assert.ok(r.pending);
  r.stop();
  assert.ok(!r.pending);
  const r2 = new Reconnector({ backoffS: [10] });
  const waiting = r2.wait('lost');
  r2.stop();
  assert.equal(await waiting, false);
  assert.equal(await r2.wait('again'), false, 'a stopped reconnector never waits');
  r2.schedule('again', () => (called = true));
  assert.ok(!r2.pending);
  assert.equal(called, false);
  // The test process exits only if no 10 s timer is left behind.
});

test('wait(): resolves true after the delay', async () => {
  const r = new Reconnector({ backoffS: [0.02] });
  const t0 = performance.now();
  assert.equal(await r.wait('lost'), true);
  assert.ok(performance.now() - t0 >= 15);
  assert.equal(r.attempt, 1);
});

test('a bad schedule is refused', () => {
  assert.throws(() => new Reconnector({ backoffS: [] }), RangeError);
  assert.throws(() => new Reconnector({ backoffS: [1, -1] }), RangeError);
});

test('cannotConnect: the code, the hint only when nobody answered, the message without a code, never twice', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  const e = cannotConnect('rda://127.0.0.1:9', refused, { hint: 'is the RDA server running and sending on that port?' });
  assert.ok(e instanceof CannotConnectError);
  assert.equal(e.message, 'cannot connect to rda://127.0.0.1:9: ECONNREFUSED (is the RDA server running and sending on that port?)');
  assert.equal(e.code, 'ECONNREFUSED');
  assert.equal(e.cause, refused);
  const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere'), { code: 'ENOTFOUND' });
  assert.equal(
    cannotConnect('rda://nowhere:9', notFound, { hint: 'is it running?' }).message,
    'cannot connect to rda://nowhere:9: ENOTFOUND',
  );
  assert.equal(
    cannotConnect('serial port /dev/x (9600 baud)', new Error('No such file or directory, cannot open /dev/x'), { verb: 'open' }).message,
    'cannot open serial port /dev/x (9600 baud): No such file or directory, cannot open /dev/x',
  );
  assert.equal(cannotConnect('outer', e), e, 'an error that already says it is returned as it is');
  assert.equal(lostWhy(e, 'reconnect failed'), 'reconnect failed (ECONNREFUSED)');
  assert.equal(lostWhy(new Error('read ECONNRESET')), 'connection lost (read ECONNRESET)');
  assert.equal(lostWhy(), 'connection lost');
});
