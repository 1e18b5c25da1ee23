// `labscope record <uri> --out FILE`: one session, one recording, a live progress line.
import * as path from 'node:path';
import { Session } from '../core/session';
import { formatFromPath } from '../core/writers/index';
import * as human from '../core/human';
import type { AcquisitionStats, RecordingStatus, RecordingSummary } from '../core/worker-protocol';
import { args, positiveNumber, UsageError } from './args';
import { parseDeviceUri } from '../core/uri';
import { fastFileUri } from '../devices/audio/audio-uri';
import { probeAudioFile } from '../devices/audio/file';

/** Session's default ring, in frames. */
const DEFAULT_RING_FRAMES = 300_000;
/** A --fast ring holds a whole file up to this many samples (1 GiB of float32). */
const MAX_FAST_RING_SAMPLES = 1 << 28;

export const recordUsage = () => `usage: labscope record <uri> --out FILE.(npy|csv|mat) [options]

  Records one device into a file, with its .labscope.json sidecar beside it, until --duration,
  the end of the stream, or Ctrl+C / SIGTERM.

options:
  -o, --out FILE       the recording: .npy, .csv or .mat (the extension decides)
  -d, --duration S     stop after S seconds of frames (exactly rate × S frames)
      --buffer FRAMES  the session's ring, in frames (default ${DEFAULT_RING_FRAMES})
      --timeout S      how long to wait for the first data (default 10)
      --json           print the summary as JSON on stdout
      --fast           audio files: as fast as they can be read, not in real time

examples:
  labscope record "sim:rda?channels=8&rate=1000" --out eeg.npy --duration 10
  labscope record "bela://bela.local?vars=pot1,pot2&rate=22050" --out pots.csv`;

export async function record(argv: string[]): Promise<number> {
  const { values, positionals } = args(
    argv,
    {
      out: { type: 'string', short: 'o' },
      duration: { type: 'string', short: 'd' },
      buffer: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      fast: { type: 'boolean' },
    },
    { name: 'record', usage: recordUsage },
  );
  if (positionals.length !== 1)
    throw new UsageError('record needs exactly one device URI, e.g. labscope record rda://127.0.0.1:51244 --out eeg.npy');
  if (!values.out) throw new UsageError('record needs --out FILE.npy|.csv|.mat');
  const format = (() => {
    try {
      return formatFromPath(values.out);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const durationS = positiveNumber(values.duration, '--duration');
  let bufferSize = positiveNumber(values.buffer, '--buffer');
  const timeoutS = positiveNumber(values.timeout, '--timeout') ?? 10;
  let uri = positionals[0];
  if (values.fast) ({ uri, bufferSize } = fast(uri, bufferSize));

  let session: Session;
  try {
    session = new Session(uri, { bufferSize: bufferSize === undefined ? undefined : Math.round(bufferSize) });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const progress = new ProgressLine(process.stderr);
  session.on('log', (level: string, text: string) => {
    // Errors end the run and are printed once, as its last line.
    if (level === 'warn') progress.note(`warning: ${text}`);
  });
  // SIGTERM (a service manager, `kill`) stops the recording as Ctrl+C does: files are closed and
  // each family's way out runs (a Moku is given back, its mokucli ended).
  const interrupted = new Promise<'interrupt'>((resolve) => {
    process.once('SIGINT', () => resolve('interrupt'));
    process.once('SIGTERM', () => resolve('interrupt'));
  });
  try {
    await session.connect(timeoutS * 1000);
    const ended = session.recordingEnded();
    await session.startRecording(values.out, { format, durationS, fromFrame: 0 });
    progress.note(
      `recording ${human.plural(session.channels.length, 'channel')} at ${session.rate} Hz from ${session.uri} to ${values.out}${durationS ? ` for ${durationS} s` : ' (Ctrl+C stops)'}`,
    );
    session.on('stats', (stats: AcquisitionStats, status?: RecordingStatus) => {
      if (status) progress.update(status, session.rate, human.pollSummary(stats.source), human.silence(stats));
    });
    const first = await Promise.race([ended, interrupted]);
    const summary = first === 'interrupt' ? await session.stopRecording() : first;
    progress.done();
    print(summary, session, values.json === true);
    const failed = session.state === 'error';
    await session.close();
    if (failed) {
      console.error(`labscope: ${session.error}`);
      return 1;
    }
    return 0;
  } catch (error) {
    progress.done();
    await session.close();
    throw error;
  }
}

/**
 * `--fast`: the file plays as fast as it is read. The recording starts (from frame 0) only once
 * the session has connected, and by then a fast file may be far ahead: a ring that holds the whole
 * file means nothing is overwritten before the recording has it.
 */
function fast(text: string, bufferSize: number | undefined): { uri: string; bufferSize: number | undefined } {
  let file: ReturnType<typeof fastFileUri>;
  try {
    file = fastFileUri(parseDeviceUri(text));
  } catch (error) {
    throw new UsageError(`--fast: ${(error as Error).message}`);
  }
  if (bufferSize !== undefined) return { uri: file.uri, bufferSize };
  try {
    const { frames, format } = probeAudioFile(path.resolve(file.path), file.declared);
    return {
      uri: file.uri,
      bufferSize: Math.max(DEFAULT_RING_FRAMES, Math.min(frames + 1, Math.floor(MAX_FAST_RING_SAMPLES / format.channels))),
    };
  } catch {
    // An unreadable file is the session's to report, in the words it uses for every source.
    return { uri: file.uri, bufferSize };
  }
}

function print(summary: RecordingSummary, session: Session, json: boolean): void {
  const markers = session.markers.filter(
    (m) => m.frame >= summary.startFrame && m.frame < summary.startFrame + summary.frames + summary.lostFrames,
  ).length;
  if (json) {
    console.log(JSON.stringify({ ...summary, channels: session.channels.length, rate: session.rate, markers }));
    return;
  }
  const seconds = session.rate > 0 ? summary.frames / session.rate : 0;
  console.log(
    `recorded ${human.plural(summary.frames, 'frame')} × ${human.plural(session.channels.length, 'channel')} (${seconds.toFixed(2)} s at ${session.rate} Hz) to ${shown(summary.path)}`,
  );
  console.log(
    `  ${human.bytes(summary.bytes)} in ${summary.elapsedS.toFixed(1)} s; gaps: ${summary.gaps} (${human.plural(summary.lostFrames, 'frame')} lost); markers: ${markers}; ${summary.reason}`,
  );
  if (summary.endedShort) console.log(`  ended short: ${summary.endedShort}`);
  console.log(`  sidecar: ${shown(summary.sidecar)}`);
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** One line rewritten in place on a terminal; a line every few seconds when piped. */
class ProgressLine {
  private lastPlain = 0;
  private shown = false;
  constructor(private readonly out: NodeJS.WriteStream) {}

  update(status: RecordingStatus, rate: number, poll?: string, silence?: string): void {
    const line = `${status.elapsedS.toFixed(1).padStart(7)} s  ${human.plural(status.frames, 'frame')}  ${(status.frames / Math.max(status.elapsedS, 1e-3)).toFixed(0)} frames/s (nominal ${rate})  ${human.bytes(status.bytes)}  ${human.plural(status.gaps, 'gap')}${poll ? `  ${poll}` : ''}${silence ? `  ${silence}` : ''}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      this.shown = true;
    } else if (Date.now() - this.lastPlain >= 5000) {
      this.lastPlain = Date.now();
      this.out.write(`${line}\n`);
    }
  }

  note(text: string): void {
    this.done();
    this.out.write(`${text}\n`);
  }

  done(): void {
    if (this.shown) this.out.write('\n');
    this.shown = false;
  }
}
