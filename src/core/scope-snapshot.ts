// "Export the visible range" of a live scope: frames [start, end) of a session as an export
// source, so the recordings' own export (src/core/export) writes them, with its temporary files,
// formats, units in CSV headers and sidecar. Rows come from the session's ring; the session's
// markers, gaps and anchors inside the range become the source's, counted from its first row.
import type { ExportReader, ExportSource } from './export/types';
import type { Sidecar } from './writers/sidecar';
import type { Anchor, ChannelInfo, Gap, Marker } from './types';

export interface SnapshotSession {
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

/** Frames [start, end) of `session` as rows 0…end-start of an export source. */
export function liveExportSource(session: SnapshotSession, start: number, end: number, deviceName?: string): ExportSource {
  const inside = (frame: number) => frame >= start && frame < end;
  const stride = session.channels.length;
  // The anchor nearest the start dates row 0 (frames are evenly spaced at the nominal rate between anchors).
  const anchor = session.anchors.reduce<Anchor | undefined>(
    (best, a) => (!best || Math.abs(a.frame - start) < Math.abs(best.frame - start) ? a : best),
    undefined,
  );
  const startTime = new Date(anchor ? anchor.wallMs + ((start - anchor.frame) / session.rate) * 1000 : Date.now()).toISOString();
  const sidecar: Sidecar = {
    labscope: 'recording',
    version: 1,
    file: '',
    format: 'npy',
    device: { ...(deviceName ? { name: deviceName } : {}), uri: session.uri, family: session.family },
    channels: session.channels.map((c) => ({ name: c.name, unit: c.unit })),
    rate: session.rate,
    sampleType: session.sampleType,
    startTime,
    startFrame: start,
    frames: end - start,
    anchors: session.anchors
      .filter((a) => inside(a.frame))
      .map((a) => ({ frame: a.frame, time: new Date(a.wallMs).toISOString(), hostNs: a.hostNs.toString() })),
    markers: [],
    gaps: session.gaps
      .filter((g) => inside(g.fromFrame))
      .map((g) => ({ row: g.fromFrame - start, fromFrame: g.fromFrame, frames: g.frames, cause: g.cause })),
    summary: {},
  };
  const reader: ExportReader = {
    path: `${deviceName ?? session.uri} (live)`,
    sampleType: session.sampleType,
    frames: end - start,
    sidecar,
    read(from, to, channels = session.channels.map((_, i) => i)) {
      const data = session.getData(start + from, start + to);
      if (!data)
        return Promise.reject(
          new Error(`frames ${start + from}–${start + to} are no longer in the session's buffer; export a more recent range`),
        );
      const out =
        data instanceof Float64Array ? new Float64Array((to - from) * channels.length) : new Float32Array((to - from) * channels.length);
      for (let f = 0; f < to - from; f++)
        for (let i = 0; i < channels.length; i++) out[f * channels.length + i] = data[f * stride + channels[i]!];
      return Promise.resolve(out);
    },
  };
  return {
    reader,
    channels: session.channels,
    markers: session.markers
      .filter((m) => inside(m.frame))
      .map((m, i) => ({
        id: `live-${i}`,
        row: m.frame - start,
        duration: 0,
        channel: m.channel < 0 ? null : (session.channels[m.channel]?.name ?? null),
        type: m.type,
        text: m.text,
      })),
    rate: session.rate,
    startTime,
  };
}
