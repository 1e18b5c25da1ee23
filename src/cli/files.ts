// `labscope info` and `labscope recover`: look at and repair recordings on disk.
import * as fs from 'node:fs';
import { describeRecording } from '../core/writers/read';
import { recoverNpy } from '../core/writers/recover';
import { args, UsageError } from './args';

function onePath(argv: string[], command: string): string {
  const { positionals } = args(argv, {});
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one file`);
  if (!fs.existsSync(positionals[0])) throw new UsageError(`${positionals[0]}: no such file`);
  return positionals[0];
}

export async function info(argv: string[]): Promise<number> {
  const file = onePath(argv, 'info');
  const described = describeRecording(file);
  const sidecar = described.sidecar;
  const channels = sidecar?.channels.map((c) => (c.unit ? `${c.name} [${c.unit}]` : c.name)) ?? described.channels ?? [];
  console.log(
    `${file}: ${described.format.toUpperCase()}, shape ${described.shape.join(' × ')}${described.dtype ? `, ${described.dtype}` : ''}`,
  );
  const rate = described.rate;
  if (rate) console.log(`  rate: ${rate} Hz (${(described.shape[0] / rate).toFixed(3)} s)`);
  if (channels.length) console.log(`  channels (${channels.length}): ${channels.join(', ')}`);
  if (sidecar) {
    console.log(`  device: ${sidecar.device.uri}; started ${sidecar.startTime}`);
    console.log(
      `  markers: ${sidecar.markers.length}${sidecar.markers
        .slice(0, 5)
        .map((m) => `\n    row ${m.row}: ${m.type} ${m.text}`)
        .join('')}${sidecar.markers.length > 5 ? '\n    …' : ''}`,
    );
    const lost = sidecar.gaps.reduce((sum, g) => sum + g.frames, 0);
    console.log(
      `  gaps: ${sidecar.gaps.length} (${lost} frames lost)${sidecar.gaps
        .slice(0, 5)
        .map((g) => `\n    at row ${g.row}: ${g.frames} frames`)
        .join('')}`,
    );
    if (sidecar.frames !== described.shape[0])
      console.log(
        `  note: the sidecar counts ${sidecar.frames} frames, the file holds ${described.shape[0]} (the recording did not close cleanly)`,
      );
  } else {
    console.log('  no sidecar (.labscope.json) beside it');
  }
  for (const problem of described.problems) console.log(`  problem: ${problem}`);
  return 0;
}

export async function recover(argv: string[]): Promise<number> {
  const file = onePath(argv, 'recover');
  if (!file.toLowerCase().endsWith('.npy')) throw new UsageError(`recover repairs .npy files; ${file} is not one`);
  const result = recoverNpy(file);
  if (result.droppedBytes === 0 && result.headerFrames === result.frames) {
    console.log(`${file}: intact, ${result.frames} frames × ${result.channels} channels`);
  } else {
    console.log(
      `${file}: repaired: ${result.frames} frames × ${result.channels} channels (header said ${result.headerFrames}; dropped ${result.droppedBytes} bytes of a cut-off frame)`,
    );
  }
  return 0;
}
