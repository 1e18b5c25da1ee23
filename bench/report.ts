// Every benchmark prints our figure, a baseline measured in the same run, and the ratio.
export interface Row {
  name: string;
  ours: number;
  baseline: number;
  baselineName: string;
  unit: string;
  /** The ratio the issue asks for (ours / baseline), when there is one. */
  target?: number;
  note?: string;
}

export function printRows(title: string, rows: Row[]): void {
  console.log(`\n## ${title}`);
  for (const r of rows) {
    const ratio = r.ours / r.baseline;
    const verdict =
      r.target === undefined ? '' : ratio >= r.target ? `  (target ≥ ${r.target}×: met)` : `  (target ≥ ${r.target}×: MISSED)`;
    console.log(
      `${r.name}: ${fmt(r.ours)} ${r.unit}  vs ${r.baselineName}: ${fmt(r.baseline)} ${r.unit}  → ${ratio.toFixed(2)}×${verdict}${r.note ? `  [${r.note}]` : ''}`,
    );
  }
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}

/** Runs `fn` repeatedly for about `ms` and returns calls per second (best of 3 rounds). */
export function rate(fn: () => void, ms = 400): number {
  for (let i = 0; i < 50; i++) fn();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < ms * 1e6) {
      for (let i = 0; i < 20; i++) fn();
      calls += 20;
      elapsed = Number(process.hrtime.bigint() - start);
    }
    best = Math.max(best, calls / (elapsed / 1e9));
  }
  return best;
}

/** CPU seconds (user + system, every thread of the process) of one call: steadier than wall time on the shared VM. */
export function cpuSeconds(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}
