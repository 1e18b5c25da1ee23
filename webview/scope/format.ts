// Numbers as a person reads them on a scope: the latest value of each lane, in a width that does
// not jump as the digits change (five significant digits, exponent only when very large or small).

/** `v` with five significant digits, or an exponent outside 0.001 ≤ |v| < 1e6; '—' for none. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6 || a < 1e-3) return v.toExponential(3);
  // Below 1e5, five digits keep the decimals a steady reading has; above, whole numbers.
  return a >= 1e5 ? v.toFixed(0) : v.toPrecision(5);
}

/** The value with its unit, as the lane shows it: `20.930 %`, `-12.500 µV`, `3.0000` without one. */
export function valueWithUnit(v: number | null | undefined, unit: string): string {
  const text = formatValue(v);
  return unit && text !== '—' ? `${text} ${unit}` : text;
}
