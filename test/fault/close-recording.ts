// A program for the fault tests: records from a URI into a file for a while, closes the session
// while the recording is still open, and prints (one JSON line) what the session said: its final
// state, the recording's summary or failure, the log, and how long close() took.
import { Session } from '../../src/core/session';
import type { RecordingSummary } from '../../src/core/worker-protocol';
import '../../src/devices/index';

async function main(): Promise<void> {
  const [uri, out, recordMs] = process.argv.slice(2);
  if (!uri || !out || !recordMs) throw new Error('usage: close-recording URI OUT RECORD_MS');
  const session = new Session(uri);
  const log: string[] = [];
  let summary: RecordingSummary | undefined;
  let failed: string | undefined;
  session.on('log', (level: string, text: string) => log.push(`${level}: ${text}`));
  session.on('recording-ended', (s: RecordingSummary) => (summary = s));
  session.on('recording-failed', (e: Error) => (failed = e.message));
  await session.connect();
  await session.startRecording(out);
  await new Promise((r) => setTimeout(r, Number(recordMs)));
  const started = Date.now();
  await session.close();
  const closeMs = Date.now() - started;
  console.log(JSON.stringify({ state: session.state, error: session.error, summary, failed, log, closeMs }));
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
