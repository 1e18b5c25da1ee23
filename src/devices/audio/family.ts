// The audio family: WAV and raw PCM files, raw PCM over TCP, and a simulator that serves raw PCM
// over TCP. It is also the family that plays files (the seed's createDirStreams, Open Audio Folder).
import * as path from 'node:path';
import type { Family } from '../../core/family';
import type { Metadata } from '../../core/types';
import { parseDeviceUri } from '../../core/uri';
import { absoluteAudioUri, AUDIO_PARAMS, AUDIO_SIMULATOR_PARAMS, parseAudioSimulatorUri, parseAudioUri } from './audio-uri';
import { AudioFileSource } from './file-source';
import { AudioTcpSource } from './tcp-source';
import { AudioSimulator } from './simulator';

/** The seed's example socket (Stream(("mymachine", 4155))): the CLI's simulator listens there. */
const DEFAULT_CLI_PORT = 4155;

/** What "an audio file" means when nobody says: WAV, headerless PCM, and G.711 files. */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.wave', '.pcm', '.raw', '.ulaw', '.ul', '.mulaw', '.alaw', '.al'];

/**
 * The seed's reserved metadata that describes a headerless source, and the URI parameter each
 * becomes on an `audio:` / `audio+tcp:` URI (both spellings are accepted).
 */
const AUDIO_FORMAT_KEYS: Readonly<Record<string, string>> = {
  samprate: 'rate',
  rate: 'rate',
  sampwidth: 'width',
  width: 'width',
  encoding: 'encoding',
  channels: 'channels',
  endian: 'endian',
};

/**
 * `uri` with the format fields among `metadata` (samprate, sampwidth, encoding, channels, endian)
 * as parameters, so a folder of headerless PCM can be described once; a URI that already says
 * otherwise is refused naming the field.
 */
function withFormatParams(uri: string, metadata: Metadata): string {
  const given = parseDeviceUri(uri).params;
  const added: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    const param = AUDIO_FORMAT_KEYS[key.toLowerCase()];
    if (!param) continue;
    const text = String(value);
    const already = given.get(param);
    if (already !== undefined) {
      if (already.toLowerCase() !== text.toLowerCase())
        throw new Error(`${uri}: metadata ${key}=${text} contradicts the URI's ${param}=${already}`);
      continue;
    }
    given.set(param, text);
    added.push(`${param}=${encodeURIComponent(text)}`);
  }
  if (!added.length) return uri;
  return `${uri}${uri.includes('?') ? (uri.endsWith('?') || uri.endsWith('&') ? '' : '&') : '?'}${added.join('&')}`;
}

export const audio: Family = {
  id: 'audio',
  label: 'Audio (WAV / raw PCM)',
  schemes: ['audio', 'audio+tcp'],
  addresses: { audio: { kind: 'file' }, 'audio+tcp': { kind: 'network', port: 4155 } },
  example: 'audio+tcp://127.0.0.1:4155',
  params: AUDIO_PARAMS,
  simulatorParams: AUDIO_SIMULATOR_PARAMS,
  check(uri) {
    if (uri.scheme === 'sim') parseAudioSimulatorUri(uri);
    else parseAudioUri(uri);
  },
  createSource(uri) {
    const target = parseAudioUri(uri, true);
    if (target.kind === 'tcp') return new AudioTcpSource(target);
    // Relative to the process's folder: the CLI's, or whatever the caller resolved it against.
    return new AudioFileSource({ path: path.resolve(target.path), declared: target.declared, speed: target.speed });
  },
  async simulate(uri, options) {
    const spec = parseAudioSimulatorUri(uri);
    const simulator = new AudioSimulator({ spec, host: options?.host, sentBuffer: options?.sentBuffer });
    const port = await simulator.start();
    const f = simulator.format;
    const what = spec.kind === 'file' ? `streaming ${spec.file}` : `a ${spec.freq} Hz tone`;
    return {
      uri: simulator.uri(port),
      description: `${what}, ${f.channels} ch, ${f.rate} Hz, ${f.encoding} ${f.width * 8}-bit`,
      stop: () => simulator.stop(),
      sentAt: (frame) => simulator.sentAt(frame),
    };
  },
  cliDefault(key) {
    return key === 'port' ? String(DEFAULT_CLI_PORT) : undefined;
  },
  resolvePaths: absoluteAudioUri,
  fileStreams: {
    extensions: AUDIO_EXTENSIONS,
    uriOfFile(file) {
      // The URI parser splits the query off at the first "?": such a name cannot be addressed.
      if (file.includes('?')) throw new Error(`cannot open ${file}: a "?" in a file name cannot be written in an audio: URI`);
      return `audio:${file}`;
    },
    uriOfSocket(host, port) {
      return `audio+tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
    },
    withMetadata: withFormatParams,
    fileOf(uri) {
      return uri.scheme === 'audio' && uri.path ? path.resolve(uri.path) : undefined;
    },
  },
};
