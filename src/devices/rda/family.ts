// BrainVision RDA as a Labscope family: the Recorder's RDA server over TCP (float32 on 51244),
// and a simulator that replays a BrainVision file or a synthetic signal. URIs:
//   rda://HOST[:PORT]      sim:rda?channels=8&rate=1000&format=float32|int16&speed=1|max&file=X.vhdr
import {
  choiceParam,
  listenPortParam,
  numberParam,
  positiveParam,
  readParams,
  speedParam,
  textParam,
  valueOf,
  type Family,
} from '../../core/family';
import { resolveFileParam, UriError, type DeviceUri } from '../../core/uri';
import { RdaSource } from './source';
import { RdaSimulator, type RdaSimulatorOptions } from './simulator';

/** The Recorder's RDA ports: float32 samples on 51244, int16 on 51234. */
const RDA_PORTS = { float32: 51244, int16: 51234 } as const;

const simulatorParams = [
  numberParam({
    key: 'channels',
    description: 'synthetic channels (sines and noise)',
    example: '8',
    default: '8',
    min: 1,
    max: 65535,
    integer: true,
  }),
  numberParam({ key: 'rate', description: 'frames per second', example: '1000', default: '1000', min: 1, max: 10_000_000 }),
  choiceParam({
    key: 'format',
    description: 'float32 or int16 on the wire',
    example: 'float32',
    default: 'float32',
    choices: ['float32', 'int16'] as const,
  }),
  speedParam({ description: 'times real time, or max', example: '1', default: '1' }),
  choiceParam({
    key: 'signal',
    description: 'synthetic: sines (and noise: exact, as tests want) or eeg (10-20 names, 1/f background, alpha, blinks)',
    example: 'eeg',
    default: 'sines',
    choices: ['sines', 'eeg'] as const,
  }),
  textParam({ key: 'file', description: 'a BrainVision .vhdr to replay instead', example: 'eeg.vhdr', nonEmpty: true }),
  positiveParam({ key: 'seconds', description: 'synthetic: stop after this long (default: never)', example: '60' }),
  numberParam({
    key: 'block-frames',
    description: 'frames per data block (default: 20 ms of frames)',
    example: '1024',
    min: 1,
    max: 1 << 20,
    integer: true,
  }),
  listenPortParam({ description: 'TCP port to listen on (0: any free one)', example: '0', default: '0' }),
];

/** A `sim:rda?…` URI as simulator options (readParams has checked every value). */
function simulatorOptions(uri: DeviceUri, host?: string): RdaSimulatorOptions {
  const v = readParams(uri, simulatorParams);
  const file = valueOf<string | undefined>(v, 'file');
  const source: RdaSimulatorOptions['source'] = file
    ? { kind: 'file', path: file }
    : {
        kind: 'synthetic',
        channels: valueOf(v, 'channels'),
        rate: valueOf(v, 'rate'),
        seconds: valueOf(v, 'seconds'),
        signal: valueOf(v, 'signal'),
      };
  return {
    source,
    format: valueOf(v, 'format'),
    speed: valueOf(v, 'speed'),
    port: valueOf(v, 'port'),
    blockFrames: valueOf(v, 'block-frames'),
    host,
  };
}

export const rda: Family = {
  id: 'rda',
  label: 'BrainVision RDA',
  schemes: ['rda'],
  addresses: { rda: { kind: 'network', port: 51244 } },
  example: 'rda://127.0.0.1:51244',
  params: [],
  simulatorParams,
  check(uri) {
    if (uri.scheme === 'sim') {
      const clash = ['channels', 'rate', 'seconds', 'signal'].find((k) => uri.params.has(k));
      if (uri.params.has('file') && clash) throw new UriError(uri.text, `file= replays a recording: it cannot be combined with ${clash}=`);
    } else if (!uri.host) {
      throw new UriError(uri.text, 'no host (expected rda://HOST:PORT, e.g. rda://127.0.0.1:51244)');
    }
  },
  createSource(uri, options) {
    return new RdaSource({ host: uri.host, port: uri.port ?? RDA_PORTS.float32, backoffS: options.backoffS });
  },
  async simulate(uri, options) {
    const settings = simulatorOptions(uri, options?.host);
    const simulator = new RdaSimulator({ ...settings, sentBuffer: options?.sentBuffer });
    const port = await simulator.start();
    const host = options?.host ?? '127.0.0.1';
    const what =
      settings.source.kind === 'file'
        ? `replaying ${settings.source.path}`
        : `synthetic ${settings.source.channels} channels at ${settings.source.rate} Hz`;
    return {
      uri: `rda://${host.includes(':') ? `[${host}]` : host}:${port}`,
      description: `${settings.format}, ${what}, speed ${settings.speed === Infinity ? 'max' : settings.speed}`,
      stop: () => simulator.stop(),
      // sentAt follows the first client only: the session that started this simulator.
      sentAt: (frame) => simulator.sentAt(frame),
    };
  },
  cliDefault(key, given) {
    // On the command line the simulator takes the Recorder's own port, as a real one would.
    if (key === 'port') return String(RDA_PORTS[given.get('format') === 'int16' ? 'int16' : 'float32']);
    return undefined;
  },
  resolvePaths(uri, baseDir) {
    return resolveFileParam(uri, baseDir);
  },
};
