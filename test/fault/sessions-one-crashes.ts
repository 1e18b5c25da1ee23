// A program for the fault tests: three sessions record at once in this process; the one whose
// ring is VICTIM_BUFFER frames has its acquisition thread crash (throw-in-worker.cjs, preloaded).
// The others stop their recordings after RECORD_MS and close. Prints (one JSON line) each
// session's final state, error, recording summary or failure.
import * as path from 'node:path';
import { Session } from '../../src/core/session';
import type { RecordingSummary } from '../../src/core/worker-protocol';
import '../../src/devices/index';

/** One session's end, as this program prints it (worker-crash.test.ts reads it). */
export interface Outcome {
  file: string;
  victim: boolean;
  state?: string;
  error?: string;
  summary?: RecordingSummary;
  failed?: string;
  /** Frames the recording had reached (ring frames since its start frame) when the session went to error. */
  recordedAtError?: number;
  startFrame?: number;
}

async function main(): Promise<void> {
  const [dir, uri, recordMs] = process.argv.slice(2);
  const victimBuffer = Number(process.env.THROW_IN_WORKER_BUFFER);
  const outcomes: Outcome[] = [];
  const sessions = [0, 1, 2].map((i) => {
    const victim = i === 1;
    const session = new Session(uri, { bufferSize: victim ? victimBuffer : 100_000 + i });
    const outcome: Outcome = { file: path.join(dir, `s${i}.npy`), victim };
    session.on('recording-ended', (s: RecordingSummary) => (outcome.summary = s));
    session.on('recording-failed', (e: Error) => (outcome.failed = e.message));
    // What the thread had delivered when it crashed: the file must hold all of it but the last flush period.
    session.on('state', (state) => {
      if (state === 'error' && outcome.startFrame !== undefined) outcome.recordedAtError = session.lastSample - outcome.startFrame;
    });
    session.on('recording-started', (started) => (outcome.startFrame = started.startFrame));
    outcomes.push(outcome);
    return session;
  });
  await Promise.all(sessions.map((s) => s.connect()));
  await Promise.all(sessions.map((s, i) => s.startRecording(outcomes[i].file)));
  await new Promise((r) => setTimeout(r, Number(recordMs)));
  await Promise.all(
    sessions.map(async (s, i) => {
      if (s.state === 'active') await s.stopRecording();
      await s.close();
      outcomes[i].state = s.state;
      outcomes[i].error = s.error;
    }),
  );
  console.log(JSON.stringify(outcomes));
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
