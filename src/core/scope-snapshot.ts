// "Export the visible range" of a live scope: frames [start, end) of some channels, straight from
// the session's ring, through the recording writers (so a CSV header has its units, an NPY is what
// numpy loads) and with a sidecar like a recording's, so the file opens in the recording editor
// with its names, rate, start time, markers and gaps. Read and written a page at a time.
import * as fs from 'node:fs';
import { openWriter } from './writers';
import { sidecarPathFor, writeSidecar, type Sidecar } from './writers/sidecar';
import type { Anchor, ChannelInfo, Gap, Marker } from './types';

export interface SnapshotSource {
  readonly uri: string;
  readonly family: string;
  readonly channels: readonly ChannelInfo[];
  readonly rate: number;
  readonly sampleType: 'float32' | 'float64';
  readonly markers: readonly Marker[];
  readonly gaps: readonly Gap[];
  readonly anchors: readonly Anchor[];
  getData(start: number, end: number): Float32Array | Float64Array | null;
}

export interface SnapshotRequest {
  format: 'csv' | 'npy';
  start: number;
  end: number;
  channels: readonly number[];
  out: string;
  /** The device's display name, for the sidecar. */
  deviceName?: string;
}

const PAGE = 65_536;

/**
 * Writes the snapshot and its sidecar; returns both paths. Throws, naming the frames, when the ring
 * no longer holds part of the range (the page was showing columns kept from before): nothing is
 * left behind under the output's name.
 */
export function writeSnapshot(source: SnapshotSource, req: SnapshotRequest): [string, string] {
  const { start, end, channels } = req;
  const names = channels.map((c) => source.channels[c]!.name);
  const units = channels.map((c) => source.channels[c]!.unit);
  const stride = source.channels.length;
  const part = `${req.out}.part`;
  const writer = openWriter(part, req.format, { channels: names, units, rate: source.rate, sampleType: source.sampleType });
  try {
    for (let from = start; from < end; from += PAGE) {
      const to = Math.min(end, from + PAGE);
      const data = source.getData(from, to);
      if (!data) throw new Error(`frames ${from}–${to} are no longer in the session's buffer; export a more recent range`);
      const out =
        data instanceof Float64Array ? new Float64Array((to - from) * channels.length) : new Float32Array((to - from) * channels.length);
      for (let f = 0; f < to - from; f++)
        for (let i = 0; i < channels.length; i++) out[f * channels.length + i] = data[f * stride + channels[i]!];
      writer.append(out, from - start);
    }
    writer.close();
    fs.renameSync(part, req.out);
  } catch (error) {
    writer.close();
    fs.rmSync(part, { force: true });
    throw error;
  }
  const sidecar = sidecarPathFor(req.out);
  writeSidecar(sidecar, snapshotSidecar(source, req));
  return [req.out, sidecar];
}

/** The sidecar of a snapshot: frames rebased onto its rows, the start time from the nearest anchor. */
export function snapshotSidecar(source: SnapshotSource, req: SnapshotRequest): Sidecar {
  const { start, end } = req;
  const inside = (frame: number) => frame >= start && frame < end;
  // The anchor nearest the start dates row 0 (frames are evenly spaced at the nominal rate between anchors).
  const anchor = source.anchors.reduce<Anchor | undefined>(
    (best, a) => (!best || Math.abs(a.frame - start) < Math.abs(best.frame - start) ? a : best),
    undefined,
  );
  const startMs = anchor ? anchor.wallMs + ((start - anchor.frame) / source.rate) * 1000 : Date.now();
  const names = req.channels.map((c) => source.channels[c]!.name);
  return {
    labscope: 'recording',
    version: 1,
    file: req.out.split(/[\\/]/).pop()!,
    format: req.format,
    device: { ...(req.deviceName ? { name: req.deviceName } : {}), uri: source.uri, family: source.family },
    channels: req.channels.map((c) => ({ name: source.channels[c]!.name, unit: source.channels[c]!.unit })),
    rate: source.rate,
    sampleType: source.sampleType,
    startTime: new Date(startMs).toISOString(),
    startFrame: start,
    frames: end - start,
    anchors: source.anchors
      .filter((a) => inside(a.frame))
      .map((a) => ({ frame: a.frame, time: new Date(a.wallMs).toISOString(), hostNs: a.hostNs.toString() })),
    markers: source.markers
      .filter((m) => inside(m.frame))
      .map((m) => ({
        frame: m.frame,
        row: m.frame - start,
        type: m.type,
        text: m.text,
        channel: m.channel < 0 ? null : (source.channels[m.channel]?.name ?? null),
      })),
    gaps: source.gaps
      .filter((g) => inside(g.fromFrame))
      .map((g) => ({ row: g.fromFrame - start, fromFrame: g.fromFrame, frames: g.frames, cause: g.cause })),
    summary: { frames: end - start, channels: names.length, origin: 'scope: the visible range' },
  };
}
