// A websocket client (the `ws` package, pure JS, so it runs in the acquisition worker) for boards
// that speak over websockets: Bela's watcher serves a JSON control socket and a binary data socket
// on one port (ws://HOST:5555/gui_control and /gui_data). Text and binary messages go to
// callbacks; binary ones arrive as ArrayBuffers of their own (offset 0, so a Float32Array or
// Float64Array can view them: a frame inside ws's receive buffer need not be aligned). A first
// connection that fails is worded by cannotConnect; after that a close says whether the peer
// closed it (Bela's program stopped: the stream is over) or it failed, and the caller may
// reconnect() through the shared Reconnector.
import WebSocket from 'ws';
import { cannotConnect, Reconnector, type LogLevel } from './reconnect';

export interface WebSocketClose {
  /**
   * The peer ended the connection: with a close frame, or by closing its TCP socket (a board
   * program that exits sends no close frame: code 1006 without an error). False: it failed.
   */
  byPeer: boolean;
  /** The websocket close code (1000 normal, 1001 going away, 1005 none given, 1006 no close frame). */
  code: number;
  reason: string;
  /** What failed, when it did (ECONNRESET, a protocol error, a refused reconnect attempt). */
  error?: Error;
  /** Whether this socket had opened (false: a reconnect attempt that failed). */
  connected: boolean;
}

export interface WebSocketClientOptions {
  /** `ws://host:port/path`; see webSocketUrl(). */
  url: string;
  /** Names the socket in messages; default the URL. */
  label?: string;
  /** cannotConnect's next step when nobody listens, e.g. "is the Bela board running a project with a Gui?". */
  hint?: string;
  /** Seconds between reconnect attempts (see Reconnector); only used if the caller calls reconnect(). */
  backoffS?: readonly number[];
  log?: (level: LogLevel, text: string) => void;
  /** The opening handshake must finish within this (default 10 s): an unreachable host otherwise takes minutes. */
  handshakeTimeoutMs?: number;
  /** How long close() waits for the peer's close frame before it drops the socket (default 1 s). */
  closeTimeoutMs?: number;
  onConnecting?: (attempt: number) => void;
  onOpen?: () => void;
  onText?: (text: string) => void;
  onBinary?: (data: ArrayBuffer) => void;
  /** The first connection failed: a `cannot connect to LABEL: …` error; the client is closed. */
  onFailed?: (error: Error) => void;
  /** An open socket, or a reconnect attempt, is gone. Call reconnect() from here to try again. */
  onClose?: (close: WebSocketClose) => void;
}

/** `ws://host:port/path`, with an IPv6 host in brackets. */
export function webSocketUrl(host: string, port: number, path = '/'): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `ws://${h}:${port}${path.startsWith('/') ? path : `/${path}`}`;
}

export class WebSocketClient {
  private current?: WebSocket;
  private readonly reconnector: Reconnector;
  private established = false;
  private closed = false;
  private opened?: { promise: Promise<void>; resolve(): void; reject(error: Error): void };
  readonly label: string;

  constructor(private readonly options: WebSocketClientOptions) {
    this.label = options.label ?? options.url;
    this.reconnector = new Reconnector({ label: this.label, backoffS: options.backoffS, log: options.log });
  }

  get open(): boolean {
    return this.current?.readyState === WebSocket.OPEN;
  }

  /** Attempts since the last good connection. */
  get attempt(): number {
    return this.reconnector.attempt;
  }

  /**
   * Starts the first attempt. The promise resolves when the socket is open and rejects with the
   * onFailed error; it need not be awaited (event-style callers use the callbacks).
   */
  connect(): Promise<void> {
    if (!this.opened) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => undefined);
      this.opened = { promise, resolve, reject };
    }
    this.attemptNow();
    return this.opened.promise;
  }

  private attemptNow(): void {
    if (this.closed) return;
    const o = this.options;
    o.onConnecting?.(this.reconnector.attempt);
    const ws = new WebSocket(o.url, {
      handshakeTimeout: o.handshakeTimeoutMs ?? 10_000,
      closeTimeout: o.closeTimeoutMs ?? 1_000,
      // Sample buffers barely compress and the link is local: deflate would only cost CPU.
      perMessageDeflate: false,
      followRedirects: false,
    } as WebSocket.ClientOptions);
    ws.binaryType = 'arraybuffer';
    this.current = ws;
    let lastError: Error | undefined;
    let connected = false;
    const mine = () => !this.closed && this.current === ws;
    ws.on('open', () => {
      if (!mine()) return;
      connected = true;
      this.established = true;
      this.reconnector.succeeded();
      this.opened?.resolve();
      o.onOpen?.();
    });
    ws.on('message', (data: ArrayBuffer, isBinary: boolean) => {
      if (!mine()) return;
      if (isBinary) o.onBinary?.(data);
      else o.onText?.(Buffer.from(data).toString('utf8'));
    });
    ws.on('error', (error: Error) => {
      if (!mine()) return;
      if (!this.established) {
        const failure = cannotConnect(this.label, error, { hint: o.hint });
        this.opened?.reject(failure);
        void this.shut();
        o.onFailed?.(failure);
        return;
      }
      // The close that follows reports it.
      lastError = error;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (!mine()) return;
      this.current = undefined;
      if (!this.established) return;
      o.onClose?.({ byPeer: !lastError, code, reason: reason.toString('utf8'), error: lastError, connected });
    });
  }

  /**
   * Another attempt after the backoff, logged as `LABEL: WHY; reconnecting in N s (attempt K)`.
   * From here on a refused attempt is retried too, not a failure.
   */
  reconnect(why: string): void {
    if (this.closed) return;
    this.established = true;
    const ws = this.current;
    this.current = undefined;
    ws?.terminate();
    this.reconnector.schedule(why, () => this.attemptNow());
  }

  /** Sends a text message (JSON for Bela); false when the socket is not open. */
  sendText(text: string): boolean {
    return this.send(text);
  }

  /** Sends a binary message; false when the socket is not open. */
  sendBinary(data: Uint8Array | ArrayBuffer): boolean {
    return this.send(data);
  }

  private send(data: string | Uint8Array | ArrayBuffer): boolean {
    const ws = this.current;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    // A failed send also fails the socket, whose close reports it.
    ws.send(data, () => undefined);
    return true;
  }

  /**
   * Closes with a close frame (code 1000) and cancels any reconnect; no callback is called after
   * this. Resolves once the socket is gone (the peer answered, or closeTimeoutMs passed).
   */
  close(code = 1000, reason = ''): Promise<void> {
    return this.shut(code, reason);
  }

  private shut(code = 1000, reason = ''): Promise<void> {
    this.closed = true;
    this.reconnector.stop();
    const ws = this.current;
    this.current = undefined;
    this.opened?.reject(new Error(`${this.label}: closed before it opened`));
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      // Errors after close() belong to nobody, but an EventEmitter without a listener throws them.
      ws.on('error', () => undefined);
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    });
  }
}

/** Closes several sockets (Bela's control and data) together. */
export async function closeAll(clients: readonly (WebSocketClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c?.close()));
}
