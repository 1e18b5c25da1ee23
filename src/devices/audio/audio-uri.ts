// The audio family's URIs, checked where they are typed:
//   audio:path/to/file.wav                                       a WAV file (header says the format)
//   audio:raw.pcm?rate=16k&encoding=SPCM&width=2&channels=1&endian=little   a headerless file
//   audio+tcp://host:port?rate=16k&encoding=SPCM&width=2          raw PCM from a TCP server
//   sim:audio?freq=440&rate=16k | sim:audio?file=x.wav            the simulator (a TCP server)
import * as path from 'node:path';
import { UriError, type DeviceUri } from '../../core/uri';
import { parseSpeed } from '../rda/simulator';
import { AudioFormatError, type SampleFormat } from './format';
import { checkRawParams, RAW_KEYS, type RawParams } from './raw-params';

export type AudioTarget =
  | { kind: 'file'; path: string; declared: RawParams; speed: number }
  | { kind: 'tcp'; host: string; port: number; format: SampleFormat };

/** What `sim:audio` streams: a WAV file's samples in its own format, or a tone per channel. */
export type AudioSimulatorSpec = ({ kind: 'file'; file: string } | { kind: 'tone'; freq: number; format: SampleFormat }) & {
  /** Stop after this long (a file also stops at its end). */
  seconds?: number;
  /** 0: any free port. */
  port: number;
};

const FILE_KEYS = [...RAW_KEYS, 'speed'];
const TCP_KEYS = [...RAW_KEYS];
const SIM_KEYS = ['file', 'freq', ...RAW_KEYS, 'seconds', 'port'];
const DEFAULT_FREQ = 440;

function refuseUnknown(uri: DeviceUri, known: readonly string[]): void {
  for (const key of uri.params.keys()) {
    if (!known.includes(key)) throw new UriError(uri.text, `unknown parameter "${key}" (known: ${known.join(', ')})`);
  }
}

function declared(uri: DeviceUri): RawParams {
  const out: RawParams = {};
  for (const key of RAW_KEYS) {
    const value = uri.params.get(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** checkRawParams with its message as a URI error: "bad device URI "…": parameter rate=… ". */
function raw(uri: DeviceUri, complete: boolean): Partial<SampleFormat> {
  try {
    return checkRawParams(declared(uri), complete as true);
  } catch (error) {
    if (error instanceof AudioFormatError) throw new UriError(uri.text, `parameter ${error.message}`);
    throw error;
  }
}

function positive(uri: DeviceUri, key: string): number | undefined {
  const text = uri.params.get(key);
  if (text === undefined) return undefined;
  const n = text.trim() === '' ? NaN : Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new UriError(uri.text, `parameter ${key}="${text}" is not a number > 0`);
  return n;
}

/**
 * `audio:` and `audio+tcp:` URIs. Every given value is checked. What a headerless source lacks is
 * checked too, except in a bare address (no `?` at all): Add Device checks the address on its
 * own before the options are typed, and a source reports the same missing field when it starts.
 */
export function parseAudioUri(uri: DeviceUri, complete = uri.text.includes('?')): AudioTarget {
  if (uri.scheme === 'audio') {
    refuseUnknown(uri, FILE_KEYS);
    if (uri.host) throw new UriError(uri.text, `audio: takes a file path, not a host "${uri.host}" (audio:path/to/file.wav, or audio+tcp://HOST:PORT for a socket)`);
    if (!uri.path) throw new UriError(uri.text, 'no file (expected audio:path/to/file.wav)');
    raw(uri, false);
    let speed: number;
    try {
      speed = parseSpeed(uri.params.get('speed'));
    } catch (error) {
      throw new UriError(uri.text, `parameter ${(error as Error).message}`);
    }
    return { kind: 'file', path: uri.path, declared: declared(uri), speed };
  }
  if (uri.scheme === 'audio+tcp') {
    refuseUnknown(uri, TCP_KEYS);
    if (!uri.host) throw new UriError(uri.text, 'no host (expected audio+tcp://HOST:PORT?rate=16k&encoding=SPCM&width=2)');
    if (uri.port === undefined) throw new UriError(uri.text, 'no port (expected audio+tcp://HOST:PORT?rate=…)');
    if (uri.path && uri.path !== '/') throw new UriError(uri.text, `a socket address has no path ("${uri.path}")`);
    const format = raw(uri, complete) as SampleFormat;
    return { kind: 'tcp', host: uri.host, port: uri.port, format };
  }
  throw new UriError(uri.text, `not an audio URI (audio:FILE or audio+tcp://HOST:PORT)`);
}

/** `sim:audio?…`: a WAV to stream, or a tone of `freq` Hz in the declared format (defaults: 16 kHz SPCM 16-bit mono). */
export function parseAudioSimulatorUri(uri: DeviceUri): AudioSimulatorSpec {
  refuseUnknown(uri, SIM_KEYS);
  const file = uri.params.get('file');
  const portText = uri.params.get('port');
  const port = portText === undefined ? 0 : Number(portText);
  if (!/^\d{1,5}$/.test(portText ?? '0') || port > 65535) throw new UriError(uri.text, `parameter port="${portText}" is not a number from 0 (any) to 65535`);
  const seconds = positive(uri, 'seconds');
  if (file !== undefined) {
    if (!file) throw new UriError(uri.text, 'parameter file is empty (expected file=path/to/file.wav)');
    const clash = ['freq', ...RAW_KEYS].find((k) => uri.params.has(k));
    if (clash) throw new UriError(uri.text, `file= streams a WAV in its own format: it cannot be combined with ${clash}=`);
    return { kind: 'file', file, seconds, port };
  }
  const given = raw(uri, false);
  const encoding = given.encoding ?? 'SPCM';
  const width = given.width ?? (encoding === 'ULAW' || encoding === 'ALAW' ? 1 : 2);
  const format: SampleFormat = {
    encoding, width, validBits: width * 8, rate: given.rate ?? 16000, channels: given.channels ?? 1, endian: given.endian ?? 'little',
  };
  const freq = positive(uri, 'freq') ?? DEFAULT_FREQ;
  if (freq * format.channels >= format.rate / 2) {
    throw new UriError(uri.text, `parameter freq=${freq} is too high: channel ${format.channels} plays ${freq * format.channels} Hz, which must stay below half the rate (${format.rate / 2} Hz)`);
  }
  return { kind: 'tone', freq, format, seconds, port };
}

/**
 * The URI with a relative file path (`audio:rel.wav`, `sim:audio?file=rel.wav`) made absolute
 * against `baseDir` (VS Code: the workspace folder); any other URI is returned as it is.
 */
export function absoluteAudioUri(text: string, baseDir: string): string {
  const trimmed = text.trim();
  const m = /^(audio):([^?]*)(\?.*)?$/i.exec(trimmed);
  if (m && !m[2].startsWith('//') && m[2] && !path.isAbsolute(m[2])) return `${m[1]}:${path.resolve(baseDir, m[2])}${m[3] ?? ''}`;
  const s = /^(sim:audio)\?(.*)$/i.exec(trimmed);
  if (s) {
    const parts = s[2].split('&').map((part) => {
      if (!part.startsWith('file=')) return part;
      const file = decodeURIComponent(part.slice(5));
      return file && !path.isAbsolute(file) ? `file=${path.resolve(baseDir, file).replace(/[%&#?+]/g, encodeURIComponent)}` : part;
    });
    return `${s[1]}?${parts.join('&')}`;
  }
  return trimmed;
}

/**
 * `audio:FILE…` with `speed=max` (the CLI's `--fast`), and what it plays; throws a UriError for
 * anything that is not an audio file URI, or that already asks for another speed.
 */
export function fastFileUri(uri: DeviceUri): { uri: string; path: string; declared: RawParams } {
  if (uri.scheme !== 'audio') throw new UriError(uri.text, 'only an audio file (audio:FILE) can be played faster than real time');
  const target = parseAudioUri(uri, false);
  if (target.kind !== 'file') throw new UriError(uri.text, 'only an audio file can be played faster than real time');
  const speed = uri.params.get('speed');
  if (speed !== undefined && target.speed !== Infinity) throw new UriError(uri.text, `speed=${speed} asks for another speed than as fast as possible`);
  const text = speed === undefined ? `${uri.text}${uri.text.includes('?') ? '&' : '?'}speed=max` : uri.text;
  return { uri: text, path: target.path, declared: target.declared };
}
