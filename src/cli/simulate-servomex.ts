// `labscope simulate servomex [--mode ascii|modbus-tcp|modbus-rtu] …` (or "sim:servomex?…"): a
// simulated SERVOPRO 4100 in the foreground until Ctrl+C; prints the URI that records from it.
import { resolveDevice } from '../devices/index';
import { args, UsageError } from './args';

const PARAMS = ['mode', 'period', 'corrupt', 'units', 'rate', 'baud'] as const;

export async function simulateServomex(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv, Object.fromEntries(PARAMS.map((p) => [p, { type: 'string' as const }])));
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const base = positionals[0] === 'servomex' ? 'sim:servomex' : positionals[0];
  const flags = values as Record<string, string | undefined>;
  const query = PARAMS.filter((p) => flags[p] !== undefined).map((p) => `${p}=${encodeURIComponent(flags[p]!)}`);
  let device;
  try {
    device = resolveDevice(query.length ? `${base}${base.includes('?') ? '&' : '?'}${query.join('&')}` : base);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const simulator = await device.family.simulate(device.uri);
  console.log(`Servomex simulator running; record from it with: labscope record "${simulator.uri}" --out FILE.csv`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.stop();
  return 0;
}
