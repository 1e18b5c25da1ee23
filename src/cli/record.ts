// `labscope record <uri> --out FILE`: one session, one recording, a live progress line.
import * as path from 'node:path';
import { Session } from '../core/session';
import { formatFromPath } from '../core/writers/index';
import * as human from '../core/human';
import type { RecordingStatus, RecordingSummary } from '../core/worker-protocol';
import { args, positiveNumber, UsageError } from './args';

export async function record(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv, {
    out: { type: 'string', short: 'o' },
    duration: { type: 'string', short: 'd' },
    buffer: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('record needs exactly one device URI, e.g. labscope record rda://127.0.0.1:51244 --out eeg.npy');
  if (!values.out) throw new UsageError('record needs --out FILE.npy|.csv|.mat');
  const format = (() => {
    try {
      return formatFromPath(values.out);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const durationS = positiveNumber(values.duration, '--duration');
  const bufferSize = positiveNumber(values.buffer, '--buffer');
  const timeoutS = positiveNumber(values.timeout, '--timeout') ?? 10;

  let session: Session;
  try {
    session = new Session(positionals[0], { bufferSize: bufferSize === undefined ? undefined : Math.round(bufferSize) });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const progress = new ProgressLine(process.stderr);
  session.on('log', (level: string, text: string) => {
    // Errors end the run and are printed once, as its last line.
    if (level === 'warn') progress.note(`warning: ${text}`);
  });
  const interrupted = new Promise<'interrupt'>((resolve) => process.once('SIGINT', () => resolve('interrupt')));
  try {
    await session.connect(timeoutS * 1000);
    const ended = session.recordingEnded();
    await session.startRecording(values.out, { format, durationS, fromFrame: 0 });
    progress.note(`recording ${session.channels.length} channels at ${session.rate} Hz from ${session.uri} to ${values.out}${durationS ? ` for ${durationS} s` : ' (Ctrl+C stops)'}`);
    session.on('stats', (_stats, status?: RecordingStatus) => {
      if (status) progress.update(status, session.rate);
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

function print(summary: RecordingSummary, session: Session, json: boolean): void {
  const markers = session.markers.filter((m) => m.frame >= summary.startFrame && m.frame < summary.startFrame + summary.frames + summary.lostFrames).length;
  if (json) {
    console.log(JSON.stringify({ ...summary, channels: session.channels.length, rate: session.rate, markers }));
    return;
  }
  const seconds = session.rate > 0 ? summary.frames / session.rate : 0;
  console.log(`recorded ${summary.frames} frames × ${session.channels.length} channels (${seconds.toFixed(2)} s at ${session.rate} Hz) to ${shown(summary.path)}`);
  console.log(`  ${human.bytes(summary.bytes)} in ${summary.elapsedS.toFixed(1)} s; gaps: ${summary.gaps} (${summary.lostFrames} frames lost); markers: ${markers}; ${summary.reason}`);
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

  update(status: RecordingStatus, rate: number): void {
    const line = `${status.elapsedS.toFixed(1).padStart(7)} s  ${status.frames} frames  ${(status.frames / Math.max(status.elapsedS, 1e-3)).toFixed(0)} frames/s (nominal ${rate})  ${human.bytes(status.bytes)}  ${status.gaps} gaps`;
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
