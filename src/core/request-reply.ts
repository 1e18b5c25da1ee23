// One way to ask another thread something and get its answer: a request `{ id, body }` is
// answered by exactly one reply `{ inReplyTo, ok, value | error }`. The session talks to its
// acquisition worker this way, and the serial bridge to the main thread's serial port. Pending
// requests are rejected, never left waiting, when the other side goes away.
import type { TransferListItem } from 'node:worker_threads';

export interface Request<B = unknown> {
  id: number;
  body: B;
}

/** What went wrong on the other side, as plain data (an Error does not survive postMessage whole). */
export interface ReplyError {
  message: string;
  code?: string;
  /** The call was cut short (the port closed), not refused. */
  canceled?: boolean;
}

export type Reply<V = unknown> = { inReplyTo: number; ok: true; value: V } | { inReplyTo: number; ok: false; error: ReplyError };

/** An Error carrying a ReplyError's code and canceled flag. */
export class RemoteError extends Error {
  readonly code?: string;
  readonly canceled?: boolean;
  constructor(error: ReplyError) {
    super(error.message);
    this.name = 'RemoteError';
    this.code = error.code;
    this.canceled = error.canceled;
  }
}

export function isRequest(message: unknown): message is Request {
  return typeof message === 'object' && message !== null && typeof (message as Request).id === 'number' && 'body' in message;
}

export function isReply(message: unknown): message is Reply {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as Reply).inReplyTo === 'number' &&
    typeof (message as Reply).ok === 'boolean'
  );
}

type Post = (message: Request | Reply, transfer?: TransferListItem[]) => void;

/** The asking side: `request()` resolves with the value or rejects with a RemoteError. */
export class Requester<B = unknown> {
  private nextId = 1;
  private closedWith?: ReplyError;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(private readonly post: Post) {}

  get waiting(): number {
    return this.pending.size;
  }

  request<V>(body: B, transfer: TransferListItem[] = []): Promise<V> {
    if (this.closedWith) return Promise.reject(new RemoteError(this.closedWith));
    return new Promise<V>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.post({ id, body }, transfer);
      } catch (error) {
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Hands a reply to the request it answers; false when `message` is not one of ours. */
  receive(message: unknown): boolean {
    if (!isReply(message)) return false;
    const call = this.pending.get(message.inReplyTo);
    if (!call) return false;
    this.pending.delete(message.inReplyTo);
    if (message.ok) call.resolve(message.value);
    else call.reject(new RemoteError(message.error));
    return true;
  }

  /**
   * The other side is gone: every pending request, and every later one, rejects with `why`.
   * Only the first reason counts: closing a port also fires its 'close' event, whose generic
   * reason must not replace the caller's own.
   */
  close(why: string): void {
    this.closedWith ??= { message: why, canceled: true };
    for (const call of this.pending.values()) call.reject(new RemoteError(this.closedWith));
    this.pending.clear();
  }
}

/**
 * The answering side: runs `handler` on each request's body and posts its value, or its error
 * as data. `transferOf` may name buffers of the value to move rather than copy. The function it
 * returns never rejects, so callers may `void` it.
 */
export function answerRequests<B, V>(
  handler: (body: B) => V | Promise<V>,
  post: Post,
  transferOf?: (value: V) => TransferListItem[],
): (request: Request<B>) => Promise<void> {
  return async ({ id, body }) => {
    let reply: Reply<V>;
    try {
      reply = { inReplyTo: id, ok: true, value: await handler(body) };
    } catch (error) {
      reply = { inReplyTo: id, ok: false, error: replyError(error) };
    }
    try {
      post(reply, reply.ok && transferOf ? transferOf(reply.value) : []);
    } catch (error) {
      // A value that cannot be cloned (a function, say): the asker must still hear back, or it
      // would wait forever. An error reply is plain data; if even that fails, the channel is gone
      // and nobody is left to tell (so the returned promise never rejects).
      try {
        post({ inReplyTo: id, ok: false, error: replyError(error) });
      } catch {
        // see above
      }
    }
  };
}

function replyError(error: unknown): ReplyError {
  const e = error as (Error & { code?: unknown; canceled?: unknown }) | undefined;
  return {
    message: e?.message ?? String(error),
    code: typeof e?.code === 'string' ? e.code : undefined,
    canceled: e?.canceled === true ? true : undefined,
  };
}
