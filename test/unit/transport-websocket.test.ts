// The websocket transport against a real `ws` WebSocketServer on 127.0.0.1, shaped like Bela's
// (a control path and a data path on one port): text and binary both ways, refusals worded once,
// a peer's close told from a failure, reconnects on a short schedule, and close() leaving no
// socket or timer behind (the file's process must exit on its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { closeAll, WebSocketClient, webSocketUrl, type WebSocketClose } from '../../src/transports/websocket';
import { freePort } from '../helpers/net';

interface Server {
  wss: WebSocketServer;
  port: number;
  /** Sockets by path, in the order they connected. */
  sockets: Map<string, ServerSocket[]>;
  next(path: string): Promise<ServerSocket>;
  close(): Promise<void>;
}

async function startServer(port = 0, options: { verifyClient?: () => boolean } = {}): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, verifyClient: options.verifyClient });
  await once(wss, 'listening');
  const sockets = new Map<string, ServerSocket[]>();
  const waiting = new Map<string, ((s: ServerSocket) => void)[]>();
  wss.on('connection', (socket, request) => {
    const path = request.url ?? '/';
    sockets.set(path, [...(sockets.get(path) ?? []), socket]);
    waiting.get(path)?.shift()?.(socket);
  });
  return {
    wss,
    port: (wss.address() as net.AddressInfo).port,
    sockets,
    next: (path) => new Promise((resolve) => waiting.set(path, [...(waiting.get(path) ?? []), resolve])),
    close: () =>
      new Promise((resolve) => {
        for (const s of wss.clients) s.terminate();
        wss.close(() => resolve());
      }),
  };
}

function until<T>(make: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise(make);
}

test('webSocketUrl puts an IPv6 host in brackets and a slash before the path', () => {
  assert.equal(webSocketUrl('192.168.7.2', 5555, 'gui_control'), 'ws://192.168.7.2:5555/gui_control');
  assert.equal(webSocketUrl('fe80::1', 5555, '/gui_data'), 'ws://[fe80::1]:5555/gui_data');
});

test('text and binary both ways, on two sockets to one port (control and data)', async () => {
  const server = await startServer();
  const texts: string[] = [];
  const binaries: ArrayBuffer[] = [];
  const control = new WebSocketClient({ url: webSocketUrl('127.0.0.1', server.port, '/gui_control'), onText: (t) => texts.push(t) });
  const data = new WebSocketClient({ url: webSocketUrl('127.0.0.1', server.port, '/gui_data'), onBinary: (b) => binaries.push(b) });
  const serverControl = server.next('/gui_control');
  const serverData = server.next('/gui_data');
  await Promise.all([control.connect(), data.connect()]);
  assert.ok(control.open && data.open);
  const [sc, sd] = await Promise.all([serverControl, serverData]);

  // Client → server: text arrives as text, binary as binary.
  const fromClient: Array<[string, boolean]> = [];
  sc.on('message', (m, isBinary) =>
    fromClient.push([isBinary ? `bin:${[...(m as Buffer)].join(',')}` : (m as Buffer).toString(), isBinary]),
  );
  assert.ok(control.sendText('{"event":"connection-reply"}'));
  assert.ok(control.sendBinary(new Uint8Array([1, 2, 3])));
  await until<void>((resolve) => {
    const check = setInterval(() => fromClient.length === 2 && (clearInterval(check), resolve()), 5);
  });
  assert.deepEqual(fromClient, [
    ['{"event":"connection-reply"}', false],
    ['bin:1,2,3', true],
  ]);

  // Server → client: a text frame, then a binary frame cut from an odd offset of a larger buffer
  // (as a frame lies in a receive buffer): the client must get it aligned, in a buffer of its own.
  sc.send('{"event":"connection","projectName":"watcher"}');
  const values = new Float64Array([1.5, -2.25, Math.PI]);
  const odd = Buffer.alloc(values.byteLength + 3);
  Buffer.from(values.buffer).copy(odd, 3);
  sd.send(odd.subarray(3), { binary: true });
  sd.send('0/d');
  await until<void>((resolve) => {
    const check = setInterval(() => texts.length === 1 && binaries.length === 1 && (clearInterval(check), resolve()), 5);
  });
  assert.deepEqual(texts, ['{"event":"connection","projectName":"watcher"}']);
  assert.ok(binaries[0] instanceof ArrayBuffer);
  assert.deepEqual([...new Float64Array(binaries[0])], [1.5, -2.25, Math.PI]);
  await closeAll([control, data]);
  assert.ok(!control.open && !data.open);
  assert.equal(control.sendText('late'), false, 'a closed socket sends nothing');
  await server.close();
});

test('a refused first connection fails once, worded by cannotConnect with the hint', async () => {
  const port = await freePort();
  const url = webSocketUrl('127.0.0.1', port, '/gui_control');
  const closes: WebSocketClose[] = [];
  let failed: Error | undefined;
  const client = new WebSocketClient({
    url,
    hint: 'is the Bela board running a project with a Gui?',
    onFailed: (e) => (failed = e),
    onClose: (c) => closes.push(c),
  });
  await assert.rejects(client.connect(), {
    message: `cannot connect to ${url}: ECONNREFUSED (is the Bela board running a project with a Gui?)`,
  });
  assert.equal(failed?.message, `cannot connect to ${url}: ECONNREFUSED (is the Bela board running a project with a Gui?)`);
  assert.deepEqual(closes, []);
});

test('a server that refuses the upgrade is named with its answer', async () => {
  const server = await startServer(0, { verifyClient: () => false });
  const url = webSocketUrl('127.0.0.1', server.port, '/gui_control');
  await assert.rejects(new WebSocketClient({ url }).connect(), { message: `cannot connect to ${url}: Unexpected server response: 401` });
  await server.close();
});

test('the peer closing (close frame, or its TCP socket without one) is byPeer; a protocol error is not', async () => {
  const server = await startServer();
  const url = webSocketUrl('127.0.0.1', server.port, '/gui_control');
  const closeOf = async (act: (s: ServerSocket) => void): Promise<WebSocketClose> => {
    const next = server.next('/gui_control');
    let client!: WebSocketClient;
    const closed = until<WebSocketClose>((resolve) => {
      client = new WebSocketClient({ url, onClose: resolve });
    });
    await client.connect();
    act(await next);
    const close = await closed;
    await client.close();
    return close;
  };
  const framed = await closeOf((s) => s.close(1001, 'project stopped'));
  assert.deepEqual(framed, { byPeer: true, code: 1001, reason: 'project stopped', error: undefined, connected: true });
  const dropped = await closeOf((s) => s.terminate());
  assert.equal(dropped.byPeer, true, 'a board program that exits sends no close frame');
  assert.equal(dropped.code, 1006);
  // An opcode that does not exist: the client's parser fails the connection.
  const broken = await closeOf((s) => (s as unknown as { _socket: net.Socket })._socket.write(Buffer.from([0x8f, 0x00])));
  assert.equal(broken.byPeer, false);
  assert.match(broken.error?.message ?? '', /opcode/i);
  await server.close();
});

test('reconnect(): after the server closes, attempts follow the short schedule, refusals are retried, the count resets', async () => {
  let server = await startServer();
  const port = server.port;
  const url = webSocketUrl('127.0.0.1', port, '/gui_control');
  const lines: string[] = [];
  const attempts: number[] = [];
  const closes: WebSocketClose[] = [];
  let opens = 0;
  let client!: WebSocketClient;
  const reopened = until<void>((resolve) => {
    client = new WebSocketClient({
      url,
      backoffS: [0.02],
      log: (_level, text) => lines.push(text),
      onConnecting: (a) => attempts.push(a),
      onOpen: () => ++opens === 2 && resolve(),
      onClose: (close) => {
        closes.push(close);
        client.reconnect(close.byPeer ? `closed by the board (${close.code})` : `connection lost (${close.error?.message})`);
      },
    });
  });
  const first = server.next('/gui_control');
  await client.connect();
  // The server goes away with its clients; it comes back on the same port a little later.
  (await first).close(1001, 'restarting');
  await new Promise((resolve) => setTimeout(resolve, 10));
  await server.close();
  setTimeout(async () => (server = await startServer(port)), 120);
  await reopened;
  assert.equal(closes[0].byPeer, true);
  assert.equal(closes[0].code, 1001);
  assert.ok(
    closes.slice(1).every((c) => !c.byPeer && !c.connected),
    'the attempts while the server was away failed',
  );
  assert.ok(attempts.length >= 3, `attempts ${attempts.join(', ')}`);
  assert.equal(lines[0], `${url}: closed by the board (1001); reconnecting in 0.02 s (attempt 1)`);
  assert.ok(
    lines.some((l) => l.includes('connection lost') && l.includes('ECONNREFUSED')),
    lines.join('\n'),
  );
  assert.equal(client.attempt, 0);
  assert.ok(client.open);
  await client.close();
  await server.close();
});

test('close() while a reconnect waits leaves no timer and no socket', async () => {
  const server = await startServer();
  const url = webSocketUrl('127.0.0.1', server.port, '/gui_control');
  const before = process.getActiveResourcesInfo();
  const count = (list: string[], kind: string) => list.filter((r) => r === kind).length;
  let client!: WebSocketClient;
  const closed = until<void>((resolve) => {
    client = new WebSocketClient({
      url,
      backoffS: [30],
      onClose: () => {
        client.reconnect('closed');
        resolve();
      },
    });
  });
  const next = server.next('/gui_control');
  await client.connect();
  (await next).close(1000);
  await closed;
  await client.close();
  await server.close();
  await new Promise((resolve) => setImmediate(resolve));
  const after = process.getActiveResourcesInfo();
  assert.ok(count(after, 'Timeout') <= count(before, 'Timeout'), `timers left: ${after.join(', ')}`);
  assert.ok(count(after, 'TCPSocketWrap') === 0, `sockets left: ${after.join(', ')}`);
});
