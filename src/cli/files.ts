// `labscope info` and `labscope recover`: look at and repair recordings on disk.
import * as fs from 'node:fs';
import { writeMatFromNpy } from '../core/writers/mat';
import { describeRecording } from '../core/writers/read';
import { recoverNpy, type NpyRecovery } from '../core/writers/recover';
import { readSidecar, sidecarPathFor } from '../core/writers/sidecar';
import { args, UsageError } from './args';

export const infoUsage = () => `usage: labscope info FILE

  Shape, channels (with units), rate, device, markers and gaps of a recording (NPY, CSV or MAT),
  from the file and its .labscope.json sidecar.`;

export const recoverUsage = () => `usage: labscope recover FILE.npy | FILE.mat.part

  FILE.npy: repairs an NPY whose last write was cut off (the header is made to match the whole
  frames on disk). FILE.mat.part: rebuilds the .mat of a MAT recording that never closed.`;

function onePath(argv: string[], command: string): string {
  const { positionals } = args(argv, {}, { name: command, usage: command === 'info' ? infoUsage : recoverUsage });
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
  const lower = file.toLowerCase();
  if (lower.endsWith('.mat.part')) return recoverMatPart(file);
  if (!lower.endsWith('.npy')) throw new UsageError(`recover repairs .npy files and a MAT recording's .mat.part; ${file} is neither`);
  console.log(`${file}: ${repairedText(recoverNpy(file))}`);
  return 0;
}

function repairedText(result: NpyRecovery): string {
  if (result.droppedBytes === 0 && result.headerFrames === result.frames)
    return `intact, ${result.frames} frames × ${result.channels} channels`;
  return `repaired: ${result.frames} frames × ${result.channels} channels (header said ${result.headerFrames}; dropped ${result.droppedBytes} bytes of a cut-off frame)`;
}

/**
 * A MAT recording whose process died before it closed is still its `.mat.part`, an NPY of every
 * frame flushed so far: repaired like any NPY, then written as the .mat the recording would have
 * closed into, with the channel names and rate of its sidecar. The .part goes once the .mat is
 * complete, as when the recording closes normally.
 */
function recoverMatPart(part: string): number {
  const mat = part.slice(0, -'.part'.length);
  if (fs.existsSync(mat)) throw new UsageError(`${mat} already exists; move it away to rebuild it from ${part}`);
  const sidecarPath = sidecarPathFor(mat);
  let sidecar;
  try {
    sidecar = readSidecar(sidecarPath);
  } catch (error) {
    throw new Error(`cannot rebuild ${mat}: its sidecar gives the channel names and rate, and ${(error as Error).message}`);
  }
  const result = recoverNpy(part);
  if (result.channels !== sidecar.channels.length) {
    throw new Error(`cannot rebuild ${mat}: ${part} has ${result.channels} channels, its sidecar names ${sidecar.channels.length}`);
  }
  writeMatFromNpy(
    part,
    mat,
    sidecar.channels.map((c) => c.name),
    sidecar.rate,
  );
  fs.unlinkSync(part);
  console.log(`${part}: ${repairedText(result)}`);
  console.log(`wrote ${mat}: ${result.frames} frames × ${result.channels} channels at ${sidecar.rate} Hz`);
  return 0;
}
