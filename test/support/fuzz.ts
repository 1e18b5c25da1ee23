// A small mutation fuzzer for parsers written in TypeScript (the native ones use libFuzzer). It
// is seeded, so a failure prints the seed and iteration that reproduce it; FUZZ_SECONDS (set by
// CI) lengthens the run, otherwise it does a fixed number of iterations.

/** mulberry32: small, fast, and good enough to drive mutations reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One random edit of `input`: flip, overwrite, insert, delete, duplicate, truncate or splice. */
export function mutate(input: Uint8Array, random: () => number, corpus: readonly Uint8Array[] = []): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const bytes = Array.from(input);
  const interesting = [0, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x3b, 0x20, 0x30, 0x39];
  switch (int(8)) {
    case 0: // flip a bit
      if (bytes.length) bytes[int(bytes.length)] ^= 1 << int(8);
      break;
    case 1: // overwrite with an interesting byte
      if (bytes.length) bytes[int(bytes.length)] = interesting[int(interesting.length)];
      break;
    case 2: // insert random bytes
      bytes.splice(int(bytes.length + 1), 0, ...Array.from({ length: 1 + int(8) }, () => int(256)));
      break;
    case 3: // delete a run
      bytes.splice(int(bytes.length + 1), 1 + int(16));
      break;
    case 4: { // duplicate a run
      const at = int(bytes.length + 1);
      bytes.splice(int(bytes.length + 1), 0, ...bytes.slice(at, at + 1 + int(32)));
      break;
    }
    case 5: // truncate
      bytes.length = int(bytes.length + 1);
      break;
    case 6: { // splice in part of another input
      const other = corpus.length ? corpus[int(corpus.length)] : input;
      const at = int(other.length + 1);
      bytes.splice(int(bytes.length + 1), int(8), ...other.subarray(at, at + 1 + int(64)));
      break;
    }
    default: // a 32-bit little-endian extreme somewhere (sizes, counts)
      if (bytes.length >= 4) {
        const at = int(bytes.length - 3);
        const value = [0xffffffff, 0x7fffffff, 0x80000000, 0, 1][int(5)];
        for (let i = 0; i < 4; i++) bytes[at + i] = (value >>> (8 * i)) & 0xff;
      }
  }
  return Uint8Array.from(bytes);
}

export interface FuzzOptions {
  seed?: number;
  /** Iterations when FUZZ_SECONDS is not set. */
  iterations?: number;
  /** Mutations stacked per input. */
  depth?: number;
}

/**
 * Feeds mutated copies of `corpus` to `check`, which throws on a real bug (a crash, a hang, an
 * invariant broken); a parser refusing bad input with its own error is `check`'s business to
 * accept. Returns how many inputs were tried.
 */
export function fuzz(corpus: readonly Uint8Array[], check: (input: Uint8Array) => void, options: FuzzOptions = {}): number {
  const seed = options.seed ?? 0x5eed;
  const random = prng(seed);
  const seconds = Number(process.env.FUZZ_SECONDS ?? 0);
  const deadline = seconds > 0 ? Date.now() + seconds * 1000 : Infinity;
  const iterations = seconds > 0 ? Infinity : options.iterations ?? 20_000;
  let n = 0;
  for (; n < iterations && Date.now() < deadline; n++) {
    let input = corpus[Math.floor(random() * corpus.length)];
    const depth = 1 + Math.floor(random() * (options.depth ?? 4));
    for (let d = 0; d < depth; d++) input = mutate(input, random, corpus);
    try {
      check(input);
    } catch (error) {
      const bytes = Buffer.from(input).toString('hex');
      throw new Error(`fuzz seed ${seed}, iteration ${n}: ${(error as Error).message}\ninput (hex): ${bytes}`, { cause: error });
    }
  }
  return n;
}
