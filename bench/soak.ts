// One process of `npm run soak` (scripts/soak.mjs starts these): sessions on simulators, each
// recording into an NPY for a fixed duration, with this process's memory and its main thread's
// event-loop delay sampled all along. Prints JSON lines on stdout: one `sample` per interval, then
// one `result` with every session's frames expected and written, gaps and lost frames. Leaves by
// itself once every session is closed (no process.exit): the exit path is part of what is soaked.
//
//   node --import tsx bench/soak.ts --out DIR --seconds S [--every S] [--manager] NAME=URI ...
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DeviceManager } from '../src/core/device-manager';
import { Session } from '../src/core/session';
import { readNpyHeader } from '../src/core/writers/npy';
import '../src/devices/index';

interface SessionResult {
  name: string;
  uri: string;
  rate: number;
  channels: number;
  expected: number;
  written: number;
  /** Rows numpy would see: the NPY's header after close. */
  inFile: number;
  gaps: number;
  lostFrames: number;
  reason: string;
  endedShort?: string;
  error?: string;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    seconds: { type: 'string' },
    every: { type: 'string', default: '10' },
    manager: { type: 'boolean', default: false },
  },
});
if (!values.out || !values.seconds || positionals.length === 0) {
  throw new Error('usage: soak.ts --out DIR --seconds S [--every S] [--manager] NAME=URI ...');
}
const outDir = values.out;
const seconds = Number(values.seconds);
const everyMs = Number(values.every) * 1000;
if (!(seconds > 0)) throw new Error(`--seconds must be > 0, got ${values.seconds}`);
if (!(everyMs > 0)) throw new Error(`--every must be > 0, got ${values.every}`);
const targets = positionals.map((p) => {
  const at = p.indexOf('=');
  if (at < 1) throw new Error(`expected NAME=URI, got ${p}`);
  return { name: p.slice(0, at), uri: p.slice(at + 1) };
});

const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const loop = monitorEventLoopDelay({ resolution: 2 });
  loop.enable();
  const sample = (final = false) => {
    const m = process.memoryUsage();
    emit({
      kind: 'sample',
      // The last one is taken after every session closed (rings freed): not part of the flat line.
      ...(final ? { final: true } : {}),
      t: Math.round((Date.now() - started) / 1000),
      rssMB: +(m.rss / 2 ** 20).toFixed(1),
      heapMB: +(m.heapUsed / 2 ** 20).toFixed(1),
      externalMB: +(m.external / 2 ** 20).toFixed(1),
      loopP99Ms: +(loop.percentile(99) / 1e6).toFixed(1),
      loopMaxMs: +(loop.max / 1e6).toFixed(1),
    });
    loop.reset();
  };
  const sampler = setInterval(() => sample(), everyMs);

  // Directly, or through the DeviceManager as the extension's tree and commands use it.
  const manager = values.manager ? new DeviceManager() : undefined;
  if (manager)
    await manager.update(
      targets.map((t) => ({ ...t, origin: 'simulator' as const })),
      true,
    );
  // All at once, as eight recordings started together in the issue.
  const sessions = await Promise.all(
    targets.map(async (target) => {
      const file = path.join(outDir, `${target.name}.npy`);
      const device = manager?.find(target.name);
      const session = manager && device ? await manager.connect(device) : new Session(target.uri);
      if (!manager) await session.connect();
      const ended = session.recordingEnded();
      const options = { format: 'npy' as const, durationS: seconds, fromFrame: 0 };
      if (manager && device) await manager.startRecording(device, session, file, options);
      else await session.startRecording(file, options);
      return { ...target, session, ended };
    }),
  );

  const results: SessionResult[] = [];
  for (const s of sessions) {
    const base = { name: s.name, uri: s.uri, rate: s.session.rate, channels: s.session.channels.length };
    const expected = Math.round(seconds * s.session.rate);
    try {
      const summary = await s.ended;
      const fd = fs.openSync(summary.path, 'r');
      const inFile = readNpyHeader(fd).shape[0];
      fs.closeSync(fd);
      results.push({
        ...base,
        expected,
        written: summary.frames,
        inFile,
        gaps: summary.gaps,
        lostFrames: summary.lostFrames,
        reason: summary.reason,
        ...(summary.endedShort ? { endedShort: summary.endedShort } : {}),
      });
    } catch (error) {
      results.push({ ...base, expected, written: 0, inFile: 0, gaps: 0, lostFrames: 0, reason: 'failed', error: (error as Error).message });
    }
  }
  if (manager) await manager.dispose();
  else await Promise.all(sessions.map((s) => s.session.close()));
  sample(true);
  clearInterval(sampler);
  loop.disable();
  emit({ kind: 'result', sessions: results });
  const complete = results.every((r) => !r.error && r.written === r.expected && r.inFile === r.written && r.lostFrames === 0);
  process.exitCode = complete ? 0 : 1;
}

main().catch((error: Error) => {
  emit({ kind: 'error', message: error.stack ?? error.message });
  process.exitCode = 2;
});
