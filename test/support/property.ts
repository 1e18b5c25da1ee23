// Property tests and fuzzing of the TypeScript parsers with fast-check (the native ones use
// libFuzzer: native/test/run.sh). Every run is seeded, so a failure names the seed and path that
// replay it, and fast-check shrinks the failing input before reporting it.
//
//   FUZZ_SEED     the seed (an integer, as fast-check prints it; 0x… hex too), default DEFAULT_SEED
//   FUZZ_PATH     with FUZZ_SEED: replay one counterexample (run only its test: --test-name-pattern)
//   FUZZ_SECONDS  the fuzz properties of the unit suite run this long together, split by FUZZ_SHARES;
//                 unset, each does a fixed number of runs (quick, for `npm run test:unit`)
//   FUZZ_RUNS     each fuzz property runs exactly this many cases, whatever the time (the budgets of
//                 `npm run fuzz -- --long`: 100000 each); takes precedence over FUZZ_SECONDS
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import fc from 'fast-check';

/** The default seed: every run without FUZZ_SEED tries the same inputs. */
export const DEFAULT_SEED = 0x5eed;

function envInteger(name: string): number | undefined {
  const text = process.env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name}="${text}" is not an integer`);
  return value;
}

export const SEED = envInteger('FUZZ_SEED') ?? DEFAULT_SEED;
const REPLAY_PATH = process.env.FUZZ_PATH?.trim() || undefined;
/** FUZZ_PATH is set: each property runs just the one case it names. */
export const REPLAYING = REPLAY_PATH !== undefined;
const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 0) || 0;
const FUZZ_RUNS = envInteger('FUZZ_RUNS');
if (FUZZ_RUNS !== undefined && FUZZ_RUNS < 1) throw new Error(`FUZZ_RUNS=${FUZZ_RUNS}: give a number of runs ≥ 1`);

/**
 * Every fuzz property of the unit suite and its share of FUZZ_SECONDS. The shares add up to 1, so
 * all of them together fuzz for FUZZ_SECONDS at most (.ci/run sets 60, which native/test/run.sh
 * also gives the libFuzzer target).
 */
export const FUZZ_SHARES = {
  'servomex continuous frames': 0.25,
  'wav files': 0.25,
  'rda messages': 0.25,
  'npy headers': 0.25,
} as const;

export type FuzzTarget = keyof typeof FUZZ_SHARES;

/** Seed (and replay path) of every property run. */
function base<T>(): fc.Parameters<T> {
  // The predicate's error goes into the report: the test runner does not print an Error's cause.
  return { seed: SEED, includeErrorInReport: true, ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}) };
}

/** An ordinary property: `numRuns` runs, seeded. */
export function propertyParameters<T>(numRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  return { ...base<T>(), numRuns, ...extra };
}

/** A fuzz property: `runs` runs, or with FUZZ_SECONDS as many as fit in its share of them. */
export function fuzzParameters<T>(target: FuzzTarget, runs: number): fc.Parameters<T> {
  if (FUZZ_RUNS !== undefined) return { ...base<T>(), numRuns: FUZZ_RUNS };
  if (!(FUZZ_SECONDS > 0)) return { ...base<T>(), numRuns: runs };
  const ms = Math.max(1, Math.round(FUZZ_SHARES[target] * FUZZ_SECONDS * 1000));
  // Running out of time is the normal end of the run, not a failure.
  return { ...base<T>(), numRuns: Number.MAX_SAFE_INTEGER, plugins: [fc.interruptAfterTimeLimit(ms, { failOnInterrupt: false })] };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const regexQuote = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * Runs `property`; on failure throws fast-check's report (seed, path, the shrunk counterexample,
 * the predicate's error as the cause) plus the command that replays just that case. Returns the
 * number of runs, and notes it and the seed in the test's output.
 */
export function checkProperty<T>(t: TestContext, property: fc.IProperty<T>, parameters: fc.Parameters<T>): number {
  const details = fc.check(property, parameters);
  if (details.failed) {
    const file = path.relative(process.cwd(), process.argv[1] ?? '<test file>');
    const replay =
      details.counterexamplePath === null
        ? ''
        : `\nReplay just this case: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} ` +
          `node --import tsx --test --test-name-pattern=${shellQuote(`^${regexQuote(t.name)}$`)} ${file}`;
    throw new Error(`${fc.defaultReportMessage(details)}${replay}`, { cause: details.errorInstance ?? undefined });
  }
  t.diagnostic(`${details.numRuns} runs${details.interrupted ? ' (time limit)' : ''}, seed ${details.seed}`);
  return details.numRuns;
}

/** No input may take this long (a synchronous hang cannot be interrupted, but a slow path shows). */
const SLOW_INPUT_MS = 1000;

/**
 * Runs a fuzz property with its target's settings (see FUZZ_SHARES): `predicate` throws on a real
 * bug (a crash, an invariant broken), and no input may take a second. Returns the number of runs.
 */
export function fuzz<T>(
  t: TestContext,
  target: FuzzTarget,
  arbitrary: fc.Arbitrary<T>,
  predicate: (input: T) => void,
  runs = 10_000,
): number {
  const timed = (input: T) => {
    const started = performance.now();
    predicate(input);
    const ms = performance.now() - started;
    if (ms > SLOW_INPUT_MS) throw new Error(`one input took ${Math.round(ms)} ms (more than ${SLOW_INPUT_MS} ms)`);
  };
  return checkProperty(t, fc.property(arbitrary, timed), fuzzParameters<[T]>(target, runs));
}

// ---------------------------------------------------------------------------------------------
// Mutations of valid inputs. Each is data, so fast-check shrinks a failing input by dropping
// mutations (towards the valid seed it came from), moving them to the start and making them smaller.

/** Bytes that mean something to a parser: extremes, line ends, ';', space, digits, letters of ids. */
const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x0a, 0x0d, 0x3b, 0x20, 0x2d, 0x2e, 0x30, 0x39, 0x41, 0x66];
/** Sizes and counts that break arithmetic, as 16- and 32-bit integers in either byte order. */
const INTERESTING_INTS = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** A position as a fraction of the input (0 … POSITIONS-1 ↦ 0 … length), so it survives shrinking of the rest. */
const POSITIONS = 0x10000;
const position = fc.integer({ min: 0, max: POSITIONS - 1 });
const at = (p: number, length: number) => Math.floor((p * (length + 1)) / POSITIONS);

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; from: number; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'splice'; seed: number; from: number; at: number; length: number; replace: number }
  | { op: 'int'; at: number; value: number; width: 2 | 4; bigEndian: boolean };

function mutation(seeds: number): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({
      op: fc.constant('set' as const),
      at: position,
      value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })),
    }),
    fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8, size: 'max' }) }),
    fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ op: fc.constant('duplicate' as const), from: position, at: position, length: fc.integer({ min: 1, max: 32 }) }),
    fc.record({ op: fc.constant('truncate' as const), at: position }),
    fc.record({
      op: fc.constant('splice' as const),
      seed: fc.integer({ min: 0, max: seeds - 1 }),
      from: position,
      at: position,
      length: fc.integer({ min: 1, max: 64 }),
      replace: fc.integer({ min: 0, max: 8 }),
    }),
    fc.record({
      op: fc.constant('int' as const),
      at: position,
      value: fc.constantFrom(...INTERESTING_INTS),
      width: fc.constantFrom(4 as const, 2 as const),
      bigEndian: fc.boolean(),
    }),
  );
}

/** `input` with one mutation applied (a new array; `seeds` are what a splice takes from). */
function applyMutation(input: Uint8Array, m: Mutation, seeds: readonly Uint8Array[]): Uint8Array {
  const bytes = Array.from(input);
  const n = bytes.length;
  switch (m.op) {
    case 'flip':
      if (n) bytes[at(m.at, n - 1)] ^= 1 << m.bit;
      break;
    case 'set':
      if (n) bytes[at(m.at, n - 1)] = m.value;
      break;
    case 'insert':
      bytes.splice(at(m.at, n), 0, ...m.bytes);
      break;
    case 'delete':
      bytes.splice(at(m.at, n), m.length);
      break;
    case 'duplicate': {
      const from = at(m.from, n);
      bytes.splice(at(m.at, n), 0, ...bytes.slice(from, from + m.length));
      break;
    }
    case 'truncate':
      bytes.length = at(m.at, n);
      break;
    case 'splice': {
      const other = seeds[m.seed] ?? input;
      const from = at(m.from, other.length);
      bytes.splice(at(m.at, n), m.replace, ...other.subarray(from, from + m.length));
      break;
    }
    case 'int':
      if (n >= m.width) {
        const where = at(m.at, n - m.width);
        for (let i = 0; i < m.width; i++) {
          const shift = 8 * (m.bigEndian ? m.width - 1 - i : i);
          bytes[where + i] = Math.floor(m.value / 2 ** shift) & 0xff;
        }
      }
  }
  return Uint8Array.from(bytes);
}

/** `m` as applied to an input of `length` bytes: positions as byte offsets, values in hex. */
function describeMutation(m: Mutation, length: number, seeds: readonly Uint8Array[]): string {
  const offset = (p: number, n = length) => `@${at(p, n)}`;
  const hex = (v: number) => `0x${v.toString(16)}`;
  switch (m.op) {
    case 'flip':
      return `flip bit ${m.bit} ${offset(m.at, length - 1)}`;
    case 'set':
      return `set ${hex(m.value)} ${offset(m.at, length - 1)}`;
    case 'insert':
      return `insert ${Buffer.from(m.bytes).toString('hex')} ${offset(m.at)}`;
    case 'delete':
      return `delete ${m.length} ${offset(m.at)}`;
    case 'duplicate':
      return `copy ${m.length} from ${offset(m.from)} to ${offset(m.at)}`;
    case 'truncate':
      return `truncate ${offset(m.at)}`;
    case 'splice':
      return `splice ${m.length} of corpus[${m.seed}] from ${offset(m.from, seeds[m.seed]?.length ?? 0)} over ${m.replace} ${offset(m.at)}`;
    case 'int':
      return `u${8 * m.width}${m.bigEndian ? 'be' : 'le'} ${hex(m.value)} ${offset(m.at, length - m.width)}`;
  }
}

/** `bytes` printed in a counterexample as a Buffer expression, with how it was made. */
function printable(bytes: Uint8Array, how: string): Uint8Array {
  Object.defineProperty(bytes, fc.toStringMethod, {
    value: () => `Buffer.from("${Buffer.from(bytes).toString('hex')}", "hex") /* ${how} */`,
  });
  return bytes;
}

export interface MutantOptions {
  /** Most mutations stacked on one seed input (default 6). */
  maxMutations?: number;
  /**
   * Makes a mutant pass a check that would refuse nearly every one (a checksum, say), so the
   * fuzzer gets past it to the rest of the parser; applied to half of the mutants.
   */
  repair?: (bytes: Uint8Array) => Uint8Array;
}

/** One of `seeds` (the corpus of valid inputs) with up to `maxMutations` mutations: bit flips, interesting bytes and integers, insertions, deletions, duplications, truncations and splices. */
export function mutants(seeds: readonly Uint8Array[], options: MutantOptions = {}): fc.Arbitrary<Uint8Array> {
  if (!seeds.length) throw new Error('mutants() needs at least one seed input');
  const { repair } = options;
  return fc
    .tuple(
      fc.integer({ min: 0, max: seeds.length - 1 }),
      fc.array(mutation(seeds.length), { maxLength: options.maxMutations ?? 6, size: 'max' }),
      repair ? fc.boolean() : fc.constant(false),
    )
    .map(([seed, mutations, repaired]) => {
      let bytes: Uint8Array = Uint8Array.from(seeds[seed]);
      const how = [`corpus[${seed}]`];
      for (const m of mutations) {
        how.push(describeMutation(m, bytes.length, seeds));
        bytes = applyMutation(bytes, m, seeds);
      }
      if (repaired && repair) {
        bytes = Uint8Array.from(repair(bytes));
        how.push('repaired');
      }
      return printable(bytes, how.join(', '));
    });
}

/** Fully random bytes, up to `maxLength` long. */
export function randomBytes(maxLength = 512): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength, size: 'max' }).map((bytes) => printable(bytes, 'random bytes'));
}

/** What a parser is fuzzed with: mostly mutants of `seeds`, and one input in five fully random bytes. */
export function fuzzInputs(
  seeds: readonly Uint8Array[],
  options: MutantOptions & { maxRandomLength?: number } = {},
): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ arbitrary: mutants(seeds, options), weight: 4 }, { arbitrary: randomBytes(options.maxRandomLength), weight: 1 });
}
