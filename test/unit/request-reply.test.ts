// The shared request/reply helper over a real MessageChannel: values and errors (code, canceled)
// come back to the request that asked, buffers can be moved, a closed channel rejects what is
// pending and what comes later, and a reply that cannot be cloned still answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { answerRequests, isReply, isRequest, RemoteError, Requester, type Request } from '../../src/core/request-reply';

type Body =
  | { op: 'echo'; value: unknown }
  | { op: 'fail'; code?: string; canceled?: boolean }
  | { op: 'bytes'; n: number }
  | { op: 'slow' }
  | { op: 'function' };

function pair(): { requests: Requester<Body>; a: MessagePort; b: MessagePort; close(): void } {
  const { port1: a, port2: b } = new MessageChannel();
  const requests = new Requester<Body>((message, transfer) => a.postMessage(message, transfer));
  a.on('message', (m) => requests.receive(m));
  a.on('close', () => requests.close('the other side closed'));
  const answer = answerRequests<Body, unknown>(
    async (body) => {
      switch (body.op) {
        case 'echo':
          return body.value;
        case 'fail':
          throw Object.assign(new Error(`failed ${body.code ?? ''}`), { code: body.code, canceled: body.canceled });
        case 'bytes':
          return new Uint8Array(body.n).fill(7);
        case 'slow':
          return new Promise(() => undefined);
        case 'function':
          return () => 1;
      }
    },
    (reply, transfer) => b.postMessage(reply, transfer),
    (value) => (value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : []),
  );
  b.on('message', (m) => {
    if (isRequest(m)) void answer(m as Request<Body>);
  });
  return { requests, a, b, close: () => a.close() };
}

test('each reply goes to the request that asked, whatever the order', async () => {
  const { requests, close } = pair();
  const values = await Promise.all([1, 'two', { three: [3] }, null].map((value) => requests.request({ op: 'echo', value })));
  assert.deepEqual(values, [1, 'two', { three: [3] }, null]);
  assert.equal(requests.waiting, 0);
  close();
});

test("the other side's error arrives as a RemoteError with its code and canceled flag", async () => {
  const { requests, close } = pair();
  await assert.rejects(requests.request({ op: 'fail', code: 'ENOENT' }), (e: RemoteError) => {
    assert.ok(e instanceof RemoteError);
    assert.equal(e.message, 'failed ENOENT');
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.canceled, undefined);
    return true;
  });
  await assert.rejects(requests.request({ op: 'fail', canceled: true }), { name: 'RemoteError', canceled: true });
  close();
});

test("transferOf moves the reply's buffer: it arrives whole", async () => {
  const { requests, close } = pair();
  const bytes = await requests.request<Uint8Array>({ op: 'bytes', n: 10 });
  assert.equal(bytes.byteLength, 10);
  assert.equal(bytes.buffer.byteLength, 10, 'only the bytes, not a larger buffer behind a view');
  assert.deepEqual([...bytes], Array(10).fill(7));
  close();
});

test('a request can move a buffer too', async () => {
  const { requests, close } = pair();
  const payload = new Uint8Array([1, 2, 3]);
  const echoed = await requests.request<Uint8Array>({ op: 'echo', value: payload }, [payload.buffer]);
  assert.equal(payload.byteLength, 0, 'the sender gave its buffer away');
  assert.deepEqual([...echoed], [1, 2, 3]);
  close();
});

test('a value that cannot be cloned is answered with an error, not silence', async () => {
  const { requests, close } = pair();
  await assert.rejects(
    requests.request({ op: 'function' }),
    (e: Error) => e instanceof RemoteError && /could not be cloned/i.test(e.message),
  );
  close();
});

test('closing rejects what is pending and everything later, canceled, with the first reason', async () => {
  const { requests, a } = pair();
  const pending = requests.request({ op: 'slow' });
  requests.close('Port is not open');
  a.close(); // its 'close' event closes the requester again, with another reason
  await assert.rejects(pending, { name: 'RemoteError', message: 'Port is not open', canceled: true });
  await new Promise((resolve) => setTimeout(resolve, 10));
  await assert.rejects(requests.request({ op: 'echo', value: 1 }), { message: 'Port is not open', canceled: true });
  assert.equal(requests.waiting, 0);
});

test('the channel closing from the other end rejects a pending request', async () => {
  const { requests, b } = pair();
  const pending = requests.request({ op: 'slow' });
  b.close();
  await assert.rejects(pending, { message: 'the other side closed', canceled: true });
});

test('receive() takes only replies to its own pending requests; the guards tell messages apart', () => {
  const requests = new Requester(() => undefined);
  assert.equal(requests.receive({ inReplyTo: 99, ok: true, value: 1 }), false, 'nobody asked 99');
  assert.equal(requests.receive({ kind: 'stats' }), false);
  assert.ok(isRequest({ id: 1, body: undefined }));
  assert.ok(!isRequest({ id: '1', body: {} }));
  assert.ok(!isRequest({ inReplyTo: 1, ok: true, value: 1 }));
  assert.ok(isReply({ inReplyTo: 1, ok: false, error: { message: 'x' } }));
  assert.ok(!isReply({ id: 1, body: {} }));
  assert.ok(!isReply(null));
});

test('a post that throws rejects that request only', async () => {
  let calls = 0;
  const requests = new Requester(() => {
    if (++calls === 1) throw new Error('DataCloneError');
  });
  await assert.rejects(requests.request({}), { message: 'DataCloneError' });
  assert.equal(requests.waiting, 0);
  const second = requests.request({});
  assert.equal(requests.waiting, 1);
  requests.receive({ inReplyTo: 2, ok: true, value: 'ok' });
  assert.equal(await second, 'ok');
});
