// (c) Loopback ingest: the RDA simulator in another process sends 64-channel float32 as fast as
// it can; a session records it to NPY. Baseline: a plain Node TCP-to-file pipe from the same
// simulator in the same run. Reports MB/s of samples on disk and frames lost.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Session } from '../src/core/session';
import type { Row } from './report';
import { pipeToFile, startRdaSimulator } from './processes';
import '../src/devices/index'; // registers the families with the core, as the program's entry points do

const CHANNELS = 64;
const SECONDS = Number(process.env.INGEST_SECONDS ?? 6);

async function rawPipe(port: number, file: string): Promise<number> {
  const { bytes, seconds } = await pipeToFile(port, file, SECONDS);
  return bytes / seconds / 1e6;
}

async function session(port: number, file: string): Promise<{ mbps: number; lost: number; frames: number }> {
  const s = new Session(`rda://127.0.0.1:${port}`, { bufferSize: 1 << 20 });
  await s.connect();
  await s.startRecording(file);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const summary = await s.stopRecording();
  await s.close();
  return {
    mbps: (summary.frames * CHANNELS * 4) / summary.elapsedS / 1e6,
    lost: summary.lostFrames + s.stats().lostFrames,
    frames: summary.frames,
  };
}

/** Dirty pages from one run would throttle the next one's writes: start each from a clean cache. */
function settle(): void {
  execFileSync('sync');
}

/**
 * On the disk the figure is the disk's (a VM's virtual disk swings with writeback); on tmpfs
 * (/dev/shm) it is our pipeline's. Both run, each against its own pipe baseline.
 */
export async function benchIngest(): Promise<Row[]> {
  const targets = [
    ['disk', os.tmpdir()],
    ['tmpfs', '/dev/shm'],
  ].filter(([, dir]) => fs.existsSync(dir));
  const { child, port } = await startRdaSimulator([
    '--channels',
    String(CHANNELS),
    '--rate',
    '1000000',
    '--speed',
    'max',
    '--block-frames',
    '1024',
  ]);
  const rows: Row[] = [];
  try {
    for (const [where, parent] of targets) {
      const dir = fs.mkdtempSync(path.join(parent, 'labscope-ingest-'));
      try {
        settle();
        const pipe = await rawPipe(port, path.join(dir, 'pipe.bin'));
        fs.rmSync(path.join(dir, 'pipe.bin'));
        settle();
        const ours = await session(port, path.join(dir, 'ingest.npy'));
        rows.push({
          name: `loopback RDA 64 ch float32 → session → NPY on ${where} (${SECONDS} s, ${ours.frames} frames, ${ours.lost} lost)`,
          ours: ours.mbps,
          baseline: pipe,
          baselineName: `Node TCP→file pipe on ${where}`,
          unit: 'MB/s',
          target: 0.6,
          note: `lossless at ≥ 670 MB/s: ${ours.lost === 0 && ours.mbps >= 670 ? 'met' : 'not met'}`,
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return rows;
  } finally {
    child.kill('SIGTERM');
  }
}
