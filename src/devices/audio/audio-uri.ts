// The audio family's URIs, checked where they are typed:
//   audio:path/to/file.wav                                       a WAV file (header says the format)
//   audio:raw.pcm?rate=16k&encoding=SPCM&width=2&channels=1&endian=little   a headerless file
//   audio+tcp://host:port?rate=16k&encoding=SPCM&width=2          raw PCM from a TCP server
//   sim:audio?freq=440&rate=16k | sim:audio?file=x.wav            the simulator (a TCP server)
import * as path from 'node:path';
import { listenPortParam, ParamError, positiveParam, readParams, speedParam, textParam, valueOf, type Param } from '../../core/family';
import { resolveFileParam, UriError, type DeviceUri } from '../../core/uri';
import { AudioFormatError, type SampleFormat } from './format';
import { checkRawParams, RAW_KEYS, type RawKey, type RawParams } from './raw-params';

export type AudioTarget =
  { kind: 'file'; path: string; declared: RawParams; speed: number } | { kind: 'tcp'; host: string; port: number; format: SampleFormat };

/** What `sim:audio` streams: a WAV file's samples in its own format, or a tone per channel. */
export type AudioSimulatorSpec = ({ kind: 'file'; file: string } | { kind: 'tone'; freq: number; format: SampleFormat }) & {
  /** Stop after this long (a file also stops at its end). */
  seconds?: number;
  /** 0: any free port. */
  port: number;
};

const DEFAULT_FREQ = 440;
const RAW_DESCRIPTIONS: Record<RawKey, [string, string]> = {
  rate: ['sample rate of a headerless source, 8000–48000 Hz (16000 or 16k)', '16k'],
  encoding: ['SPCM (signed), UPCM (unsigned), ULAW or ALAW', 'SPCM'],
  width: ['bytes per sample (1 for ULAW/ALAW)', '2'],
  channels: ['interleaved channels', '1'],
  endian: ['little or big', 'little'],
};

/** A raw-format field checked on its own (checkRawParams words the message, key included). */
function rawParam(key: RawKey): Param {
  const [description, example] = RAW_DESCRIPTIONS[key];
  return {
    key,
    description,
    example,
    parse(text) {
      try {
        return checkRawParams({ [key]: text }, false)[key];
      } catch (error) {
        if (error instanceof AudioFormatError) throw new ParamError(error.message);
        throw error;
      }
    },
  };
}

/** Parameters of `audio:` files and `audio+tcp:` sockets. */
export const AUDIO_PARAMS: readonly Param[] = [
  ...RAW_KEYS.map(rawParam),
  { ...speedParam({ description: 'files: times real time, or max', example: '1', default: '1' }), schemes: ['audio'] },
];

const SIMULATOR_RAW: Partial<Record<RawKey, Partial<Param>>> = {
  rate: { description: 'sample rate, 8000–48000 Hz', default: '16k' },
  encoding: { default: 'SPCM' },
  channels: { default: '1' },
  endian: { default: 'little' },
};

/** Parameters of `sim:audio`. */
export const AUDIO_SIMULATOR_PARAMS: readonly Param[] = [
  textParam({ key: 'file', description: 'a WAV file to stream instead of the tone', example: 'tone.wav', nonEmpty: true }),
  positiveParam({
    key: 'freq',
    description: 'tone frequency in Hz (channel N plays N × freq)',
    example: '440',
    default: String(DEFAULT_FREQ),
  }),
  // The tone's defaults: 16 kHz signed 16-bit mono, little-endian (width follows a G.711 encoding).
  ...RAW_KEYS.map(rawParam).map((p) => ({ ...p, ...SIMULATOR_RAW[p.key as RawKey] })),
  positiveParam({ key: 'seconds', description: 'stop after this long (default: never)', example: '60' }),
  listenPortParam({ description: 'TCP port to listen on (0: any free one)', example: '0', default: '0' }),
];

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

/**
 * `audio:` and `audio+tcp:` URIs. Every given value is checked. What a headerless source lacks is
 * checked too, except in a bare address (no `?` at all): Add Device checks the address on its
 * own before the options are typed, and a source reports the same missing field when it starts.
 */
export function parseAudioUri(uri: DeviceUri, complete = uri.text.includes('?')): AudioTarget {
  if (uri.scheme === 'audio') {
    const values = readParams(uri, AUDIO_PARAMS);
    if (uri.host)
      throw new UriError(
        uri.text,
        `audio: takes a file path, not a host "${uri.host}" (audio:path/to/file.wav, or audio+tcp://HOST:PORT for a socket)`,
      );
    if (!uri.path) throw new UriError(uri.text, 'no file (expected audio:path/to/file.wav)');
    raw(uri, false);
    return { kind: 'file', path: uri.path, declared: declared(uri), speed: valueOf(values, 'speed') };
  }
  if (uri.scheme === 'audio+tcp') {
    readParams(
      uri,
      AUDIO_PARAMS.filter((p) => !p.schemes),
    );
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
  const values = readParams(uri, AUDIO_SIMULATOR_PARAMS);
  const file = uri.params.get('file');
  const port = valueOf<number>(values, 'port');
  const seconds = valueOf<number | undefined>(values, 'seconds');
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
    encoding,
    width,
    validBits: width * 8,
    rate: given.rate ?? 16000,
    channels: given.channels ?? 1,
    endian: given.endian ?? 'little',
  };
  const freq = valueOf<number>(values, 'freq');
  if (freq * format.channels >= format.rate / 2) {
    throw new UriError(
      uri.text,
      `parameter freq=${freq} is too high: channel ${format.channels} plays ${freq * format.channels} Hz, which must stay below half the rate (${format.rate / 2} Hz)`,
    );
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
  if (/^sim:audio\?/i.test(trimmed)) return resolveFileParam(trimmed, baseDir);
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
  if (speed !== undefined && target.speed !== Infinity)
    throw new UriError(uri.text, `speed=${speed} asks for another speed than as fast as possible`);
  const text = speed === undefined ? `${uri.text}${uri.text.includes('?') ? '&' : '?'}speed=max` : uri.text;
  return { uri: text, path: target.path, declared: target.declared };
}
