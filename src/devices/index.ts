// The one registry of instrument families: which URI schemes each one answers, how to build its
// source (in the acquisition worker) and how to start its simulator (in the main thread).
import { numberParam, parseDeviceUri, UriError, type DeviceUri } from '../core/uri';
import type { Source } from '../core/source';
import { RdaSource } from './rda/source';
import { parseSpeed, RdaSimulator, type RdaSimulatorOptions } from './rda/simulator';
import { servomex } from './servomex/family';
import { audio } from './audio/family';

export interface RunningSimulator {
  /** The address a client connects to. */
  uri: string;
  stop(): Promise<void> | void;
  /**
   * Epoch ms (performance.timeOrigin + performance.now()) when the block holding stream frame
   * `frame` was handed to the socket, while the simulator still remembers it: the start of a
   * wire-to-pixel latency measurement. Undefined when unknown.
   */
  sentAt?(frame: number): number | undefined;
}

export interface SourceOptions {
  backoffS?: number[];
}

/** A URI parameter, as Add Device offers it. */
export interface UriOption {
  key: string;
  description: string;
  /** Shown as a placeholder value; the family's default when left out. */
  example: string;
}

export interface Family {
  id: string;
  label: string;
  schemes: string[];
  /** An address a user can start from, e.g. `rda://127.0.0.1:51244`. */
  example: string;
  /** Parameters of a real device's URI, and of its simulator's `sim:` URI. */
  options: UriOption[];
  simulatorOptions: UriOption[];
  /** Checks a URI of this family (or a `sim:` URI for its simulator) and says what is wrong. */
  validate(uri: DeviceUri): void;
  createSource(uri: DeviceUri, options: SourceOptions): Source;
  /** Starts this family's simulator as `sim:<id>?…` describes. */
  simulate(uri: DeviceUri): Promise<RunningSimulator>;
}

const RDA_FLOAT_PORT = 51244;

/** A `sim:rda?…` URI as simulator options; every parameter is checked here, where it was typed. */
function rdaSimulatorOptions(uri: DeviceUri): RdaSimulatorOptions {
  const channels = numberParam(uri, 'channels', 8, 1, 65535);
  const rate = numberParam(uri, 'rate', 1000, 1, 10_000_000);
  let speed: number;
  try {
    speed = parseSpeed(uri.params.get('speed'));
  } catch (error) {
    throw new UriError(uri.text, `parameter ${(error as Error).message}`);
  }
  const format = uri.params.get('format') ?? 'float32';
  if (format !== 'float32' && format !== 'int16') throw new UriError(uri.text, `parameter format="${format}" is not float32 or int16`);
  const file = uri.params.get('file');
  return { source: file ? { kind: 'file', path: file } : { kind: 'synthetic', channels, rate }, format, speed, port: 0 };
}

const rda: Family = {
  id: 'rda',
  label: 'BrainVision RDA',
  schemes: ['rda'],
  example: 'rda://127.0.0.1:51244',
  options: [],
  simulatorOptions: [
    { key: 'channels', description: 'synthetic channels (sines and noise)', example: '8' },
    { key: 'rate', description: 'frames per second', example: '1000' },
    { key: 'format', description: 'float32 or int16 on the wire', example: 'float32' },
    { key: 'speed', description: 'times real time, or max', example: '1' },
    { key: 'file', description: 'a BrainVision .vhdr to replay instead', example: '/path/to/eeg.vhdr' },
  ],
  validate(uri) {
    if (uri.scheme === 'sim') rdaSimulatorOptions(uri);
    else if (!uri.host) throw new UriError(uri.text, 'no host (expected rda://HOST:PORT, e.g. rda://127.0.0.1:51244)');
  },
  createSource(uri, options) {
    return new RdaSource({ host: uri.host, port: uri.port ?? RDA_FLOAT_PORT, backoffS: options.backoffS });
  },
  async simulate(uri) {
    const simulator = new RdaSimulator(rdaSimulatorOptions(uri));
    const port = await simulator.start();
    // sentAt follows the first client only: the session that started this simulator.
    return { uri: `rda://127.0.0.1:${port}`, stop: () => simulator.stop(), sentAt: (frame) => simulator.sentAt(frame) };
  },
};

export const FAMILIES: readonly Family[] = [rda, servomex, audio];

export function familyOf(uri: DeviceUri): Family {
  const id = uri.scheme === 'sim' ? uri.path : undefined;
  const family = FAMILIES.find((f) => (id ? f.id === id : f.schemes.includes(uri.scheme)));
  if (!family) {
    if (id !== undefined) throw new UriError(uri.text, `no simulator called "${id}" (known: ${FAMILIES.map((f) => `sim:${f.id}`).join(', ')})`);
    throw new UriError(uri.text, `unknown scheme "${uri.scheme}:" (known: ${FAMILIES.flatMap((f) => f.schemes).join(', ')}, sim)`);
  }
  return family;
}

/** Parses and validates a device URI; throws a UriError naming the wrong part. */
export function resolveDevice(text: string): { uri: DeviceUri; family: Family } {
  const uri = parseDeviceUri(text);
  const family = familyOf(uri);
  family.validate(uri);
  return { uri, family };
}

export function createSource(text: string, options: SourceOptions = {}): Source {
  const { uri, family } = resolveDevice(text);
  if (uri.scheme === 'sim') throw new UriError(text, 'a simulator must be started before a source can connect to it');
  return family.createSource(uri, options);
}
