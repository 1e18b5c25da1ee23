// (d) What a recording costs the extension host's main thread. The extension's DeviceManager
// connects a simulated 64-channel × 25 kHz RDA amplifier (real time, in its own process) and
// records it to NPY, as "Start Recording" does; acquisition and writing run in the session's
// worker. Baseline, same run: the least a main-thread design would do, a plain socket piped to
// a file on the main thread. Reported: main-thread event-loop utilisation (ELU) and delay.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DeviceManager } from '../src/core/device-manager';
import type { Row } from './report';
import { pipeToFile, startRdaSimulator } from './processes';
import '../src/devices/index'; // registers the families with the core, as the program's entry points do

const CHANNELS = 64;
const RATE = 25_000;
const SECONDS = Number(process.env.HOST_LOAD_SECONDS ?? 8);

interface Load {
  elu: number;
  delayP99Ms: number;
  delayMaxMs: number;
  mb: number;
}

/** Runs `during` for SECONDS while measuring the main thread. */
async function measure(during: () => Promise<number>): Promise<Load> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const start = performance.eventLoopUtilization();
  delay.enable();
  const mb = await during();
  delay.disable();
  const elu = performance.eventLoopUtilization(start).utilization;
  return { elu, delayP99Ms: delay.percentile(99) / 1e6, delayMaxMs: delay.max / 1e6, mb };
}

async function viaManager(port: number, file: string): Promise<number> {
  const manager = new DeviceManager({ bufferSize: 1 << 20 });
  await manager.update([{ name: 'amp', uri: `rda://127.0.0.1:${port}`, origin: 'user' }], true);
  const device = manager.devices[0];
  const session = await manager.connect(device);
  await manager.startRecording(device, session, file, { format: 'npy' });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const summary = await manager.stopRecording(session);
  await manager.dispose();
  return summary.bytes / 1e6;
}

async function mainThreadPipe(port: number, file: string): Promise<number> {
  return (await pipeToFile(port, file, SECONDS)).bytes / 1e6;
}

export async function benchHostLoad(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-host-'));
  const sim = await startRdaSimulator(['--channels', String(CHANNELS), '--rate', String(RATE)]);
  try {
    const ours = await measure(() => viaManager(sim.port, path.join(dir, 'ours.npy')));
    const pipe = await measure(() => mainThreadPipe(sim.port, path.join(dir, 'pipe.bin')));
    const note = (l: Load) => `${l.mb.toFixed(0)} MB, loop delay p99 ${l.delayP99Ms.toFixed(2)} ms, max ${l.delayMaxMs.toFixed(1)} ms`;
    return [
      {
        name: `main-thread busy while recording ${CHANNELS} ch × ${RATE / 1000} kHz (worker does the work)`,
        ours: ours.elu * 100,
        baseline: pipe.elu * 100,
        baselineName: 'main-thread socket→file pipe',
        unit: '% ELU',
        note: `ours: ${note(ours)}; pipe: ${note(pipe)}; lower is better`,
      },
    ];
  } finally {
    sim.child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
