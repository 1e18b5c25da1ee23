// The seed-001 poll recorder on a fake poll source: overflow policies against slow consumers,
// duration → tick count, the seed's refusals, reconnects, the summary and the absolute schedule.
// Every check is on counts, tick indices and readings, never on how long something took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OverflowPolicy,
  PollConnectionError,
  percentiles,
  record,
  type PollBatch,
  type PollRecording,
  type PollSource,
} from '../../src/core/poll-recorder';
import type { Sample } from '../../src/core/sample';
import { pythonJson } from '../helpers/python';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads 1, 2, 3… on successive polls, so a batch says which poll made it. */
class CountingSource implements PollSource {
  calls = 0;
  /** process.hrtime.bigint() at each poll, taken before anything is awaited. */
  readonly polledAt: bigint[] = [];
  constructor(
    readonly id = 'fake',
    private readonly workMs = 0,
    private readonly failOnCall?: number,
    private readonly failure?: () => Error,
  ) {}

  async pollSamples(): Promise<Sample[]> {
    this.polledAt.push(process.hrtime.bigint());
    const call = ++this.calls;
    if (this.workMs > 0) await sleep(this.workMs);
    if (call === this.failOnCall) throw this.failure!();
    return [
      {
        device: this.id,
        channel: 'x',
        reading: call,
        protocol: 'fake',
        monotonicNs: process.hrtime.bigint(),
        receivedAt: new Date(),
        metadata: { source: this.id },
      },
    ];
  }
}

async function drain(recording: PollRecording, perBatchMs = 0): Promise<PollBatch[]> {
  const batches: PollBatch[] = [];
  for await (const batch of recording.stream) {
    batches.push(batch);
    if (perBatchMs > 0) await sleep(perBatchMs);
  }
  return batches;
}

const ticksOf = (batches: PollBatch[]) => batches.map((b) => b.tick);
const readingsOf = (batches: PollBatch[]) => batches.map((b) => b[0].reading);
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

function assertStrictlyIncreasing(ticks: number[], what: string): void {
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i] > ticks[i - 1], `${what}: tick ${ticks[i]} after ${ticks[i - 1]}`);
}

test('BLOCK: a slow consumer gets every polled batch; the ticks its stalls cost are counted late', async () => {
  const source = new CountingSource();
  // 10 ms ticks against a consumer that takes 30 ms a batch and room for 2: the producer must
  // wait for space, and the slots that pass meanwhile are overruns.
  const recording = record(source, { rateHz: 100, duration: 0.3, bufferSize: 2, overflow: OverflowPolicy.BLOCK });
  const batches = await drain(recording, 30);
  const summary = await recording.finished;
  assert.deepEqual(readingsOf(batches), range(1, source.calls), 'a batch was polled but never delivered');
  assert.equal(summary.samplesEmitted, batches.length);
  assert.ok(summary.samplesLate >= 1, 'the stalled producer missed slots but counted none late');
  assert.equal(summary.samplesEmitted + summary.samplesLate, 30, 'every one of the 30 ticks is either emitted or late');
  assertStrictlyIncreasing(ticksOf(batches), 'BLOCK');
  assert.equal(30 - batches.length, summary.samplesLate, 'late ticks are exactly the tick indices missing from the stream');
});

test('DROP_NEWEST: a stalled consumer finds the oldest buffer_size batches; every drop is late', async () => {
  const source = new CountingSource();
  // 100 ticks over 2 s: however starved of CPU the process is (CI runs fuzzers beside it),
  // the producer gets to poll more than the 3 batches the stream holds.
  const recording = record(source, { rateHz: 50, duration: 2, bufferSize: 3, overflow: OverflowPolicy.DROP_NEWEST });
  // The consumer reads nothing until the producer is done: the policy alone decides what is kept.
  const summary = await recording.finished;
  const batches = await drain(recording);
  assert.ok(source.calls > 3, `the producer polled only ${source.calls} times, too few to overflow`);
  assert.deepEqual(readingsOf(batches), [1, 2, 3]);
  assert.deepEqual(
    ticksOf(batches),
    ticksOf(batches)
      .slice()
      .sort((a, b) => a - b),
  );
  assert.equal(summary.samplesEmitted, 3);
  assert.equal(summary.samplesLate, 100 - 3, 'each dropped (or skipped) tick is late');
});

test('DROP_OLDEST: a stalled consumer finds the newest buffer_size batches; every eviction is late', async () => {
  const source = new CountingSource();
  // 100 ticks over 2 s: however starved of CPU the process is (CI runs fuzzers beside it),
  // the producer gets to poll more than the 3 batches the stream holds.
  const recording = record(source, { rateHz: 50, duration: 2, bufferSize: 3, overflow: OverflowPolicy.DROP_OLDEST });
  const summary = await recording.finished;
  const batches = await drain(recording);
  assert.ok(source.calls > 3, `the producer polled only ${source.calls} times, too few to overflow`);
  assert.deepEqual(readingsOf(batches), range(source.calls - 2, 3));
  assertStrictlyIncreasing(ticksOf(batches), 'DROP_OLDEST');
  // Evicted batches had been pushed onto the stream (emitted) and are then late, as in the seed.
  assert.equal(summary.samplesEmitted, source.calls);
  assert.equal(summary.samplesLate, 100 - 3, 'evictions plus skipped ticks: everything but the 3 kept');
});

test('duration is a tick count: round(duration × rate), at least 1', async () => {
  for (const [rateHz, duration, ticks] of [
    [50, 0.1, 5],
    [10, 0.01, 1],
    [200, 0.05, 10],
    [1, 1e-9, 1],
  ] as const) {
    const source = new CountingSource();
    const recording = record(source, { rateHz, duration });
    const batches = await drain(recording);
    const summary = await recording.finished;
    assert.equal(summary.samplesEmitted + summary.samplesLate, ticks, `rate ${rateHz} × ${duration} s`);
    assert.equal(batches.length, summary.samplesEmitted);
    assert.ok(
      batches.every((b) => b.tick < ticks),
      `rate ${rateHz} × ${duration} s: a tick beyond the last`,
    );
  }
});

test('duration × rate exactly halfway rounds as Python round() does (to even), like the seed', async () => {
  // Python's round(2.5) is 2 and round(0.5) is 0 (then at least 1); Math.round would give 3 and 1.
  for (const [rateHz, duration, ticks] of [
    [10, 0.25, 2],
    [4, 0.125, 1],
    [2, 1.75, 4],
  ] as const) {
    const recording = record(new CountingSource(), { rateHz, duration });
    await drain(recording);
    const summary = await recording.finished;
    assert.equal(summary.samplesEmitted + summary.samplesLate, ticks, `rate ${rateHz} × ${duration} s = ${rateHz * duration}`);
  }
});

test("rate ≤ 0, duration ≤ 0 and buffer_size < 1 are refused with the seed's messages", () => {
  const source = new CountingSource();
  const cases: [Parameters<typeof record>[1], string][] = [
    [{ rateHz: 0 }, 'rate_hz must be > 0, got 0'],
    [{ rateHz: -2.5 }, 'rate_hz must be > 0, got -2.5'],
    [{ rateHz: 10, duration: -1 }, 'duration must be > 0 or None, got -1'],
    [{ rateHz: 10, duration: 0 }, 'duration must be > 0 or None, got 0'],
    [{ rateHz: 10, bufferSize: 0 }, 'buffer_size must be >= 1, got 0'],
  ];
  for (const [options, message] of cases) assert.throws(() => record(source, options), { name: 'RangeError', message });
  assert.equal(source.calls, 0, 'a refused recording must not poll');
});

test('autoReconnect: a lost connection is counted, the source is rebuilt, the missed ticks are late', async () => {
  const lost = () => new PollConnectionError('link down');
  const first = new CountingSource('first', 0, 6, lost);
  const second = new CountingSource('second');
  let factoryCalls = 0;
  const recording = record(first, {
    rateHz: 50,
    duration: 1,
    autoReconnect: true,
    backoffS: [0.05],
    // The first rebuild fails too: the recorder must keep trying with its backoff.
    reconnectFactory: async () => {
      if (++factoryCalls === 1) throw new Error('still down');
      return second;
    },
  });
  const batches = await drain(recording);
  const summary = await recording.finished;
  assert.equal(summary.disconnects, 1);
  assert.equal(factoryCalls, 2);
  const sources = batches.map((b) => b[0].metadata.source);
  const switched = sources.indexOf('second');
  assert.ok(switched > 0, `no batch from the rebuilt source: ${sources.join(',')}`);
  assert.deepEqual(sources.slice(0, switched), Array(switched).fill('first'));
  assert.deepEqual(sources.slice(switched), Array(sources.length - switched).fill('second'));
  assert.deepEqual(readingsOf(batches.slice(0, switched)), [1, 2, 3, 4, 5], 'the failed poll must not produce a batch');
  // Two backoffs of 50 ms at 20 ms a tick: the batch after the reconnect is several ticks on.
  const jump = batches[switched].tick - batches[switched - 1].tick;
  assert.ok(jump >= 2, `the tick index went from ${batches[switched - 1].tick} to ${batches[switched].tick}`);
  assertStrictlyIncreasing(ticksOf(batches), 'reconnect');
  assert.equal(summary.samplesLate, 50 - batches.length, 'late ticks are exactly those missing from the stream');
  assert.ok(summary.samplesLate >= jump - 1);
});

test('without autoReconnect the connection error surfaces from finished and close(); the stream ends', async () => {
  const source = new CountingSource('fake', 0, 3, () => new PollConnectionError('link down'));
  const recording = record(source, { rateHz: 100 });
  const batches = await drain(recording);
  assert.deepEqual(readingsOf(batches), [1, 2]);
  await assert.rejects(recording.finished, { name: 'PollConnectionError', message: 'link down' });
  await assert.rejects(recording.close(), { name: 'PollConnectionError', message: 'link down' });
  assert.equal(recording.summary.disconnects, 0);
  assert.ok(recording.summary.finishedAt instanceof Date);
});

test('under autoReconnect an error that is not a lost connection still surfaces', async () => {
  const source = new CountingSource('fake', 0, 2, () => new TypeError('bug in the source'));
  const recording = record(source, { rateHz: 100, autoReconnect: true, reconnectFactory: async () => new CountingSource() });
  await drain(recording);
  await assert.rejects(recording.finished, { name: 'TypeError', message: 'bug in the source' });
  assert.equal(recording.summary.disconnects, 0);
});

test('the summary is live while running; finished_at and the tick percentiles are set on exit', async () => {
  const source = new CountingSource('fake', 2);
  const recording = record(source, { rateHz: 100 });
  const batches: PollBatch[] = [];
  for await (const batch of recording.stream) {
    batches.push(batch);
    assert.ok(recording.summary.samplesEmitted >= batches.length, 'the consumer holds a batch the summary has not counted');
    if (batches.length === 5) break;
  }
  assert.equal(recording.summary.finishedAt, null);
  assert.equal(recording.summary.tickDurationMsP50, 0);
  assert.equal(recording.summary.tickDurationMsP99, 0);
  const summary = await recording.close();
  assert.equal(summary, recording.summary, 'close() resolves with the live summary object');
  assert.ok(summary.finishedAt instanceof Date);
  assert.ok(summary.finishedAt.getTime() >= summary.startedAt.getTime());
  assert.ok(summary.tickDurationMsP50 > 0, 'each poll awaited a 2 ms timer, so the median cannot be 0');
  assert.ok(summary.tickDurationMsP99 >= summary.tickDurationMsP50);
  assert.ok(summary.maxDriftMs >= 0);
});

test('percentiles interpolate linearly, as numpy does by default', () => {
  const values = [7, 1, 3.5, 12, 0.25, 9, 4, 4, 30, 2.75, 6];
  const ps = [0, 1, 25, 50, 90, 99, 100];
  const expected = pythonJson<number[]>(
    'import sys, json, numpy; v = json.loads(sys.argv[1]); print(json.dumps([float(numpy.percentile(v, p)) for p in json.loads(sys.argv[2])]))',
    JSON.stringify(values),
    JSON.stringify(ps),
  );
  const ours = percentiles(values, ps);
  ours.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-12, `p${ps[i]}: ${x} vs numpy ${expected[i]}`));
  assert.deepEqual(percentiles([], [50, 99]), [0, 0]);
});

test('ticks follow target[n] = start + n / rate: in order, no duplicates, none polled before its slot', async () => {
  const source = new CountingSource();
  // Taken before record() starts its clock, so start ≥ before and tick n can never be polled
  // earlier than before + n / rate: a bound that load can only make easier to meet.
  const before = process.hrtime.bigint();
  const recording = record(source, { rateHz: 200, duration: 0.25 });
  const batches = await drain(recording);
  const summary = await recording.finished;
  const ticks = ticksOf(batches);
  assertStrictlyIncreasing(ticks, 'schedule');
  assert.equal(new Set(ticks).size, ticks.length);
  assert.equal(ticks.length + summary.samplesLate, 50);
  const periodNs = 1e9 / 200;
  batches.forEach((batch, i) => {
    const polledAt = source.polledAt[(batch[0].reading as number) - 1];
    const earliest = before + BigInt(Math.round(batch.tick * periodNs)) - 1n;
    assert.ok(polledAt >= earliest, `tick ${batch.tick} (batch ${i}) was polled ${Number(earliest - polledAt) / 1e6} ms before its slot`);
  });
});
