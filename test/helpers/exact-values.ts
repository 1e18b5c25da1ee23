// Values that must reach a float64 recording unchanged and that float32 cannot hold: int32 and
// uint32 extremes (bit 31 set), integers past 2^24, 2^53, doubles with no short binary form, a
// double's extremes and subnormals, NaN, ±Infinity and -0.
export const FLOAT64_ONLY: readonly number[] = [
  -2147483648,
  2147483647,
  2147483648,
  4294967295,
  16777217,
  2 ** 53,
  -(2 ** 53) + 1,
  0.1,
  1 / 3,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2.2250738585072014e-308,
  1e300,
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
];
