// The states a session goes through, and which may follow which (docs/architecture.md): anything
// else is a bug and is refused. A reconnect while paused comes back paused. `done`, `error` and
// `closed` are the three ways a session finishes (closing a finished one frees its thread but
// keeps how it finished); `deleted` follows any of them once its files are removed.

export type SessionState = 'queued' | 'connecting' | 'active' | 'paused' | 'done' | 'error' | 'closed' | 'deleted';

export const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  queued: ['connecting', 'error', 'closed'],
  connecting: ['active', 'paused', 'connecting', 'done', 'error', 'closed'],
  active: ['paused', 'connecting', 'done', 'error', 'closed'],
  paused: ['active', 'connecting', 'done', 'error', 'closed'],
  done: ['deleted'],
  error: ['deleted'],
  closed: ['deleted'],
  deleted: [],
};

/** The seed's isdone(): finished for any reason. */
export const FINISHED: readonly SessionState[] = ['done', 'error', 'closed', 'deleted'];
