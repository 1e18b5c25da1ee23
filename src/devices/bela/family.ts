// Bela boards as a Labscope family: the watcher's two websockets on port 5555 (192.168.7.2 over
// USB, or bela.local), the chosen variables as one frame-indexed float64 stream. URIs:
//   bela://HOST[:PORT]?vars=a,b&rate=22050&buffer=10      sim:bela?port=0&speed=1&rate=44100
//   bela://HOST?vars=a&duration=10 (or frames=N, from=FRAME): a scheduled window, then finished
import * as path from 'node:path';
import {
  listenPortParam,
  numberParam,
  positiveParam,
  readParams,
  speedParam,
  textParam,
  valueOf,
  type Family,
  type Param,
} from '../../core/family';
import { resolvePathParam, UriError } from '../../core/uri';
import { TYPE_NAMES, type WatcherType } from './protocol';
import { BelaSimulator } from './simulator';
import { BelaSource } from './source';

const BELA_PORT = 5555;

/** `vars=a, b,c` as names; refuses empty names and repeats. */
export function parseVars(text: string): string[] {
  const names = text.split(',').map((n) => n.trim());
  if (names.some((n) => !n)) throw new Error('has an empty name');
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new Error(`names ${repeated} twice`);
  return names;
}

const params = [
  {
    key: 'vars',
    description: 'watchers to stream, comma-separated (default: every watcher the board lists)',
    example: 'audioIn,analog0',
    parse: parseVars,
  } satisfies Param<string[]>,
  positiveParam({
    key: 'rate',
    description: "frames per second, overriding the board's declared sampleRate (which may not be the rate its frames tick at)",
    example: '22050',
  }),
  positiveParam({ key: 'buffer', description: "the session's ring, in seconds", example: '10' }),
  textParam({
    key: 'pybela',
    description: "also save every buffer in pybela's format (load_data_from_file reads it): {var}_var_stream.txt in this folder",
    example: 'pybela-data',
    nonEmpty: true,
  }),
  // The seed's Streamer: stream for a fixed time, N values, or a window scheduled by frame.
  positiveParam({
    key: 'duration',
    description: "stream this many seconds, then finish (sent as the watch's durations; the board ends it)",
    example: '10',
  }),
  numberParam({
    key: 'frames',
    description: 'stream this many frames (N values of each dense variable), then finish (with duration=: whichever ends first)',
    example: '44100',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    integer: true,
  }),
  numberParam({
    key: 'from',
    description: "start at this board frame (a scheduled window; default: now); with duration= or frames=, the window's first frame",
    example: '441000',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    integer: true,
  }),
];

const simulatorParams = [
  listenPortParam({ description: 'port to listen on (0: any free one; a board uses 5555)', example: '0', default: '0' }),
  speedParam({ description: 'times real time, or max', example: '1', default: '1' }),
  positiveParam({ key: 'rate', description: 'the sampleRate the simulated project declares', example: '44100', default: '44100' }),
  positiveParam({ key: 'frame-rate', description: 'frames per second its program ticks (default: rate)', example: '22050' }),
];

export const bela: Family = {
  id: 'bela',
  label: 'Bela board',
  schemes: ['bela'],
  addresses: { bela: { kind: 'network', port: 5555 } },
  // Over USB the board is 192.168.7.2 (bela://192.168.7.2:5555).
  example: 'bela://bela.local:5555',
  params,
  simulatorParams,
  check(uri) {
    if (uri.scheme === 'sim') return;
    if (!uri.host)
      throw new UriError(uri.text, 'no host (expected bela://HOST:PORT, e.g. bela://bela.local:5555 or bela://192.168.7.2:5555)');
  },
  createSource(uri, options) {
    const v = readParams(uri, params);
    const vars = valueOf<string[] | undefined>(v, 'vars');
    const pybela = valueOf<string | undefined>(v, 'pybela');
    return new BelaSource({
      host: uri.host,
      port: uri.port ?? BELA_PORT,
      vars,
      rate: valueOf(v, 'rate'),
      bufferS: valueOf(v, 'buffer'),
      backoffS: options.backoffS,
      pybelaDir: pybela === undefined ? undefined : path.resolve(pybela),
      durationS: valueOf(v, 'duration'),
      frames: valueOf(v, 'frames'),
      fromFrame: valueOf(v, 'from'),
    });
  },
  resolvePaths(uri, baseDir) {
    // pybela=DIR relative to the workspace folder (the CLI: the current directory).
    return /^bela:/i.test(uri.trim()) ? resolvePathParam(uri, baseDir, 'pybela') : uri.trim();
  },
  async simulate(uri, options) {
    const v = readParams(uri, simulatorParams);
    const sampleRate = valueOf<number>(v, 'rate');
    const speed = valueOf<number>(v, 'speed');
    const simulator = new BelaSimulator({
      port: valueOf(v, 'port'),
      speed,
      sampleRate,
      frameRate: valueOf(v, 'frame-rate'),
      host: options?.host,
      sentBuffer: options?.sentBuffer,
    });
    const port = await simulator.start();
    return {
      uri: simulator.uri(port),
      description: `Bela watcher (all-types project) declaring ${sampleRate} Hz, speed ${speed === Infinity ? 'max' : speed}`,
      stop: () => simulator.stop(),
      sentAt: (frame) => simulator.sentAt(frame),
    };
  },
  cliDefault(key) {
    // On the command line the simulator takes a board's own port, as a real one would.
    if (key === 'port') return String(BELA_PORT);
    return undefined;
  },
  channelDetail(source, index) {
    // The source's format names each watcher's type and timestamp mode (BelaSource.format).
    const watcher = (source?.watchers as { type?: string | null; mode?: string | null }[] | undefined)?.[index];
    if (!watcher?.type) return watcher ? 'not listed by the board yet' : undefined;
    return `${TYPE_NAMES[watcher.type as WatcherType] ?? watcher.type} · ${watcher.mode ?? '?'}`;
  },
};
