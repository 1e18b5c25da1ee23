// Pure-TypeScript RDA decoding. It is the plain, idiomatic baseline the native decoder is
// benchmarked against, so it reads every sample through a DataView like ordinary code would;
// keep it that way rather than tuning it.
import type { RdaDecoded, RdaMarker } from '../../core/native';
import { RDA_DATA_PREFIX_SIZE, RDA_GUID, RDA_HEADER_SIZE, RDA_MARKER_FIXED_SIZE, RdaMessageType, decodeCp1252 } from './protocol';

/** Refuses absurd nSize values before a reader waits to buffer them (64 MiB). */
export const RDA_TS_MAX_MESSAGE = 64 * 1024 * 1024;

export type RdaStart = Extract<RdaDecoded, { type: 1 }>;

export class RdaProtocolError extends Error {
  readonly code = 'ERDA';
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Size of the message whose header starts at bytes[0], or -1 when fewer than 24 bytes are
 * available. Throws on a wrong GUID or an nSize outside [24, RDA_TS_MAX_MESSAGE].
 */
export function rdaMessageSize(bytes: Uint8Array): number {
  if (bytes.length < RDA_HEADER_SIZE) return -1;
  for (let i = 0; i < RDA_GUID.length; i++) {
    if (bytes[i] !== RDA_GUID[i]) throw new RdaProtocolError('RDA: bad GUID (stream out of sync or not an RDA server)');
  }
  const size = view(bytes).getUint32(16, true);
  if (size < RDA_HEADER_SIZE || size > RDA_TS_MAX_MESSAGE) {
    throw new RdaProtocolError(`RDA: message size ${size} outside [${RDA_HEADER_SIZE}, ${RDA_TS_MAX_MESSAGE}]`);
  }
  return size;
}

/** Cuts a TCP byte stream into whole messages by their nSize. */
export class RdaMessageSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const messages: Buffer[] = [];
    let size: number;
    while ((size = rdaMessageSize(this.pending)) !== -1 && size <= this.pending.length) {
      messages.push(this.pending.subarray(0, size));
      this.pending = this.pending.subarray(size);
    }
    return messages;
  }

  /** Bytes received that do not yet form a whole message. */
  get buffered(): number {
    return this.pending.length;
  }
}

function cString(bytes: Uint8Array, start: number, end: number, what: string): [string, number] {
  const nul = bytes.indexOf(0, start);
  if (nul === -1 || nul >= end) throw new RdaProtocolError(`RDA: unterminated ${what}`);
  return [decodeCp1252(bytes.subarray(start, nul)), nul + 1];
}

function checkedSize(message: Uint8Array): number {
  const size = rdaMessageSize(message);
  if (size === -1 || size !== message.length) {
    throw new RdaProtocolError(`RDA: got ${message.length} bytes for a message of nSize ${size}`);
  }
  return size;
}

/** The channel limit of the native decoder (rda_decode.h kMaxChannels), refused alike. */
const RDA_MAX_CHANNELS = 65535;

/**
 * Zero padding after a message's last field is allowed; anything else is refused, as the native
 * decoder does (found by fuzzing the two against each other: this one used to accept it).
 */
function refuseTrailing(message: Uint8Array, from: number, size: number, what: string): void {
  for (let i = from; i < size; i++) {
    if (message[i] !== 0) throw new RdaProtocolError(`RDA: ${size - from} bytes after ${what}`);
  }
}

/** Parses a start message (type 1). */
export function parseStart(message: Uint8Array): RdaStart {
  const size = checkedSize(message);
  const dv = view(message);
  const type = dv.getUint32(20, true);
  if (type !== RdaMessageType.Start) throw new RdaProtocolError(`RDA: expected a start message, got type ${type}`);
  let o = RDA_HEADER_SIZE;
  if (size < o + 12) throw new RdaProtocolError('RDA: start message too short for nChannels and interval');
  const channels = dv.getUint32(o, true);
  const intervalUs = dv.getFloat64(o + 4, true);
  o += 12;
  if (channels === 0 || size < o + 8 * channels) {
    throw new RdaProtocolError(`RDA: start message of ${size} bytes cannot hold ${channels} channels`);
  }
  if (channels > RDA_MAX_CHANNELS) throw new RdaProtocolError(`RDA: nChannels ${channels} exceeds ${RDA_MAX_CHANNELS}`);
  const resolutions: number[] = [];
  for (let c = 0; c < channels; c++, o += 8) resolutions.push(dv.getFloat64(o, true));
  const names: string[] = [];
  for (let c = 0; c < channels; c++) {
    let name: string;
    [name, o] = cString(message, o, size, `name of channel ${c + 1}`);
    names.push(name);
  }
  refuseTrailing(message, o, size, `the ${channels} channel names`);
  return { type: RdaMessageType.Start, size, channels, intervalUs, resolutions, names };
}

/** Stateful like the native decoder: a start message sets the channels and resolutions used for data. */
export class TsRdaDecoder {
  private resolutions: number[] = [];

  get started(): boolean {
    return this.resolutions.length > 0;
  }

  get channels(): number {
    return this.resolutions.length;
  }

  /**
   * Decodes one whole message. For data messages the points are written, scaled to µV, into
   * `out` from `outOffset` (interleaved [point][channel]); `out` may be omitted to read only
   * the block header and markers.
   */
  decode(message: Uint8Array, out?: Float32Array, outOffset = 0): RdaDecoded {
    const size = checkedSize(message);
    const type = view(message).getUint32(20, true);
    switch (type) {
      case RdaMessageType.Start: {
        const start = parseStart(message);
        this.resolutions = start.resolutions;
        return start;
      }
      case RdaMessageType.Int16Data:
      case RdaMessageType.Float32Data:
        return this.decodeData(message, type, size, out, outOffset);
      case RdaMessageType.Stop:
        return { type, size };
      default:
        return { type, size, skipped: true };
    }
  }

  private decodeData(
    message: Uint8Array,
    type: RdaMessageType.Int16Data | RdaMessageType.Float32Data,
    size: number,
    out: Float32Array | undefined,
    outOffset: number,
  ): RdaDecoded {
    if (!this.started) throw new RdaProtocolError('RDA: data message before any start message');
    const dv = view(message);
    let o = RDA_HEADER_SIZE;
    if (size < o + RDA_DATA_PREFIX_SIZE) throw new RdaProtocolError('RDA: data message too short for its block header');
    const block = dv.getUint32(o, true);
    const points = dv.getUint32(o + 4, true);
    const markerCount = dv.getUint32(o + 8, true);
    o += RDA_DATA_PREFIX_SIZE;
    const channels = this.resolutions.length;
    const bytesPerSample = type === RdaMessageType.Int16Data ? 2 : 4;
    const values = points * channels;
    if (size < o + values * bytesPerSample) {
      throw new RdaProtocolError(`RDA: data message of ${size} bytes cannot hold ${points} points × ${channels} channels`);
    }
    if (out) {
      if (out.length < outOffset + values) {
        throw new RangeError(`TsRdaDecoder: output holds ${out.length - outOffset} values, block has ${values}`);
      }
      const res = this.resolutions;
      let i = 0;
      for (let p = 0; p < points; p++) {
        for (let c = 0; c < channels; c++, i++) {
          const raw = bytesPerSample === 2 ? dv.getInt16(o + i * 2, true) : dv.getFloat32(o + i * 4, true);
          out[outOffset + i] = raw * res[c];
        }
      }
    }
    o += values * bytesPerSample;
    const markers: RdaMarker[] = [];
    for (let m = 0; m < markerCount; m++) {
      if (size < o + RDA_MARKER_FIXED_SIZE) throw new RdaProtocolError(`RDA: marker ${m + 1} runs past the message end`);
      const markerSize = dv.getUint32(o, true);
      const end = o + markerSize;
      if (markerSize < RDA_MARKER_FIXED_SIZE + 2 || end > size) {
        throw new RdaProtocolError(`RDA: marker ${m + 1} has bad nSize ${markerSize}`);
      }
      const position = dv.getUint32(o + 4, true);
      const markerPoints = dv.getUint32(o + 8, true);
      const channel = dv.getInt32(o + 12, true);
      const [markerType, next] = cString(message, o + RDA_MARKER_FIXED_SIZE, end, `type of marker ${m + 1}`);
      const [description] = cString(message, next, end, `description of marker ${m + 1}`);
      markers.push({ position, points: markerPoints, channel, type: markerType, description });
      o = end;
    }
    refuseTrailing(message, o, size, `the ${markerCount} markers`);
    return { type, size, block, points, markers };
  }
}
