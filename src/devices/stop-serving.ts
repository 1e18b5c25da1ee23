// How a simulator's TCP server stops: every client is cut off at once (its stream cancelled
// first, so no write lands on a destroyed socket) and the promise resolves when the server closed.
import type * as net from 'node:net';

export async function stopServing(server: net.Server, streams: Map<net.Socket, { cancel(): void }>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const [socket, stream] of streams) {
    stream.cancel();
    socket.destroy();
  }
  streams.clear();
  await closed;
}
