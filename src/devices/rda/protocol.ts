// BrainVision Remote Data Access (RDA) wire format: constants and message encoders.
// Everything is little endian and packed; see the layout notes on each encoder.
import type { RdaMarker } from '../../core/native';

export type { RdaMarker };

/** Every RDA message starts with this GUID (Brain Products' RDA identifier). */
export const RDA_GUID: Readonly<Uint8Array> = Uint8Array.from([
  0x8e, 0x45, 0x58, 0x43, 0x96, 0xc9, 0x86, 0x4c, 0xaf, 0x4a, 0x98, 0xbb, 0xf6, 0xc9, 0x14, 0x50,
]);

/** GUID + uint32 nSize + uint32 nType. */
export const RDA_HEADER_SIZE = 24;
/** nBlock, nPoints, nMarkers after the header of a data message. */
export const RDA_DATA_PREFIX_SIZE = 12;
/** uint32 nSize, uint32 nPosition, uint32 nPoints, int32 nChannel before the marker strings. */
export const RDA_MARKER_FIXED_SIZE = 16;

export enum RdaMessageType {
  Start = 1,
  Int16Data = 2,
  Stop = 3,
  Float32Data = 4,
  KeepAlive = 10000,
}

/** Recorder's convention: one port per sample type. */
export const RDA_PORT_FLOAT32 = 51244;
export const RDA_PORT_INT16 = 51234;

export type RdaFormat = 'int16' | 'float32';

export function dataMessageType(format: RdaFormat): RdaMessageType {
  return format === 'int16' ? RdaMessageType.Int16Data : RdaMessageType.Float32Data;
}

// ---- cp1252 ---------------------------------------------------------------------------------
// The Recorder writes names in the Windows ANSI code page, which differs from Latin-1 only in
// 0x80–0x9F. The table is spelled out because Node's TextDecoder('windows-1252') decodes
// that range as Latin-1 control characters. Unassigned bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D)
// map to the same C1 code point, as in the WHATWG encoding standard.
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019,
  0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const cp1252High = new Map(CP1252_80_9F.map((cp, i) => [cp, 0x80 + i]));

/** Characters cp1252 cannot represent become '?'; NUL too, since it terminates RDA strings. */
export function encodeCp1252(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out[n++] = cp1252High.get(cp) ?? (cp > 0 && (cp < 0x80 || (cp > 0x9f && cp <= 0xff)) ? cp : 0x3f);
  }
  return out.subarray(0, n);
}

export function decodeCp1252(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80] : b);
  return text;
}

// ---- encoders -------------------------------------------------------------------------------

function header(buf: Buffer, type: number): void {
  buf.set(RDA_GUID, 0);
  buf.writeUInt32LE(buf.length, 16);
  buf.writeUInt32LE(type >>> 0, 20);
}

/** Any message type with an opaque body; lets tests and the simulator send types clients skip. */
export function encodeRaw(type: number, body: Uint8Array = new Uint8Array(0)): Buffer {
  const buf = Buffer.alloc(RDA_HEADER_SIZE + body.length);
  header(buf, type);
  buf.set(body, RDA_HEADER_SIZE);
  return buf;
}

export function encodeStop(): Buffer {
  return encodeRaw(RdaMessageType.Stop);
}

export function encodeKeepAlive(): Buffer {
  return encodeRaw(RdaMessageType.KeepAlive);
}

export interface RdaStartSpec {
  names: readonly string[];
  /** Sampling interval in microseconds. */
  intervalUs: number;
  /** µV per unit, one per channel. */
  resolutions: ArrayLike<number>;
}

/** Body: uint32 nChannels, float64 interval (µs), float64 resolutions[n], NUL-terminated names. */
export function encodeStart({ names, intervalUs, resolutions }: RdaStartSpec): Buffer {
  const channels = names.length;
  if (resolutions.length !== channels) {
    throw new Error(`encodeStart: ${resolutions.length} resolutions for ${channels} channels`);
  }
  const encodedNames = names.map(encodeCp1252);
  const namesSize = encodedNames.reduce((sum, b) => sum + b.length + 1, 0);
  const buf = Buffer.alloc(RDA_HEADER_SIZE + 4 + 8 + 8 * channels + namesSize);
  header(buf, RdaMessageType.Start);
  let o = RDA_HEADER_SIZE;
  o = buf.writeUInt32LE(channels, o);
  o = buf.writeDoubleLE(intervalUs, o);
  for (let c = 0; c < channels; c++) o = buf.writeDoubleLE(resolutions[c], o);
  for (const name of encodedNames) {
    buf.set(name, o);
    o += name.length + 1; // Buffer.alloc zeroed the terminator
  }
  return buf;
}

export interface RdaDataSpec {
  format: RdaFormat;
  block: number;
  channels: number;
  /** Interleaved [point][channel]; length a multiple of `channels`. */
  samples: Int16Array | Float32Array;
  markers?: readonly RdaMarker[];
}

/**
 * Body: uint32 nBlock, uint32 nPoints, uint32 nMarkers, samples point-major, then markers
 * (uint32 nSize, uint32 nPosition, uint32 nPoints, int32 nChannel, type\0, description\0).
 */
export function encodeData({ format, block, channels, samples, markers = [] }: RdaDataSpec): Buffer {
  const wantInt16 = format === 'int16';
  if (wantInt16 !== samples instanceof Int16Array) {
    throw new Error(`encodeData: format ${format} needs ${wantInt16 ? 'Int16Array' : 'Float32Array'} samples`);
  }
  if (channels <= 0 || samples.length % channels !== 0) {
    throw new Error(`encodeData: ${samples.length} samples is not a whole number of ${channels}-channel points`);
  }
  const points = samples.length / channels;
  const encodedMarkers = markers.map((m) => {
    const type = encodeCp1252(m.type);
    const description = encodeCp1252(m.description);
    return { m, type, description, size: RDA_MARKER_FIXED_SIZE + type.length + 1 + description.length + 1 };
  });
  const markersSize = encodedMarkers.reduce((sum, e) => sum + e.size, 0);
  const buf = Buffer.alloc(RDA_HEADER_SIZE + RDA_DATA_PREFIX_SIZE + samples.byteLength + markersSize);
  header(buf, dataMessageType(format));
  let o = RDA_HEADER_SIZE;
  o = buf.writeUInt32LE(block >>> 0, o);
  o = buf.writeUInt32LE(points, o);
  o = buf.writeUInt32LE(markers.length, o);
  // Typed arrays are in host order; every platform Node supports is little endian like the wire.
  buf.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), o);
  o += samples.byteLength;
  for (const { m, type, description, size } of encodedMarkers) {
    o = buf.writeUInt32LE(size, o);
    o = buf.writeUInt32LE(m.position, o);
    o = buf.writeUInt32LE(m.points, o);
    o = buf.writeInt32LE(m.channel, o);
    buf.set(type, o);
    o += type.length + 1;
    buf.set(description, o);
    o += description.length + 1;
  }
  return buf;
}
