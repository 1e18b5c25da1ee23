// Where a session's data comes from, in the seed's terms: a file (named by its base name) or a
// socket (named `<port>@<host>`). Read off the URI, so it holds before connecting and after.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceUri } from './uri';

/** The socket address a URI connects to; a simulator's is an internal detail, so none. */
export function socketOf(uri: DeviceUri): { host: string; port?: number } | undefined {
  return uri.scheme !== 'sim' && uri.host ? { host: uri.host, port: uri.port } : undefined;
}

/**
 * The regular file a URI reads (`audio:rec/a.wav`), resolved against the working directory;
 * undefined for sockets, serial ports and other device nodes, and for a file that is not there.
 */
export function fileOf(uri: DeviceUri): string | undefined {
  if (uri.scheme === 'sim' || uri.host || !uri.path) return undefined;
  const file = path.resolve(uri.path);
  try {
    return fs.statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** The seed's sourcename(): a file's base name or `<port>@<host>`; otherwise the URI itself. */
export function sourceName(uri: DeviceUri): string {
  const socket = socketOf(uri);
  if (socket) return socket.port === undefined ? socket.host : `${socket.port}@${socket.host}`;
  if (uri.scheme !== 'sim' && uri.path && !uri.host) return path.basename(uri.path);
  return uri.text;
}
