// An audio file on disk: a WAV (told by its RIFF/RIFX header, whatever its name) or headerless
// raw PCM described by declared parameters. Only the header is read here; samples are read in
// blocks by whoever plays the file.
import * as fs from 'node:fs';
import { AudioFormatError, describeFormat, frameBytes, type SampleFormat } from './format';
import { checkRawParams, RAW_KEYS, type RawParams } from './raw-params';
import { describeWav, parseWav, type ByteSource } from './wav';
import { SampleDecoder } from './decoder';

export interface AudioFileInfo {
  path: string;
  /** File size in bytes. */
  size: number;
  container: 'wav' | 'raw';
  format: SampleFormat;
  /** Where the samples start, and the bytes of whole frames from there. */
  dataOffset: number;
  dataBytes: number;
  frames: number;
  /** The source's own format, for the sidecar. */
  source: Record<string, unknown>;
}

/** Why a file could not be opened or read as audio, in words (the caller adds the file's name). */
export function whyUnreadable(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e instanceof AudioFormatError) return e.message;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'it is a folder, not a file';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message;
}

export function fdSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buffer = Buffer.alloc(n);
      let got = 0;
      while (got < n) {
        const r = fs.readSync(fd, buffer, got, n - got, offset + got);
        if (r === 0) break;
        got += r;
      }
      return buffer.subarray(0, got);
    },
  };
}

function looksLikeWav(head: Uint8Array): boolean {
  const magic = String.fromCharCode(...head.subarray(0, 4));
  return (magic === 'RIFF' || magic === 'RIFX') && String.fromCharCode(...head.subarray(8, 12)) === 'WAVE';
}

/** Declared parameters that a WAV header contradicts, as an error naming the first one. */
function checkAgainstHeader(declared: RawParams, format: SampleFormat): void {
  const given = checkRawParams(declared, false);
  const header: Partial<SampleFormat> = format;
  for (const key of RAW_KEYS) {
    const value = given[key];
    if (value === undefined || value === header[key]) continue;
    // An 8-bit WAV is unsigned by definition: encoding=UPCM is right, SPCM is the contradiction.
    throw new AudioFormatError(
      `${key}=${declared[key]} contradicts the WAV header (${key} ${header[key]}); leave ${key} out for a WAV file`,
    );
  }
}

/** Reads an audio file's header (from an open descriptor) and settles its format. */
export function probeAudioFd(fd: number, file: string, declared: RawParams = {}): AudioFileInfo {
  const size = fs.fstatSync(fd).size;
  const src = fdSource(fd, size);
  if (looksLikeWav(src.read(0, 12))) {
    const wav = parseWav(src);
    checkAgainstHeader(declared, wav.format);
    return {
      path: file,
      size,
      container: 'wav',
      format: wav.format,
      dataOffset: wav.dataOffset,
      dataBytes: wav.dataBytes,
      frames: wav.frames,
      source: { file, bytes: size, ...describeWav(wav), ...describeFormat(wav.format) },
    };
  }
  let format: SampleFormat;
  try {
    format = checkRawParams(declared, true);
  } catch (error) {
    if (!(error instanceof AudioFormatError)) throw error;
    throw new AudioFormatError(`no RIFF/RIFX header, so it is read as raw PCM, and ${error.message}`);
  }
  const frames = Math.floor(size / frameBytes(format));
  const trailing = size - frames * frameBytes(format);
  return {
    path: file,
    size,
    container: 'raw',
    format,
    dataOffset: 0,
    dataBytes: frames * frameBytes(format),
    frames,
    source: { file, bytes: size, container: 'raw', frames, ...(trailing ? { trailingBytes: trailing } : {}), ...describeFormat(format) },
  };
}

export function probeAudioFile(file: string, declared: RawParams = {}): AudioFileInfo {
  const fd = fs.openSync(file, 'r');
  try {
    return probeAudioFd(fd, file, declared);
  } finally {
    fs.closeSync(fd);
  }
}

/** A whole file's sample bytes (whole frames only), as stored. */
export function readAudioBytes(file: string, declared: RawParams = {}): { info: AudioFileInfo; bytes: Buffer } {
  const fd = fs.openSync(file, 'r');
  try {
    const info = probeAudioFd(fd, file, declared);
    const bytes = fdSource(fd, info.size).read(info.dataOffset, info.dataBytes) as Buffer;
    return { info, bytes };
  } finally {
    fs.closeSync(fd);
  }
}

/** A whole file decoded: interleaved float32 `[frame][channel]`, scaled to ±1 (see decoder.ts). */
export function readAudioFile(file: string, declared: RawParams = {}): { info: AudioFileInfo; samples: Float32Array } {
  const { info, bytes } = readAudioBytes(file, declared);
  return { info, samples: new SampleDecoder(info.format).decode(bytes) };
}
