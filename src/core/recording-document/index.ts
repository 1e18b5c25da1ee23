// The recording editor's document: the editable metadata of one recording (channel names, units,
// bad channels, markers, crop marks, notes), kept beside the data file in its sidecar. Edits are
// small labelled intents applied to an immutable state, so undo is "go back to the state before"
// and a backup is just the list of intents plus a fingerprint of the files they were made on.
// Saving writes only the sidecar (atomically); the data file is never opened for writing.
// No `vscode` here: src/ui/recording-editor.ts adapts this to VS Code's CustomDocument.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readSidecar, sidecarPathFor, writeSidecar, type Sidecar, type SidecarMarker } from '../writers/sidecar';
import type { RecordingFormat } from '../writers/types';
import type {
  RecordingChannelInfo,
  RecordingCrop,
  RecordingEditIntent,
  RecordingMarkerInfo,
  RecordingState,
} from '../../../webview/shared/recording-protocol';

export interface RecordingMeta {
  readonly channels: readonly RecordingChannelInfo[];
  readonly markers: readonly RecordingMarkerInfo[];
  readonly crop: RecordingCrop;
  readonly notes: string;
}

/** What the data file is, as its reader found it. */
export interface RecordingFileInfo {
  format: RecordingFormat;
  channelCount: number;
  frames: number;
  rate: number | undefined;
  /** The file's own names (CSV header) when there is no sidecar. */
  channels?: readonly { name: string; unit: string }[];
}

/** Fields the editor adds to a sidecar; older readers ignore them. */
interface EditedSidecar extends Sidecar {
  badChannels?: string[];
  crop?: { start: number; end: number } | null;
  notes?: string;
  /** `editor`: made by the recording editor for a bare file, with what it could know. */
  origin?: string;
  markers: Array<SidecarMarker & { id?: string; duration?: number }>;
}

export interface Fingerprint {
  size: number;
  mtimeMs: number;
  /** sha256 of the first and the last 64 KiB. */
  head: string;
  tail: string;
  /** sha256 of the sidecar's bytes; null when there was none. */
  sidecar: string | null;
}

export interface RecordingBackup {
  labscope: 'recording-backup';
  version: 1;
  file: string;
  fingerprint: Fingerprint;
  edits: Array<{ label: string; intent: RecordingEditIntent }>;
}

interface AppliedEdit {
  label: string;
  intent: RecordingEditIntent;
  before: RecordingMeta;
  after: RecordingMeta;
}

const EDGE = 64 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function fingerprint(dataPath: string): Fingerprint {
  const st = fs.statSync(dataPath);
  const fd = fs.openSync(dataPath, 'r');
  try {
    const n = Math.min(EDGE, st.size);
    const head = Buffer.alloc(n);
    fs.readSync(fd, head, 0, n, 0);
    const tail = Buffer.alloc(n);
    fs.readSync(fd, tail, 0, n, st.size - n);
    const sc = sidecarPathFor(dataPath);
    return {
      size: st.size,
      mtimeMs: st.mtimeMs,
      head: sha(head),
      tail: sha(tail),
      sidecar: fs.existsSync(sc) ? sha(fs.readFileSync(sc)) : null,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** What differs between two fingerprints, in words; empty when nothing does. */
export function fingerprintChanges(then: Fingerprint, now: Fingerprint): string[] {
  const out: string[] = [];
  if (then.size !== now.size) out.push(`the data file's size went from ${then.size} to ${now.size} bytes`);
  else if (then.head !== now.head || then.tail !== now.tail) out.push("the data file's bytes differ");
  else if (then.mtimeMs !== now.mtimeMs) out.push('the data file was touched (same bytes at both ends)');
  if (then.sidecar !== now.sidecar)
    out.push(now.sidecar === null ? 'its sidecar was deleted' : then.sidecar === null ? 'a sidecar appeared' : 'its sidecar was changed');
  return out;
}

const fmtS = (row: number, rate: number | undefined) => (rate ? `${(row / rate).toFixed(3)} s` : `row ${row}`);

/** Applies one intent to a state: the new state and a label, or an Error saying why it cannot apply. */
export function applyIntent(
  meta: RecordingMeta,
  e: RecordingEditIntent,
  rate: number | undefined,
  newId: () => string,
): { meta: RecordingMeta; label: string } {
  const ch = (i: number) => {
    const c = meta.channels[i];
    if (!c) throw new Error(`there is no channel ${i + 1} (the recording has ${meta.channels.length})`);
    return c;
  };
  const withChannel = (i: number, c: RecordingChannelInfo) => meta.channels.map((x, k) => (k === i ? c : x));
  const marker = (id: string) => {
    const m = meta.markers.find((x) => x.id === id);
    if (!m) throw new Error(`there is no marker ${id}`);
    return m;
  };
  const withMarker = (m: RecordingMarkerInfo) => meta.markers.map((x) => (x.id === m.id ? m : x)).sort((a, b) => a.row - b.row);
  switch (e.type) {
    case 'renameChannel': {
      const c = ch(e.channel);
      if (meta.channels.some((x, k) => k !== e.channel && x.name === e.name)) throw new Error(`another channel is already named ${e.name}`);
      return { meta: { ...meta, channels: withChannel(e.channel, { ...c, name: e.name }) }, label: `Rename channel ${c.name} → ${e.name}` };
    }
    case 'setUnit': {
      const c = ch(e.channel);
      return {
        meta: { ...meta, channels: withChannel(e.channel, { ...c, unit: e.unit }) },
        label: `Set unit of ${c.name} to ${e.unit || '(none)'}`,
      };
    }
    case 'setBad': {
      const c = ch(e.channel);
      return {
        meta: { ...meta, channels: withChannel(e.channel, { ...c, bad: e.bad }) },
        label: `${e.bad ? 'Mark' : 'Unmark'} ${c.name} as bad`,
      };
    }
    case 'addMarker': {
      const m: RecordingMarkerInfo = {
        id: newId(),
        row: e.row,
        duration: e.duration,
        channel: e.channel,
        type: e.markerType,
        text: e.text,
      };
      return {
        meta: { ...meta, markers: [...meta.markers, m].sort((a, b) => a.row - b.row) },
        label: `Add marker at ${fmtS(e.row, rate)}`,
      };
    }
    case 'moveMarker': {
      const m = marker(e.id);
      return {
        meta: { ...meta, markers: withMarker({ ...m, row: e.row, duration: e.duration ?? m.duration }) },
        label: `Move marker ${m.text || m.type} to ${fmtS(e.row, rate)}`,
      };
    }
    case 'relabelMarker': {
      const m = marker(e.id);
      const n = { ...m, type: e.markerType ?? m.type, text: e.text ?? m.text, channel: e.channel === undefined ? m.channel : e.channel };
      return { meta: { ...meta, markers: withMarker(n) }, label: `Relabel marker at ${fmtS(m.row, rate)}` };
    }
    case 'deleteMarker': {
      const m = marker(e.id);
      return { meta: { ...meta, markers: meta.markers.filter((x) => x.id !== e.id) }, label: `Delete marker at ${fmtS(m.row, rate)}` };
    }
    case 'setCrop':
      return {
        meta: { ...meta, crop: e.crop },
        label: e.crop ? `Set crop marks ${fmtS(e.crop.start, rate)} – ${fmtS(e.crop.end, rate)}` : 'Clear crop marks',
      };
    case 'setNote':
      return { meta: { ...meta, notes: e.notes }, label: 'Edit notes' };
  }
}

function metaFromSidecar(s: EditedSidecar | undefined, file: RecordingFileInfo): RecordingMeta {
  const named =
    s && s.channels.length === file.channelCount
      ? s.channels
      : file.channels && file.channels.length === file.channelCount
        ? file.channels
        : undefined;
  const bad = new Set(s?.badChannels ?? []);
  const channels = Array.from({ length: file.channelCount }, (_, i) => {
    const c = named?.[i] ?? { name: `ch${i + 1}`, unit: '' };
    return { name: c.name, unit: c.unit, bad: bad.has(c.name) };
  });
  const markers = (s?.markers ?? []).map((m, i) => ({
    id: m.id ?? `m${i + 1}`,
    row: m.row,
    duration: m.duration ?? 0,
    channel: m.channel,
    type: m.type,
    text: m.text,
  }));
  return { channels, markers, crop: s?.crop ?? null, notes: s?.notes ?? '' };
}

export class RecordingDocumentModel {
  private saved!: RecordingMeta;
  private current!: RecordingMeta;
  private sidecar: EditedSidecar | undefined;
  private done: AppliedEdit[] = [];
  private undone: AppliedEdit[] = [];
  /** Edits since the last save or load, for backups (undone ones dropped). */
  private savedDepth = 0;
  private nextId = 1;

  private constructor(
    readonly dataPath: string,
    readonly file: RecordingFileInfo,
  ) {
    this.load();
  }

  static open(dataPath: string, file: RecordingFileInfo): RecordingDocumentModel {
    return new RecordingDocumentModel(path.resolve(dataPath), file);
  }

  get sidecarPath(): string {
    return sidecarPathFor(this.dataPath);
  }

  get meta(): RecordingMeta {
    return this.current;
  }

  get dirty(): boolean {
    return this.current !== this.saved;
  }

  /** Labels of the edits that undo would take back, oldest first. */
  get history(): readonly string[] {
    return this.done.map((e) => e.label);
  }

  get sidecarInfo(): Sidecar | undefined {
    return this.sidecar;
  }

  state(): RecordingState {
    const m = this.current;
    return {
      channels: m.channels.map((c) => ({ ...c })),
      markers: m.markers.map((x) => ({ ...x })),
      crop: m.crop,
      notes: m.notes,
      dirty: this.dirty,
      undoLabel: this.done.at(-1)?.label ?? null,
      redoLabel: this.undone.at(-1)?.label ?? null,
    };
  }

  private load(): void {
    this.sidecar = fs.existsSync(this.sidecarPath) ? (readSidecar(this.sidecarPath) as EditedSidecar) : undefined;
    this.saved = this.current = metaFromSidecar(this.sidecar, this.file);
    this.nextId = 1;
    for (const m of this.current.markers) {
      const n = /^m(\d+)$/.exec(m.id);
      if (n) this.nextId = Math.max(this.nextId, Number(n[1]) + 1);
    }
    this.done = [];
    this.undone = [];
    this.savedDepth = 0;
  }

  /** Applies an intent; returns its label. Throws (changing nothing) when it cannot apply. */
  apply(intent: RecordingEditIntent): string {
    const r = applyIntent(this.current, intent, this.file.rate, () => `m${this.nextId++}`);
    // A marker's id is part of the edit, so a redo or a restored backup recreates the same marker.
    const stored: RecordingEditIntent =
      intent.type === 'addMarker'
        ? ({ ...intent, id: r.meta.markers.find((m) => !this.current.markers.some((o) => o.id === m.id))?.id } as RecordingEditIntent)
        : intent;
    const edit: AppliedEdit = { label: r.label, intent: stored, before: this.current, after: r.meta };
    this.done.push(edit);
    this.undone = [];
    this.current = r.meta;
    return r.label;
  }

  undo(): string | undefined {
    const e = this.done.pop();
    if (!e) return undefined;
    this.undone.push(e);
    this.current = e.before;
    return e.label;
  }

  redo(): string | undefined {
    const e = this.undone.pop();
    if (!e) return undefined;
    this.done.push(e);
    this.current = e.after;
    return e.label;
  }

  /** The sidecar the current state saves as, for this data file's basename. */
  private sidecarFor(fileName: string): EditedSidecar {
    const m = this.current;
    const base: EditedSidecar = this.sidecar
      ? structuredClone(this.sidecar)
      : {
          labscope: 'recording',
          version: 1,
          file: fileName,
          format: this.file.format,
          device: { uri: 'unknown:', family: 'unknown' },
          channels: [],
          rate: this.file.rate ?? 0,
          startTime: new Date(fs.statSync(this.dataPath).birthtimeMs || fs.statSync(this.dataPath).mtimeMs).toISOString(),
          startFrame: 0,
          frames: this.file.frames,
          anchors: [],
          markers: [],
          gaps: [],
          summary: {},
          origin: 'editor: made by the recording editor for a file that had no sidecar; device, rate and start time are guesses',
        };
    base.file = fileName;
    base.channels = m.channels.map((c) => ({ name: c.name, unit: c.unit }));
    base.badChannels = m.channels.filter((c) => c.bad).map((c) => c.name);
    base.markers = m.markers.map((x) => ({
      id: x.id,
      frame: base.startFrame + x.row,
      row: x.row,
      duration: x.duration,
      type: x.type,
      text: x.text,
      channel: x.channel,
    }));
    base.crop = m.crop;
    base.notes = m.notes;
    return base;
  }

  /** Writes only the sidecar, atomically; the data file is not opened. */
  save(): void {
    const s = this.sidecarFor(path.basename(this.dataPath));
    writeSidecar(this.sidecarPath, s);
    this.sidecar = s;
    this.saved = this.current;
    this.savedDepth = this.done.length;
  }

  /** Copies the data file to `target` (streamed, temp + rename) and writes its sidecar with the edits. */
  async saveAs(target: string, signal?: AbortSignal): Promise<void> {
    target = path.resolve(target);
    if (target === this.dataPath) return this.save();
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    try {
      await pipeline(fs.createReadStream(this.dataPath), fs.createWriteStream(tmp), { signal });
      fs.renameSync(tmp, target);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    writeSidecar(sidecarPathFor(target), this.sidecarFor(path.basename(target)));
  }

  /** Drops the edits and reads the sidecar again. */
  revert(): void {
    this.load();
  }

  backup(): RecordingBackup {
    return {
      labscope: 'recording-backup',
      version: 1,
      file: path.basename(this.dataPath),
      fingerprint: fingerprint(this.dataPath),
      edits: this.done.map((e) => ({ label: e.label, intent: e.intent })),
    };
  }

  writeBackup(destination: string): void {
    const tmp = `${destination}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(this.backup()));
    fs.renameSync(tmp, destination);
  }

  /**
   * Reapplies a backup's edits on top of the saved state. Returns warnings (empty when the files
   * are as they were); throws, leaving the document as loaded, when an edit no longer applies.
   */
  restore(backup: RecordingBackup): string[] {
    if (backup?.labscope !== 'recording-backup' || backup.version !== 1 || !Array.isArray(backup.edits))
      throw new Error('not a recording editor backup');
    const changes = fingerprintChanges(backup.fingerprint, fingerprint(this.dataPath));
    const warnings = changes.length ? [`the recording changed since these edits were made: ${changes.join('; ')}`] : [];
    this.load();
    try {
      for (const [k, e] of backup.edits.entries()) {
        try {
          this.apply(e.intent);
        } catch (err) {
          throw new Error(
            `edit ${k + 1} of ${backup.edits.length} ("${e.label}") no longer applies: ${(err as Error).message}${warnings.length ? ` (${warnings[0]})` : ''}`,
          );
        }
      }
    } catch (err) {
      this.load();
      throw err;
    }
    return warnings;
  }

  static readBackup(file: string): RecordingBackup {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RecordingBackup;
  }
}
