// What an audio source's bytes are: the one description the WAV parser, the raw-parameter parser,
// the decoder, the encoder and the sidecar all share.

/** How samples are coded: the seed's four, plus IEEE float, which WAV files also carry. */
export type Encoding = 'SPCM' | 'UPCM' | 'ULAW' | 'ALAW' | 'FLOAT';
export type Endian = 'little' | 'big';

export interface SampleFormat {
  encoding: Encoding;
  /** Bytes per sample as stored (the container). */
  width: number;
  /**
   * Significant bits, left-justified in the container (WAVE_FORMAT_EXTENSIBLE's wValidBitsPerSample);
   * the low `width * 8 - validBits` bits are padding and ignored.
   */
  validBits: number;
  channels: number;
  /** Frames per second. */
  rate: number;
  endian: Endian;
}

/**
 * A file or stream that cannot be decoded as it says it is, with a message naming the field or
 * chunk at fault. Anything else a parser throws is a bug (the fuzz test holds it to that).
 */
export class AudioFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AudioFormatError';
  }
}

/** More channels than this would make a session's ring absurdly large; no real source has them. */
export const MAX_CHANNELS = 1024;

export function frameBytes(format: Pick<SampleFormat, 'width' | 'channels'>): number {
  return format.width * format.channels;
}

/** `ch1`…`chN`: a WAV's channel mask is rarely right, and numbered lanes read the same in every scope. */
export function channelNames(channels: number): string[] {
  return Array.from({ length: channels }, (_, i) => `ch${i + 1}`);
}

/** The format as the sidecar's `source` keeps it (plain JSON). */
export function describeFormat(format: SampleFormat): Record<string, unknown> {
  return {
    encoding: format.encoding,
    width: format.width,
    ...(format.validBits !== format.width * 8 ? { validBits: format.validBits } : {}),
    rate: format.rate,
    channels: format.channels,
    endian: format.endian,
    scaling: scalingText(format),
  };
}

/** How a stored sample becomes the ±1 float in the ring, in words (README "Audio"). */
export function scalingText(format: SampleFormat): string {
  const bits = format.width * 8;
  switch (format.encoding) {
    case 'SPCM':
      return `signed ${bits}-bit / 2^${bits - 1}`;
    case 'UPCM':
      return `(unsigned ${bits}-bit - 2^${bits - 1}) / 2^${bits - 1}`;
    case 'ULAW':
      return 'G.711 µ-law → 16-bit linear / 2^15';
    case 'ALAW':
      return 'G.711 A-law → 16-bit linear / 2^15';
    case 'FLOAT':
      return `IEEE float${bits} as stored`;
  }
}
