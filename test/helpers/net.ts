import { once } from 'node:events';
import * as net from 'node:net';

/** A loopback port nothing listens on (just freed), for "connection refused" and servers that start later. */
export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
