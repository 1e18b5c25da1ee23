// pybela's saving format (Streamer.start_streaming(saving_enabled=True, saving_filename=…,
// saving_dir=…), read back by Streamer.load_data_from_file): one file per variable,
// `{saving_dir}/{var}_{saving_filename}` (default saving_filename var_stream.txt, and
// `{stem}__{idx}{ext}` when such files are already there, as pybela's _generate_filename picks it),
// each line the JSON (Python's json.dumps) of one buffer as pybela parses it (Watcher._parse_binary_data):
//   dense:  {"ref_timestamp": F, "data": [v0, v1, …]}                      value k is frame F + k
//   sparse: {"ref_timestamp": F, "data": [v0, …], "rel_timestamps": [0, r1, …]}  value k is frame F + r_k
// Every value of the buffer is written, as pybela does: a dense buffer's 4096 / size values, a sparse
// one's full capacity with its offsets (a last, padded buffer ends in zeros at offset 0).
//
// Where Labscope differs from what pybela itself would write, it is to keep the board's values:
// uint32 (`j`) values are written unsigned (pybela unpacks them as int32), and char (`c`) values as
// numbers (pybela's struct gives bytes, which json.dumps refuses, so pybela saves no char buffer).
// Floats are written as Python's repr writes them (1.0, 1e-05, NaN), so the lines are json.dumps's.
//
// Lines are kept until flush(), which writes whole lines only: a file is valid after every flush.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TimestampMode, WatcherType } from './protocol';

/** pybela's default saving_filename. */
export const PYBELA_FILENAME = 'var_stream.txt';

export interface PybelaWatcher {
  name: string;
  /** As the board lists it; undefined while not listed yet (the buffer's own type is used). */
  type?: WatcherType;
  mode?: TimestampMode;
}

/** A buffer as protocol.ts's decodeBuffer gives it (DecodedBuffer has these fields). */
export interface PybelaBuffer {
  type: WatcherType;
  mode: TimestampMode;
  ref: number;
  values: ArrayLike<number>;
  /** Each value's frame: dense ref + k, sparse ref + offset k. */
  frames: ArrayLike<number>;
}

export interface PybelaFileWriterOptions {
  /** saving_dir: made if missing; every file is written inside it. */
  dir: string;
  /** saving_filename (default var_stream.txt): a plain file name, no folders. */
  filename?: string;
  /** The variables in channel order (write()'s index). */
  watchers: readonly PybelaWatcher[];
}

/** A float as Python's repr (and so json.dumps) writes it: shortest digits, `1.0`, `1e-05`, `1e+16`. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Both write the shortest digits that round-trip; they differ only in when they use an exponent
  // (Python below 1e-4 and from 1e16, JS below 1e-6 and from 1e21) and in Python's ".0" on whole
  // numbers. Inside Python's fixed range JS's own text is the answer, or it with ".0": no regular
  // expression per value, which was most of a 32-watcher pybela= stream's CPU.
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const text = String(x);
    return text.includes('.') ? text : `${text}.0`;
  }
  const sign = x < 0 ? '-' : '';
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential());
  if (!m) throw new Error(`pythonFloat: cannot format ${x}`);
  const digits = m[1] + (m[2] ?? '');
  const exp = Number(m[3]);
  const point = exp + 1; // digits before the decimal point
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp);
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

const isFloatType = (type: WatcherType): boolean => type === 'f' || type === 'd';

/** One buffer as the line pybela writes for it (with its newline). */
export function pybelaLine(buffer: PybelaBuffer): string {
  const n = buffer.values.length;
  const format = isFloatType(buffer.type) ? pythonFloat : (v: number) => String(v);
  const data = new Array<string>(n);
  for (let k = 0; k < n; k++) data[k] = format(buffer.values[k]);
  let line = `{"ref_timestamp": ${buffer.ref}, "data": [${data.join(', ')}]`;
  if (buffer.mode === 'sparse') {
    const rel = new Array<string>(n);
    for (let k = 0; k < n; k++) rel[k] = String(buffer.frames[k] - buffer.ref);
    line += `, "rel_timestamps": [${rel.join(', ')}]`;
  }
  return `${line}}\n`;
}

/** pybela's os.path.splitext: the extension is from the last dot not leading the name. */
function splitext(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || /^\.+$/.test(name.slice(0, dot + 1))) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/**
 * The saving_filename pybela's _generate_filename picks in `dir`: `filename` if no file there
 * matches `*{stem}*{ext}`, else `{stem}__{idx}{ext}` with idx the most files any one
 * `{var}_{stem}` has. Then, unlike pybela, moved on until none of `names`' files exists.
 */
export function pybelaFilename(dir: string, filename: string, names: readonly string[]): string {
  const [stem, ext] = splitext(filename);
  let existing: string[] = [];
  try {
    existing = fs.readdirSync(dir);
  } catch {
    // no folder yet: nothing to avoid
  }
  const matching = existing
    .filter((f) => {
      const at = f.indexOf(stem);
      return at >= 0 && f.length - ext.length >= at + stem.length && f.endsWith(ext);
    })
    .map((f) => splitext(f)[0].split('__')[0]);
  const taken = new Set(existing);
  const free = (name: string) => names.every((v) => !taken.has(`${v}_${name}`));
  if (!matching.length && free(filename)) return filename;
  const counts = new Map<string, number>();
  for (const m of matching) counts.set(m, (counts.get(m) ?? 0) + 1);
  let idx = Math.max(0, ...counts.values());
  while (!free(`${stem}__${idx}${ext}`)) idx++;
  return `${stem}__${idx}${ext}`;
}

/** A variable's name as a file name inside the folder: kept when it is one, else made one. */
function safeName(name: string): string {
  const ok = name && !/[/\\\0]/.test(name) && name !== '.' && name !== '..';
  return ok ? name : name.replace(/[/\\\0]/g, '_').replace(/^\.+$/, '_') || '_';
}

export class PybelaFileWriter {
  /** saving_dir, absolute. */
  readonly dir: string;
  /** The saving_filename used (pybela's, or with __idx). */
  readonly filename: string;
  /** Each variable's file, in channel order (made on its first buffer, as pybela's are). */
  readonly files: string[];
  private readonly watchers: PybelaWatcher[];
  private readonly fds: (number | undefined)[];
  private readonly pending: string[][];
  private readonly counts: number[];
  private closed = false;

  constructor(options: PybelaFileWriterOptions) {
    this.dir = path.resolve(options.dir);
    const filename = options.filename ?? PYBELA_FILENAME;
    if (!filename || path.basename(filename) !== filename || filename === '.' || filename === '..')
      throw new Error(`pybela files: the file name ${JSON.stringify(filename)} is not a plain file name`);
    fs.mkdirSync(this.dir, { recursive: true });
    this.watchers = options.watchers.map((w) => ({ ...w }));
    const names = this.watchers.map((w) => safeName(w.name));
    this.filename = pybelaFilename(this.dir, filename, names);
    this.files = names.map((n) => path.join(this.dir, `${n}_${this.filename}`));
    for (const f of this.files) if (path.dirname(f) !== this.dir) throw new Error(`pybela files: ${f} would be outside ${this.dir}`);
    this.fds = this.files.map(() => undefined);
    this.pending = this.files.map(() => []);
    this.counts = this.files.map(() => 0);
  }

  /** Buffers written (or waiting for flush) per variable. */
  get buffers(): readonly number[] {
    return this.counts;
  }

  /** Keeps one buffer of variable `index` for the next flush(). */
  write(index: number, buffer: PybelaBuffer): void {
    if (this.closed) throw new Error('pybela files: write after close');
    const w = this.watchers[index];
    if (!w) throw new Error(`pybela files: no variable ${index}`);
    if ((w.type && w.type !== buffer.type) || (w.mode && w.mode !== buffer.mode))
      throw new Error(`pybela files: a ${buffer.mode} ${buffer.type} buffer for ${w.name}, listed as ${w.mode} ${w.type}`);
    if (buffer.frames.length !== buffer.values.length)
      throw new Error(`pybela files: ${buffer.frames.length} frames for ${buffer.values.length} values`);
    this.pending[index].push(pybelaLine(buffer));
    this.counts[index]++;
  }

  /** Appends every kept line to its file, whole lines only. */
  flush(): void {
    for (let i = 0; i < this.files.length; i++) {
      const lines = this.pending[i];
      if (!lines.length) continue;
      this.pending[i] = [];
      const fd = (this.fds[i] ??= fs.openSync(this.files[i], 'wx'));
      const bytes = Buffer.from(lines.join(''), 'utf8');
      for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    }
  }

  /** Flushes and closes the files; again is nothing. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      for (const fd of this.fds) if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** The files written so far (a variable with no buffer has none, as with pybela). */
  written(): string[] {
    return this.files.filter((_, i) => this.fds[i] !== undefined);
  }
}
