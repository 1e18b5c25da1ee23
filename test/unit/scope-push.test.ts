// Pushed scope frames: the answer to a live request, then a frame whenever the window moved by a
// column, each carrying only the columns the page does not hold, and never more than the window of
// frames in flight while the page has not said it drew them (a hidden page says nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScopeFeed, type ScopeRequest } from '../../src/core/scope-feed';
import { pushable, ScopePush } from '../../src/core/scope-push';
import { ColumnStore } from '../../webview/scope/columns';
import type { ScopeFrame } from '../../webview/shared/protocol';
import { liveRing } from '../support/live-ring';

const live = (over: Partial<ScopeRequest> = {}): ScopeRequest => ({
  type: 'request',
  seq: 7,
  columns: 100,
  windowS: 1,
  end: null,
  channels: [0, 1],
  have: null,
  ...over,
});

test('which requests are pushed: a live time view only', () => {
  assert.equal(pushable(live()), true);
  assert.equal(pushable(live({ end: 500 })), false, 'paused or scrolled back');
  assert.equal(pushable(live({ spectrum: { size: 256, window: 'hann', averaging: 'off', count: 1 } })), false);
  assert.equal(pushable(live({ xy: { x: 0, y: 1 } })), false);
  assert.equal(pushable(live({ trigger: { mode: 'auto', channel: 0, slope: 'rising', level: 0, holdoffS: 0, pre: 0.5, arm: 0 } })), false);
});

/** Waits until `ok()` (timers fire late on a busy machine); a check that nothing came just waits. */
async function until(ok: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await sleep(2);
}

test('frames follow the snapped columns, as deltas the page rebuilds exactly, at most two unacknowledged', async () => {
  const ring = liveRing(2, 1 << 16, (f, c) => Math.sin(f / 50) * (c + 1), 1000);
  const sent: ScopeFrame[] = [];
  let visible = true;
  const feed = new ScopeFeed(ring.source);
  const push = new ScopePush(
    feed,
    ring.source,
    (f) => sent.push(f),
    () => visible,
    { intervalMs: 1 },
  );
  try {
    ring.write(2000);
    push.subscribe(live());
    assert.equal(sent.length, 1, 'the request is answered at once');
    assert.equal(sent[0].pushed, true);
    assert.equal(sent[0].delta, undefined, 'the first frame is the whole window');
    // 1 s in 100 columns: a column is 10 frames. Less than a column: nothing new to send.
    ring.write(5);
    await sleep(30);
    assert.equal(sent.length, 1);
    ring.write(5);
    await until(() => sent.length === 2);
    assert.equal(sent.length, 2, 'a column snapped: a frame');
    assert.deepEqual(sent[1].delta, { from: sent[1].firstColumn! + 99, count: 1 }, 'only the new column');
    ring.write(100);
    await sleep(30);
    assert.equal(sent.length, 2, 'two in flight, none drawn: nothing more');
    push.drawn(7);
    await until(() => sent.length === 3);
    assert.equal(sent.length, 3);
    assert.equal(sent[2].delta?.count, 10, 'the ten columns since');
    push.drawn(99); // another request's frame: no credit
    push.drawn(7);
    visible = false;
    ring.write(50);
    await sleep(30);
    assert.equal(sent.length, 3, 'hidden: nothing sent');
    visible = true;
    await until(() => sent.length === 4);
    assert.equal(sent.length, 4);
    // The page rebuilds each window from the deltas; it equals a whole frame of the same window.
    const store = new ColumnStore();
    let view: Float32Array = new Float32Array(0);
    for (const f of sent) view = store.accept(f, new Float32Array(f.minmax));
    const whole = new ScopeFeed(ring.source).frame(live({ seq: 8 }));
    assert.deepEqual([whole.windowStart, whole.windowEnd], [sent[3].windowStart, sent[3].windowEnd]);
    assert.deepEqual(view, new Float32Array(whole.minmax));
    push.stop();
    push.drawn(7);
    ring.write(100);
    await sleep(30);
    assert.equal(sent.length, 4, 'stopped: nothing sent');
  } finally {
    push.stop();
    ring.release();
  }
});
