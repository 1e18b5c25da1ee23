// The TCP client transport on loopback: a refused first connection, data both ways (chunks and
// zero-copy onread), a peer's close told from an error, reconnects on request, and close()
// leaving nothing behind (the test process must exit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { TcpClient, type TcpClose } from '../../src/transports/tcp';
import { freePort } from '../helpers/net';

async function server(onSocket: (socket: net.Socket) => void): Promise<{ port: number; server: net.Server; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    port: (s.address() as net.AddressInfo).port,
    server: s,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => s.close(() => resolve()));
    },
  };
}

test('a refused first connection fails once, as cannotConnect words it', async () => {
  const port = await freePort();
  const closes: TcpClose[] = [];
  const failed = await new Promise<Error>((resolve) => {
    new TcpClient({
      host: '127.0.0.1',
      port,
      label: `x://127.0.0.1:${port}`,
      hint: 'is the X server running?',
      onFailed: resolve,
      onClose: (c) => closes.push(c),
    }).connect();
  });
  assert.equal(failed.message, `cannot connect to x://127.0.0.1:${port}: ECONNREFUSED (is the X server running?)`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(closes, [], 'a failed first connection is not also a close');
});

test('chunks arrive, writes go out, the peer closing is a close without an error', async () => {
  const srv = await server((socket) => {
    socket.once('data', (d) => socket.end(Buffer.concat([Buffer.from('echo:'), d])));
  });
  const received: Buffer[] = [];
  const attempts: number[] = [];
  const close = await new Promise<TcpClose>((resolve) => {
    const client = new TcpClient({
      host: '127.0.0.1',
      port: srv.port,
      label: 'x',
      onConnecting: (a) => attempts.push(a),
      onConnect: () => client.write('hello'),
      onData: (d) => received.push(d),
      onClose: resolve,
    });
    client.connect();
  });
  assert.equal(Buffer.concat(received).toString(), 'echo:hello');
  assert.deepEqual(close, { error: undefined, connected: true });
  assert.deepEqual(attempts, [0]);
  await srv.close();
});

test("onread reads into the caller's buffer", async () => {
  const srv = await server((socket) => socket.end(Buffer.from('0123456789')));
  const buffer = Buffer.alloc(64);
  let filled = 0;
  await new Promise<void>((resolve) => {
    new TcpClient({
      host: '127.0.0.1',
      port: srv.port,
      label: 'x',
      onread: { buffer: () => buffer.subarray(filled), callback: (n) => void (filled += n) },
      onClose: () => resolve(),
    }).connect();
  });
  assert.equal(buffer.subarray(0, filled).toString(), '0123456789');
  await srv.close();
});

test('reconnect(): drops are retried on the schedule, refused attempts too, until a server answers again', async () => {
  // The first server hangs up at once and goes away; attempts are refused until a second one listens.
  let first = true;
  let srv = await server((socket) => socket.destroy());
  const port = srv.port;
  const lines: string[] = [];
  const attempts: number[] = [];
  const closes: TcpClose[] = [];
  let client!: TcpClient;
  let connects = 0;
  await new Promise<void>((resolve) => {
    client = new TcpClient({
      host: '127.0.0.1',
      port,
      label: 'x',
      backoffS: [0.02],
      log: (_level, text) => lines.push(text),
      onConnecting: (a) => attempts.push(a),
      onConnect: () => {
        if (++connects === 2) resolve();
      },
      onClose: (close) => {
        closes.push(close);
        if (first) {
          first = false;
          void srv.close().then(() => setTimeout(async () => (srv = await listenOn(port)), 100));
        }
        client.reconnect(close.error ? `connection lost (${close.error.message})` : 'connection lost');
      },
    });
    client.connect();
  });
  assert.equal(attempts[0], 0);
  assert.ok(attempts.length >= 3, `attempts: ${attempts.join(', ')}`);
  assert.ok(
    closes.slice(1).every((c) => !c.connected && /ECONNREFUSED/.test(c.error?.message ?? '')),
    'the attempts in between were refused',
  );
  assert.ok(
    lines.some((l) => /^x: connection lost \(connect ECONNREFUSED .*\); reconnecting in 0\.02 s \(attempt 2\)$/.test(l)),
    lines.join('\n'),
  );
  assert.equal(client.attempt, 0, 'a good connection resets the count');
  assert.ok(lines.includes(`x: reconnected after ${attempts.length - 1} attempts`), lines.join('\n'));
  client.close();
  await srv.close();
});

async function listenOn(port: number): Promise<{ port: number; server: net.Server; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((socket) => {
    sockets.add(socket);
  });
  s.listen(port, '127.0.0.1');
  await once(s, 'listening');
  return {
    port,
    server: s,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => s.close(() => resolve()));
    },
  };
}

test('close() cancels a pending reconnect and calls nothing more', async () => {
  const srv = await server((socket) => socket.destroy());
  let closes = 0;
  let client!: TcpClient;
  await new Promise<void>((resolve) => {
    client = new TcpClient({
      host: '127.0.0.1',
      port: srv.port,
      label: 'x',
      backoffS: [5],
      onClose: () => {
        closes++;
        client.reconnect('lost');
        resolve();
      },
    });
    client.connect();
  });
  client.close();
  assert.equal(client.socket, undefined);
  assert.equal(closes, 1);
  await srv.close();
  // A 5 s timer left behind would keep this test file running.
});
