// `labscope simulate audio …` (or `labscope simulate "sim:audio?…"`): a raw PCM server in the
// foreground until Ctrl+C, streaming a WAV's samples or a tone at the real rate.
import { parseDeviceUri } from '../core/uri';
import { parseAudioSimulatorUri } from '../devices/audio/audio-uri';
import { AudioSimulator } from '../devices/audio/simulator';
import { args, UsageError } from './args';

/** The seed's example socket (Stream(("mymachine", 4155))). */
const DEFAULT_PORT = 4155;
const PARAMS = ['file', 'freq', 'rate', 'channels', 'encoding', 'width', 'endian', 'seconds'] as const;

export async function simulateAudio(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv, {
    ...Object.fromEntries(PARAMS.map((p) => [p, { type: 'string' as const }])),
    port: { type: 'string' },
    host: { type: 'string' },
  });
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const base = positionals[0] === 'audio' ? 'sim:audio' : positionals[0];
  const flags = values as Record<string, string | undefined>;
  const query = PARAMS.filter((p) => flags[p] !== undefined).map((p) => `${p}=${encodeURIComponent(flags[p]!)}`);
  let spec;
  try {
    if (flags.port === undefined && !parseDeviceUri(base).params.has('port')) query.push(`port=${DEFAULT_PORT}`);
    else if (flags.port !== undefined) query.push(`port=${encodeURIComponent(flags.port)}`);
    spec = parseAudioSimulatorUri(parseDeviceUri(`${base}${base.includes('?') ? '&' : '?'}${query.join('&')}`));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const simulator = new AudioSimulator({ spec, host: flags.host });
  const bound = await simulator.start();
  const f = simulator.format;
  const what = spec.kind === 'file' ? `streaming ${spec.file}` : `a ${spec.freq} Hz tone`;
  console.log(`audio simulator listening on ${flags.host ?? '127.0.0.1'}:${bound} (${what}, ${f.channels} ch, ${f.rate} Hz, ${f.encoding} ${f.width * 8}-bit); connect with ${simulator.uri(bound)}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.stop();
  return 0;
}
