// Liquid Instruments Moku (Go, Lab, Pro, Delta) as a Labscope family: the REST API sets up a
// streaming instrument and mokucli bridges its stream (source.ts). URIs:
//   moku://192.168.73.1?instrument=datalogger&rate=1e4&channels=1,2&duration=60
//   moku://[fe80::1%eth0]?instrument=phasemeter&acquisition_speed=30Hz     (USB: link-local IPv6)
//   sim:moku?rate=1000&model=Moku:Pro&cli_version=4.0.3
import {
  choiceParam,
  listenPortParam,
  numberParam,
  positiveParam,
  readParams,
  textParam,
  valueOf,
  type Family,
  type Param,
} from '../../core/family';
import { resolvePathParam, UriError } from '../../core/uri';
import { MODELS, MokuSimulator, STREAMING_INSTRUMENTS, type MokuModel, type StreamingInstrument } from './simulator';
import { MokuSource } from './source';

/** `channels=1, 2` as input numbers 1-8; refuses repeats. */
export function parseChannels(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const channels = parts.map(Number);
  const bad = parts.find((p, i) => !/^\d+$/.test(p) || channels[i] < 1 || channels[i] > 8);
  if (bad !== undefined) throw new Error(`has "${bad}", not an input number from 1 to 8`);
  const twice = channels.find((c, i) => channels.indexOf(c) !== i);
  if (twice !== undefined) throw new Error(`names input ${twice} twice`);
  return channels;
}

/** Which instruments take which start_streaming settings (PROTOCOLS.md). */
const TAKES: Record<string, (i: StreamingInstrument) => boolean> = {
  rate: (i) => i !== 'phasemeter',
  channels: (i) => i === 'datalogger',
  acquisition_speed: (i) => i === 'phasemeter',
  mode: (i) => i !== 'phasemeter',
};

const params: Param[] = [
  choiceParam({
    key: 'instrument',
    description: 'the streaming instrument to run',
    example: 'datalogger',
    default: 'datalogger',
    choices: STREAMING_INSTRUMENTS,
  }),
  positiveParam({
    key: 'rate',
    description: 'samples per second to ask for; the Moku coerces it and the recording takes the rate it reports (not for the Phasemeter)',
    example: '1e4',
  }),
  {
    key: 'channels',
    description: 'Datalogger inputs to enable, the others disabled (default: as the Moku is set)',
    example: '1,2',
    parse: parseChannels,
  },
  positiveParam({
    key: 'duration',
    description: 'seconds the Moku streams before it ends the stream (EOS)',
    example: '60',
    default: '3600',
  }),
  textParam({
    key: 'mode',
    description: "Datalogger: its acquisition mode (Normal, Precision); LockInAmp, PID, filters, LaserLockBox: the stream's mode",
    example: 'Normal',
    nonEmpty: true,
  }),
  {
    key: 'acquisition_speed',
    description: 'Phasemeter: its acquisition speed (30Hz, 119Hz, 477Hz, 1.9kHz, 15.2kHz, 122kHz)',
    example: '30Hz',
    parse(text: string) {
      if (!/^\d+(\.\d+)?k?Hz$/.test(text.trim())) throw new Error('is not a speed such as 30Hz or 1.9kHz');
      return text.trim();
    },
  },
  choiceParam({
    key: 'impedance',
    description: 'input impedance of the enabled inputs (set_frontend)',
    example: '1MOhm',
    choices: ['1MOhm', '50Ohm'],
  }),
  choiceParam({
    key: 'coupling',
    description: 'input coupling of the enabled inputs (set_frontend)',
    example: 'DC',
    choices: ['DC', 'AC'],
  }),
  choiceParam({
    key: 'range',
    description: 'input range of the enabled inputs (set_frontend; which exist depends on the model)',
    example: '10Vpp',
    choices: ['400mVpp', '1Vpp', '4Vpp', '10Vpp', '40Vpp', '50Vpp'],
  }),
  textParam({
    key: 'trigger_source',
    description: 'start the stream on a trigger from this source (e.g. Input1)',
    example: 'Input1',
    nonEmpty: true,
  }),
  numberParam({ key: 'trigger_level', description: 'trigger level in volts', example: '0.1', min: -100, max: 100 }),
  numberParam({
    key: 'slot',
    description: 'the instrument slot in Multi-instrument Mode (1 when standalone)',
    example: '1',
    default: '1',
    min: 1,
    max: 8,
    integer: true,
  }),
  choiceParam({
    key: 'force_connect',
    description: 'take the Moku over from another client that holds it',
    example: 'false',
    default: 'false',
    choices: ['false', 'true'],
  }),
  textParam({
    key: 'mokucli',
    description: 'path to mokucli, before the setting labscope.mokucliPath, MOKU_CLI_PATH and PATH',
    example: '/opt/mokucli/mokucli',
    nonEmpty: true,
  }),
];

const simulatorParams: Param[] = [
  listenPortParam({ description: "port the simulated Moku's REST API listens on (0: any free one)", example: '0', default: '0' }),
  positiveParam({
    key: 'rate',
    description: 'samples per second the simulated session asks for (coerced as a device does)',
    example: '1000',
    default: '1000',
  }),
  positiveParam({ key: 'duration', description: 'seconds the simulated stream lasts before EOS', example: '3600', default: '3600' }),
  choiceParam({
    key: 'model',
    description: 'the Moku it pretends to be',
    example: 'Moku:Go',
    default: 'Moku:Go',
    choices: Object.keys(MODELS) as MokuModel[],
  }),
  textParam({
    key: 'cli_version',
    description: "what the mokucli stand-in's --version prints (4.0.3, or 2.x's 'mokucli 2.2.2')",
    example: '4.0.3',
    default: '4.0.3',
    nonEmpty: true,
  }),
  numberParam({
    key: 'listen_delay',
    description: 'seconds the stand-in takes before it listens',
    example: '0.3',
    default: '0.3',
    min: 0,
    max: 60,
  }),
  numberParam({
    key: 'crash_after',
    description: 'the stand-in dies without EOS after this many lines (0: never)',
    example: '0',
    default: '0',
    min: 0,
    max: 1e9,
    integer: true,
  }),
  numberParam({
    key: 'nan_every',
    description: 'every nth sample of ch1 is over range (nan; 0: none)',
    example: '0',
    default: '0',
    min: 0,
    max: 1e9,
    integer: true,
  }),
];

export const moku: Family = {
  id: 'moku',
  label: 'Liquid Instruments Moku',
  schemes: ['moku'],
  // The REST API is on port 80; a port is given only for a forwarded one.
  addresses: { moku: { kind: 'network' } },
  example: 'moku://192.168.73.1?instrument=datalogger&rate=1e4&channels=1,2',
  params,
  simulatorParams,
  check(uri) {
    if (uri.scheme === 'sim') return;
    if (!uri.host)
      throw new UriError(uri.text, 'no host (expected moku://IP, e.g. moku://192.168.73.1, moku://10.0.0.5:8090 or moku://[fe80::1%eth0])');
  },
  createSource(uri, options) {
    void options;
    const v = readParams(uri, params);
    const instrument = valueOf<StreamingInstrument>(v, 'instrument');
    const ignored = Object.keys(TAKES).filter((key) => uri.params.has(key) && !TAKES[key](instrument));
    return new MokuSource({
      host: uri.host,
      port: uri.port,
      instrument,
      slot: valueOf(v, 'slot'),
      rate: TAKES.rate(instrument) ? valueOf(v, 'rate') : undefined,
      channels: TAKES.channels(instrument) ? valueOf(v, 'channels') : undefined,
      duration: valueOf(v, 'duration'),
      mode: TAKES.mode(instrument) ? valueOf(v, 'mode') : undefined,
      acquisitionSpeed: TAKES.acquisition_speed(instrument) ? valueOf(v, 'acquisition_speed') : undefined,
      frontend: { impedance: valueOf(v, 'impedance'), coupling: valueOf(v, 'coupling'), range: valueOf(v, 'range') },
      triggerSource: valueOf(v, 'trigger_source'),
      triggerLevel: valueOf(v, 'trigger_level'),
      force: valueOf(v, 'force_connect') === 'true',
      mokucli: valueOf(v, 'mokucli'),
      ignored,
    });
  },
  resolvePaths(uri, baseDir) {
    // mokucli=PATH relative to the workspace folder (the CLI: the current directory); ~ stays for later.
    if (!/^moku:/i.test(uri.trim())) return uri.trim();
    return /[?&]mokucli=~/.test(uri) ? uri.trim() : resolvePathParam(uri, baseDir, 'mokucli');
  },
  async simulate(uri, options) {
    const v = readParams(uri, simulatorParams);
    const crash = valueOf<number>(v, 'crash_after');
    const model = valueOf<MokuModel>(v, 'model');
    const simulator = new MokuSimulator({
      host: options?.host,
      port: valueOf(v, 'port'),
      model,
      mokucliVersion: valueOf(v, 'cli_version'),
      nanEvery: valueOf(v, 'nan_every'),
      standIn: {
        listenDelayMs: valueOf<number>(v, 'listen_delay') * 1000,
        ...(crash > 0 ? { dieAfter: { lines: crash, code: 1 } } : {}),
      },
    });
    const port = await simulator.start();
    const rate = valueOf<number>(v, 'rate');
    return {
      uri: simulator.uri(port, { rate, duration: valueOf<number>(v, 'duration') }),
      description: `${model} Datalogger REST API on port ${port}, ch1 and ch2 asked at ${rate} Sa/s, mokucli stand-in ${simulator.mokucli}`,
      stop: () => simulator.stop(),
    };
  },
  recordingName(when) {
    // The moku package's stream_to_file() default: STREAM_<ddmmYYYYHHMMSS> (local time).
    const two = (n: number) => String(n).padStart(2, '0');
    return `STREAM_${two(when.getDate())}${two(when.getMonth() + 1)}${when.getFullYear()}${two(when.getHours())}${two(when.getMinutes())}${two(when.getSeconds())}`;
  },
  summaryLine(summary) {
    if (!summary.hardware) return undefined;
    return `${String(summary.hardware)} · MokuOS ${String(summary.mokuOS)} · mokucli ${String(summary.mokucli)}`;
  },
};
