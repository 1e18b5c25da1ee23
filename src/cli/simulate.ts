// `labscope simulate <family> [--<param> VALUE …] [--host H]` (or `labscope simulate "sim:<family>?…"`):
// any registered family's simulator in the foreground until Ctrl+C. The flags are the family's
// simulator parameters, declared once in its family.ts, so the CLI, `sim:` URIs and Add Device
// accept exactly the same things.
import type { Family } from '../core/family';
import { families } from '../core/registry';
import { parseDeviceUri, UriError } from '../core/uri';
import { args, HelpRequested, UsageError } from './args';

export async function simulate(argv: string[]): Promise<number> {
  const first = argv[0];
  const registry = families();
  if (first === '--help' || first === '-h') throw new HelpRequested(`usage: labscope simulate <family> [options]\n\n${simulateUsage()}`);
  if (first === undefined || first.startsWith('-'))
    throw new UsageError(`simulate needs a family: labscope simulate <${registry.list.map((f) => f.id).join('|')}> …`);
  const base = first.startsWith('sim:') ? first : `sim:${first}`;
  let family: Family;
  try {
    family = registry.of(parseDeviceUri(base));
  } catch (error) {
    throw new UsageError(
      error instanceof UriError
        ? `no simulator for "${first}" (available: ${registry.list.map((f) => f.id).join(', ')})`
        : (error as Error).message,
    );
  }
  const options = Object.fromEntries([
    ...family.simulatorParams.map((p) => [p.key, { type: 'string' as const }]),
    ['host', { type: 'string' as const }],
  ]);
  const { values, positionals } = args(argv.slice(1), options, {
    name: `simulate ${family.id}`,
    usage: () =>
      `usage: labscope simulate ${family.id} [options]\n\n  ${family.label} simulator, in the foreground until Ctrl+C.\n\noptions:\n${simulateUsage(family)}`,
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const flags = values as Record<string, string | undefined>;
  const given = new Map(parseDeviceUri(base).params);
  for (const p of family.simulatorParams) if (flags[p.key] !== undefined) given.set(p.key, flags[p.key]!);
  for (const p of family.simulatorParams) {
    const fallback = given.has(p.key) ? undefined : family.cliDefault?.(p.key, given);
    if (fallback !== undefined) given.set(p.key, fallback);
  }
  const query = [...given].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const uri = `sim:${family.id}${query ? `?${query}` : ''}`;
  let resolved;
  try {
    resolved = registry.resolve(uri);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const simulator = await family.simulate(resolved.uri, { host: flags.host });
  console.log(
    `${family.label} simulator running${simulator.description ? ` (${simulator.description})` : ''}; connect with ${simulator.uri}`,
  );
  console.log(`record from it with: labscope record "${simulator.uri}" --out FILE.npy`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.stop();
  return 0;
}

/** The usage lines of every family's simulator (or one's), from their declared parameters. */
export function simulateUsage(only?: Family): string {
  return (only ? [only] : families().list)
    .map((family) => {
      const flags = family.simulatorParams.map((p) => `[--${p.key} ${p.example}]`).join(' ');
      const details = family.simulatorParams.map(
        (p) =>
          `      --${p.key.padEnd(13)}${p.description}${p.default !== undefined ? ` (default ${family.cliDefault?.(p.key, new Map()) ?? p.default})` : ''}`,
      );
      return [`  simulate ${family.id} ${flags} [--host H]`, ...details].join('\n');
    })
    .join('\n');
}
