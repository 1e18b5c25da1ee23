// A TCP client for families that read a byte stream: the first-connect failure worded once
// (cannotConnect), closes and errors told apart, and reconnects through the shared Reconnector
// when the caller asks for one. What a close means is the caller's to say: RDA reconnects after a
// drop, a raw audio socket ends its stream. Reads are either 'data' chunks or, for a decoder that
// wants the bytes where it parses them (RDA), net's `onread` into the caller's own buffer.
import * as net from 'node:net';
import { cannotConnect, Reconnector, type LogLevel } from './reconnect';

/**
 * A loopback port nothing listens on (just freed): for a server that can only be told a port
 * (modbus-serial's treats 0 as 502), or a helper program given one to listen on (mokucli).
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TcpClose {
  /** Why the socket went, when it was an error (ECONNRESET, a refused reconnect); none when the peer closed it. */
  error?: Error;
  /** Whether this socket had connected (false: a reconnect attempt that failed). */
  connected: boolean;
}

export interface TcpClientOptions {
  host: string;
  port: number;
  /** Names the peer in messages, e.g. `rda://host:port`. */
  label: string;
  /** The next step when nobody listens, for cannotConnect, e.g. "is the RDA server running and sending on that port?". */
  hint?: string;
  /** Seconds between reconnect attempts (see Reconnector); only used if the caller calls reconnect(). */
  backoffS?: readonly number[];
  log?: (level: LogLevel, text: string) => void;
  /** Default true: instrument data is small and wanted now. */
  noDelay?: boolean;
  /**
   * Zero-copy reads (net's `onread`): the socket reads into `buffer()` and `callback(bytes)` says
   * how many arrived; returning false pauses the socket. Leaves `onData` unused.
   */
  onread?: { buffer: () => Uint8Array; callback: (bytes: number, buffer: Uint8Array) => boolean | void };
  onData?: (chunk: Buffer) => void;
  /** Before every attempt: 0 for the first, then the attempts since the last good connection. */
  onConnecting?: (attempt: number) => void;
  onConnect?: () => void;
  /**
   * The first connection failed: a `cannot connect to LABEL: CODE (hint)` error. The client is
   * closed; nothing else is called.
   */
  onFailed?: (error: Error) => void;
  /**
   * A socket that had connected, or a reconnect attempt, is gone. Call reconnect() from here to
   * try again, close() or nothing to leave it closed.
   */
  onClose?: (close: TcpClose) => void;
}

export class TcpClient {
  private current?: net.Socket;
  private readonly reconnector: Reconnector;
  private isConnected = false;
  /** Once a connection was up, or a reconnect asked for, failures go to onClose, not onFailed. */
  private established = false;
  private closed = false;

  constructor(private readonly options: TcpClientOptions) {
    this.reconnector = new Reconnector({ label: options.label, backoffS: options.backoffS, log: options.log });
  }

  /** The live socket, if any (for a write, a half-close, or tests). */
  get socket(): net.Socket | undefined {
    return this.current;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Attempts since the last good connection. */
  get attempt(): number {
    return this.reconnector.attempt;
  }

  /** Starts the first attempt. */
  connect(): void {
    if (this.closed) return;
    const o = this.options;
    o.onConnecting?.(this.reconnector.attempt);
    const onread = o.onread;
    const socket: net.Socket = net.connect({
      host: o.host,
      port: o.port,
      ...(onread && {
        onread: {
          buffer: onread.buffer,
          // Bytes read after close() belong to nobody: stop reading.
          callback: (bytes: number, buffer: Uint8Array) =>
            this.closed || this.current !== socket ? false : onread.callback(bytes, buffer) !== false,
        },
      }),
    });
    this.current = socket;
    socket.setNoDelay(o.noDelay ?? true);
    let lastError: Error | undefined;
    let connected = false;
    socket.on('connect', () => {
      if (this.closed || this.current !== socket) return;
      connected = true;
      this.isConnected = true;
      this.established = true;
      this.reconnector.succeeded();
      o.onConnect?.();
    });
    if (!onread && o.onData) {
      const onData = o.onData;
      socket.on('data', (chunk: Buffer) => {
        if (!this.closed && this.current === socket) onData(chunk);
      });
    }
    socket.on('error', (error: Error) => {
      if (this.closed || this.current !== socket) return;
      if (!this.established) {
        this.close();
        o.onFailed?.(cannotConnect(o.label, error, { hint: o.hint }));
        return;
      }
      // The close that follows reports it.
      lastError = error;
    });
    socket.on('close', () => {
      if (this.closed || this.current !== socket) return;
      this.isConnected = false;
      this.current = undefined;
      if (!this.established) return;
      o.onClose?.({ error: lastError, connected });
    });
  }

  /**
   * Another attempt after the backoff, logged as `LABEL: WHY; reconnecting in N s (attempt K)`.
   * From here on a refused attempt is retried too (the server may be restarting), not a failure.
   */
  reconnect(why: string): void {
    if (this.closed) return;
    this.established = true;
    this.current?.destroy();
    this.current = undefined;
    this.isConnected = false;
    this.reconnector.schedule(why, () => this.connect());
  }

  write(data: Uint8Array | string): boolean {
    return this.current?.write(data) ?? false;
  }

  /** Half-closes the socket (we are done sending; the peer may still finish). */
  end(): void {
    this.current?.end();
  }

  /** Destroys the socket and cancels any reconnect; no callback is called after this. */
  close(): void {
    this.closed = true;
    this.isConnected = false;
    this.reconnector.stop();
    this.current?.destroy();
    this.current = undefined;
  }
}
