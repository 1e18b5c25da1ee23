import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timelog } from '../../src/core/timelog';

test('the timelog keeps the newest entries, oldest first, once it wraps', () => {
  const log = new Timelog(3);
  for (let b = 0; b < 5; b++) log.add(b, b * 10, BigInt(b) * 1000n, Date.UTC(2026, 0, 1, 0, 0, b));
  assert.equal(log.length, 3);
  assert.deepEqual(log.toCsv().trim().split('\n'), [
    'block,frame,host_ns,wall_time',
    '2,20,2000,2026-01-01T00:00:02.000Z',
    '3,30,3000,2026-01-01T00:00:03.000Z',
    '4,40,4000,2026-01-01T00:00:04.000Z',
  ]);
});

test('a timelog that has not wrapped lists everything', () => {
  const log = new Timelog(10);
  log.add(7, 0, 5n, 0);
  assert.deepEqual(log.toCsv().trim().split('\n').slice(1), ['7,0,5,1970-01-01T00:00:00.000Z']);
});
