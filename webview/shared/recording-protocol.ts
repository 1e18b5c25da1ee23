// The messages between the extension host and a recording editor's webview (src/ui/recording-editor.ts
// ↔ webview/recording/). Both sides import this file, so a renamed field is a compile error on both;
// the host runs `parseRecordingMessage` on everything the webview sends: a webview is a web page and
// its messages are input, not trusted calls. Edits travel as intents; the host owns the document
// (src/core/recording-document/), applies them as undoable edits and answers with 'state'.

export const RECORDING_PROTOCOL = 1;

/** What the host accepts: a request's cost and an edit's size are bounded by these. */
export const RECORDING_LIMITS = {
  maxColumns: 8192,
  maxChannels: 1024,
  /** columns × channels per view request: at most 8 MiB of min/max, whatever a page asks. */
  maxCells: 1 << 20,
  maxNameLength: 200,
  maxUnitLength: 40,
  maxTypeLength: 100,
  maxTextLength: 10_000,
  maxNoteLength: 100_000,
  maxIdLength: 100,
} as const;

export interface RecordingChannelInfo {
  name: string;
  unit: string;
  bad: boolean;
}

export interface RecordingMarkerInfo {
  /** Stable within the document (kept in the sidecar), so moves and relabels name their marker. */
  id: string;
  /** File row where it starts. */
  row: number;
  /** Rows it lasts; 0 for a point marker. */
  duration: number;
  /** Channel name it concerns; null for all channels. */
  channel: string | null;
  type: string;
  text: string;
}

export interface RecordingGapInfo {
  row: number;
  frames: number;
  cause?: string;
}

export interface RecordingAnchorInfo {
  /** File row (anchor frame − start frame). */
  row: number;
  /** ISO 8601 wall-clock time of that row. */
  time: string;
}

/** Crop marks: rows [start, end); null when no crop is set. */
export type RecordingCrop = { start: number; end: number } | null;

/** The editable part of the document, pushed after every edit, undo, redo, save and revert. */
export interface RecordingState {
  channels: RecordingChannelInfo[];
  markers: RecordingMarkerInfo[];
  crop: RecordingCrop;
  notes: string;
  dirty: boolean;
  /** Labels of the edit undo would take back and the one redo would redo (for tooltips). */
  undoLabel: string | null;
  redoLabel: string | null;
}

/** Host → webview. */
export type HostToRecording =
  | {
      type: 'init';
      protocol: number;
      /** Basename of the data file. */
      file: string;
      format: 'npy' | 'csv' | 'mat';
      sampleType: 'float32' | 'float64';
      frames: number;
      /** Frames per second; 0 when nothing says (times are then in samples only). */
      rate: number;
      /** ISO 8601 of row 0, when known. */
      startTime: string | null;
      anchors: RecordingAnchorInfo[];
      gaps: RecordingGapInfo[];
      /** Anything odd found while opening (shown as a banner, never a blank editor). */
      problems: string[];
      /** True when the file is still being written: the page follows its end. */
      growing: boolean;
      state: RecordingState;
    }
  | { type: 'state'; state: RecordingState }
  | ({ type: 'view' } & RecordingViewAnswer)
  | ({ type: 'overview' } & RecordingViewAnswer)
  /** The file grew (still being written): its new row count. */
  | { type: 'grown'; frames: number }
  /** The min/max pyramid's build, 0..1; done at 1. */
  | { type: 'progress'; what: string; fraction: number }
  /** Something failed: `id` names the request it answers, when it answers one. */
  | { type: 'error'; message: string; id?: number };

/** min/max columns over rows [start, end) of `channels`. */
export interface RecordingViewAnswer {
  id: number;
  start: number;
  end: number;
  columns: number;
  channels: number[];
  /**
   * minmax[(i * columns + column) * 2 + 0|1] = min|max of channels[i]; NaN where a column holds no
   * rows. A Float32Array (posted, structured-cloned) or a plain array where that is not possible.
   */
  minmax: Float32Array | number[];
  /**
   * True for a preview sampled from the file while the pyramid is being built (it can miss a
   * spike): the page asks again once the build's progress reaches 1.
   */
  provisional: boolean;
}

/** An edit the webview asks for; the host turns it into an undoable document edit. */
export type RecordingEditIntent =
  | { type: 'renameChannel'; channel: number; name: string }
  | { type: 'setUnit'; channel: number; unit: string }
  | { type: 'setBad'; channel: number; bad: boolean }
  | { type: 'addMarker'; row: number; duration: number; channel: string | null; markerType: string; text: string }
  | { type: 'moveMarker'; id: string; row: number; duration?: number }
  | { type: 'relabelMarker'; id: string; markerType?: string; text?: string; channel?: string | null }
  | { type: 'deleteMarker'; id: string }
  | { type: 'setCrop'; crop: RecordingCrop }
  | { type: 'setNote'; notes: string };

export type RecordingEditType = RecordingEditIntent['type'];

/** Webview → host. */
export type RecordingToHost =
  | { type: 'ready'; protocol: number }
  /** min/max of rows [start, end) in `columns` buckets: answered by a 'view' with the same id. */
  | { type: 'view'; id: number; start: number; end: number; columns: number; channels: number[] }
  /** The whole take in `columns` buckets: answered by an 'overview' with the same id. */
  | { type: 'overview'; id: number; columns: number; channels: number[] }
  | { type: 'edit'; edit: RecordingEditIntent }
  /** The page's undo/redo buttons or keys (VS Code's own undo also works through the edit events). */
  | { type: 'undo' }
  | { type: 'redo' }
  /** The current selection, rows [start, end) or null: the export commands use it. */
  | { type: 'selection'; selection: RecordingCrop };

export class RecordingMessageError extends Error {
  constructor(what: string) {
    super(`invalid message from the recording webview: ${what}`);
    this.name = 'RecordingMessageError';
  }
}

/** What the checks need to know of the document a message is for. */
export interface RecordingMessageContext {
  channelCount: number;
  /** Rows the file holds now. */
  frames: number;
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function str(v: unknown, max: number, what: string, allowEmpty = true): string {
  if (typeof v !== 'string') throw new RecordingMessageError(`${what} is not a string`);
  if (v.length > max) throw new RecordingMessageError(`${what} is longer than ${max} characters`);
  if (!allowEmpty && v.trim() === '') throw new RecordingMessageError(`${what} is empty`);
  return v;
}

function channelIndex(v: unknown, ctx: RecordingMessageContext, what: string): number {
  if (!isInt(v, 0, ctx.channelCount - 1)) throw new RecordingMessageError(`${what} is not a channel index below ${ctx.channelCount}`);
  return v;
}

function row(v: unknown, ctx: RecordingMessageContext, what: string): number {
  if (!isInt(v, 0, ctx.frames)) throw new RecordingMessageError(`${what} is not a row from 0 to ${ctx.frames}`);
  return v;
}

function channelList(v: unknown, ctx: RecordingMessageContext, columns: number, what: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > RECORDING_LIMITS.maxChannels)
    throw new RecordingMessageError(`${what}.channels is not a non-empty list of channel indices`);
  const seen = new Set<number>();
  for (const c of v) {
    const i = channelIndex(c, ctx, `${what}.channels holds ${String(c)}, which`);
    if (seen.has(i)) throw new RecordingMessageError(`${what}.channels lists channel ${i} twice`);
    seen.add(i);
  }
  if (columns * seen.size > RECORDING_LIMITS.maxCells)
    throw new RecordingMessageError(
      `${what} asks for ${columns} columns × ${seen.size} channels, more than ${RECORDING_LIMITS.maxCells} cells`,
    );
  return [...seen];
}

function columnsOf(v: unknown, what: string): number {
  if (!isInt(v, 1, RECORDING_LIMITS.maxColumns))
    throw new RecordingMessageError(`${what}.columns is not a whole number from 1 to ${RECORDING_LIMITS.maxColumns}`);
  return v;
}

function requestId(v: unknown, what: string): number {
  if (!isInt(v, 0, Number.MAX_SAFE_INTEGER)) throw new RecordingMessageError(`${what}.id is not a whole number ≥ 0`);
  return v;
}

function crop(v: unknown, ctx: RecordingMessageContext, what: string): RecordingCrop {
  if (v === null) return null;
  if (typeof v !== 'object') throw new RecordingMessageError(`${what} is neither null nor {start, end}`);
  const c = v as Record<string, unknown>;
  const start = row(c.start, ctx, `${what}.start`);
  const end = row(c.end, ctx, `${what}.end`);
  if (end <= start) throw new RecordingMessageError(`${what} ends (${end}) at or before it starts (${start})`);
  return { start, end };
}

function markerChannel(v: unknown, what: string): string | null {
  if (v === null) return null;
  return str(v, RECORDING_LIMITS.maxNameLength, what, false);
}

function markerId(v: unknown, what: string): string {
  return str(v, RECORDING_LIMITS.maxIdLength, what, false);
}

function duration(v: unknown, ctx: RecordingMessageContext, what: string): number {
  if (!isInt(v, 0, ctx.frames)) throw new RecordingMessageError(`${what} is not a whole number of rows from 0 to ${ctx.frames}`);
  return v;
}

function parseEdit(value: unknown, ctx: RecordingMessageContext): RecordingEditIntent {
  if (typeof value !== 'object' || value === null) throw new RecordingMessageError('edit is not an object');
  const e = value as Record<string, unknown>;
  const L = RECORDING_LIMITS;
  switch (e.type) {
    case 'renameChannel':
      return {
        type: 'renameChannel',
        channel: channelIndex(e.channel, ctx, 'renameChannel.channel'),
        name: str(e.name, L.maxNameLength, 'renameChannel.name', false).trim(),
      };
    case 'setUnit':
      return {
        type: 'setUnit',
        channel: channelIndex(e.channel, ctx, 'setUnit.channel'),
        unit: str(e.unit, L.maxUnitLength, 'setUnit.unit').trim(),
      };
    case 'setBad':
      if (typeof e.bad !== 'boolean') throw new RecordingMessageError('setBad.bad is not true or false');
      return { type: 'setBad', channel: channelIndex(e.channel, ctx, 'setBad.channel'), bad: e.bad };
    case 'addMarker':
      return {
        type: 'addMarker',
        row: row(e.row, ctx, 'addMarker.row'),
        duration: duration(e.duration ?? 0, ctx, 'addMarker.duration'),
        channel: markerChannel(e.channel ?? null, 'addMarker.channel'),
        markerType: str(e.markerType, L.maxTypeLength, 'addMarker.markerType', false),
        text: str(e.text, L.maxTextLength, 'addMarker.text'),
      };
    case 'moveMarker': {
      const out: RecordingEditIntent = { type: 'moveMarker', id: markerId(e.id, 'moveMarker.id'), row: row(e.row, ctx, 'moveMarker.row') };
      if (e.duration !== undefined) out.duration = duration(e.duration, ctx, 'moveMarker.duration');
      return out;
    }
    case 'relabelMarker': {
      const out: RecordingEditIntent = { type: 'relabelMarker', id: markerId(e.id, 'relabelMarker.id') };
      if (e.markerType !== undefined) out.markerType = str(e.markerType, L.maxTypeLength, 'relabelMarker.markerType', false);
      if (e.text !== undefined) out.text = str(e.text, L.maxTextLength, 'relabelMarker.text');
      if (e.channel !== undefined) out.channel = markerChannel(e.channel, 'relabelMarker.channel');
      if (out.markerType === undefined && out.text === undefined && out.channel === undefined)
        throw new RecordingMessageError('relabelMarker changes nothing (no markerType, text or channel)');
      return out;
    }
    case 'deleteMarker':
      return { type: 'deleteMarker', id: markerId(e.id, 'deleteMarker.id') };
    case 'setCrop':
      return { type: 'setCrop', crop: crop(e.crop, ctx, 'setCrop.crop') };
    case 'setNote':
      return { type: 'setNote', notes: str(e.notes, L.maxNoteLength, 'setNote.notes') };
    default:
      throw new RecordingMessageError(`unknown edit type ${JSON.stringify(e.type)?.slice(0, 40)}`);
  }
}

/**
 * Checks a message from a recording webview against the protocol and the document it is for;
 * returns it typed, or throws a RecordingMessageError naming the field that is wrong.
 */
export function parseRecordingMessage(value: unknown, ctx: RecordingMessageContext): RecordingToHost {
  if (typeof value !== 'object' || value === null) throw new RecordingMessageError('not an object');
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      if (m.protocol !== RECORDING_PROTOCOL)
        throw new RecordingMessageError(`protocol ${String(m.protocol)}, expected ${RECORDING_PROTOCOL}`);
      return { type: 'ready', protocol: RECORDING_PROTOCOL };
    case 'view': {
      const id = requestId(m.id, 'view');
      const columns = columnsOf(m.columns, 'view');
      const start = row(m.start, ctx, 'view.start');
      const end = row(m.end, ctx, 'view.end');
      if (end < start) throw new RecordingMessageError(`view ends (${end}) before it starts (${start})`);
      return { type: 'view', id, start, end, columns, channels: channelList(m.channels, ctx, columns, 'view') };
    }
    case 'overview': {
      const id = requestId(m.id, 'overview');
      const columns = columnsOf(m.columns, 'overview');
      return { type: 'overview', id, columns, channels: channelList(m.channels, ctx, columns, 'overview') };
    }
    case 'edit':
      return { type: 'edit', edit: parseEdit(m.edit, ctx) };
    case 'undo':
      return { type: 'undo' };
    case 'redo':
      return { type: 'redo' };
    case 'selection':
      return { type: 'selection', selection: crop(m.selection, ctx, 'selection') };
    default:
      throw new RecordingMessageError(`unknown type ${JSON.stringify(m.type)?.slice(0, 40)}`);
  }
}
