// How numbers read to a person: the status bar, the device tree and the CLI's progress line use
// these so one recording looks the same everywhere.

/** `00:12`, `12:03`, `1:02:03`: minutes and seconds, hours only when needed. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

/** Decimal units, as file managers show them: `812 B`, `3.1 KB`, `3.1 MB`, `1.20 GB`. */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/** `1 kHz`, `25 kHz`, `250 Hz`, `2.5 Hz`. */
export function rate(hz: number): string {
  if (hz >= 1000) return `${+(hz / 1000).toFixed(3)} kHz`;
  return `${+hz.toFixed(3)} Hz`;
}

/** `no data for 12 s` while a live source is silent (stats.silentS), else ''. */
export function silence(stats: { silentS?: number } | undefined): string {
  return stats?.silentS ? `no data for ${stats.silentS} s` : '';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A poll recorder's live summary (seed 001's field names, as in stats.source), in a few words:
 * `0 late · tick drift ≤ 0.4 ms · 1 disconnect`; undefined when the source is not polled. "Tick
 * drift": how late a poll ran against its slot, not the clock drift of the stream (driftMs).
 */
export function pollSummary(source: Record<string, unknown> | undefined): string | undefined {
  if (!source || typeof source.samples_late !== 'number') return undefined;
  const drift = typeof source.max_drift_ms === 'number' ? source.max_drift_ms : 0;
  const disconnects = typeof source.disconnects === 'number' ? source.disconnects : 0;
  return [`${source.samples_late} late`, `tick drift ≤ ${drift.toFixed(1)} ms`, disconnects ? plural(disconnects, 'disconnect') : '']
    .filter(Boolean)
    .join(' · ');
}

/** The same summary in full, one line, for tooltips and the CLI. */
export function pollSummaryDetail(source: Record<string, unknown> | undefined): string | undefined {
  if (!pollSummary(source)) return undefined;
  const s = source!;
  const ms = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} ms` : '–');
  return `polled: ${s.samples_emitted} batches, ${s.samples_late} late, max tick drift ${ms(s.max_drift_ms)}, tick p50 ${ms(s.tick_duration_ms_p50)} / p99 ${ms(s.tick_duration_ms_p99)}, ${plural(Number(s.disconnects), 'disconnect')}`;
}
