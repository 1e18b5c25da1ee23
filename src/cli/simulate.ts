// `labscope simulate <family>`: runs a simulator in the foreground until Ctrl+C.
import { parseSpeed, RdaSimulator } from '../devices/rda/simulator';
import { args, positiveNumber, UsageError } from './args';
import { simulateAudio } from './simulate-audio';
import { simulateServomex } from './simulate-servomex';

const RDA_PORTS = { float32: 51244, int16: 51234 } as const;

export async function simulate(argv: string[]): Promise<number> {
  if (argv[0] === 'audio' || argv[0]?.startsWith('sim:audio')) return simulateAudio(argv);
  if (argv[0] === 'servomex' || argv[0]?.startsWith('sim:servomex')) return simulateServomex(argv);
  const { values, positionals } = args(argv, {
    file: { type: 'string' },
    channels: { type: 'string' },
    rate: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    speed: { type: 'string' },
    format: { type: 'string' },
    seconds: { type: 'string' },
    'block-frames': { type: 'string' },
  });
  const family = positionals[0];
  if (family !== 'rda') throw new UsageError(family ? `no simulator for "${family}" (available: rda, audio, servomex)` : 'simulate needs a family: labscope simulate rda …');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const format = values.format ?? 'float32';
  if (format !== 'float32' && format !== 'int16') throw new UsageError(`--format must be float32 or int16, got "${format}"`);
  if (values.file && (values.channels || values.rate)) throw new UsageError('--file replays a recording: it cannot be combined with --channels or --rate');
  const speed = (() => {
    try {
      return parseSpeed(values.speed);
    } catch (error) {
      throw new UsageError(`--${(error as Error).message}`);
    }
  })();
  const channels = Math.round(positiveNumber(values.channels, '--channels') ?? 8);
  const rate = positiveNumber(values.rate, '--rate') ?? 1000;
  const seconds = positiveNumber(values.seconds, '--seconds');
  const port = values.port === undefined ? RDA_PORTS[format] : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got "${values.port}"`);
  const blockFrames = positiveNumber(values['block-frames'], '--block-frames');

  const simulator = new RdaSimulator({
    source: values.file ? { kind: 'file', path: values.file } : { kind: 'synthetic', channels, rate, seconds },
    format,
    speed,
    port,
    host: values.host,
    blockFrames: blockFrames === undefined ? undefined : Math.round(blockFrames),
  });
  const bound = await simulator.start();
  const what = values.file ? `replaying ${values.file}` : `synthetic ${channels} channels at ${rate} Hz`;
  console.log(`RDA simulator listening on ${values.host ?? '127.0.0.1'}:${bound} (${format}, ${what}, speed ${speed === Infinity ? 'max' : speed}); connect with rda://${values.host ?? '127.0.0.1'}:${bound}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.stop();
  return 0;
}
