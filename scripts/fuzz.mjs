// `npm run fuzz`: every fuzzer, with a budget (issue 16, item 4).
//   npm run fuzz              short: the native fuzzers (RDA decoder, Moku number arrays) for FUZZ_SECONDS (default 30) and the
//                             TypeScript parsers' fuzz properties at their default runs (as CI)
//   npm run fuzz -- --long    the budgets: each native fuzzer for 10 000 000 inputs (libFuzzer,
//                             ASan+UBSan), every TypeScript parser for 100 000 cases (FUZZ_RUNS)
// FUZZ_SEED picks the TypeScript inputs (see test/support/property.ts). Prints what ran and how
// many inputs each got; exits 1 on any crash or broken property.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({ options: { long: { type: 'boolean', default: false } } });
const NATIVE_RUNS = 10_000_000;
const TS_RUNS = 100_000;
// The test files holding the fuzz properties (fuzz() of test/support/property.ts).
const TS_FUZZ_FILES = ['test/unit/servomex-continuous.test.ts', 'test/unit/audio-wav.test.ts', 'test/unit/rda-npy-fuzz.test.ts'];

const failed = [];
const report = [];

console.log(`== native fuzzers under libFuzzer (${values.long ? `${NATIVE_RUNS} inputs` : `${process.env.FUZZ_SECONDS ?? 30} s`})`);
const started = Date.now();
const native = spawnSync('bash', ['native/test/run.sh', 'fuzz'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...(values.long ? { FUZZ_RUNS: String(NATIVE_RUNS) } : {}) },
});
// run.sh runs every native fuzzer in turn, each with its own log: RDA decoder first, then the
// Moku number-array parser; each must reach the budget.
const logs = { 'native RDA decoder': 'rda_fuzzer.log', 'native number-array parser (Moku)': 'number_array_fuzzer.log' };
const seconds = ((Date.now() - started) / 1000).toFixed(0);
for (const [name, file] of Object.entries(logs)) {
  const log = path.join(root, 'native', 'test', 'build-fuzz', file);
  const fresh = fs.existsSync(log) && fs.statSync(log).mtimeMs >= started;
  const executed = fresh ? /stat::number_of_executed_units:\s*(\d+)/.exec(fs.readFileSync(log, 'utf8'))?.[1] : undefined;
  report.push(`${name}: ${executed ?? 'no'} inputs${executed ? '' : ' (it did not run to its end)'}`);
  if (values.long && !(Number(executed) >= NATIVE_RUNS)) failed.push(`${name} ran ${executed ?? 'no'} < ${NATIVE_RUNS} inputs`);
}
report.push(`native fuzzers: ${seconds} s, ${native.status === 0 ? '0 crashes' : 'FAILED'}`);
if (native.status !== 0) failed.push('native fuzzers');

console.log(`\n== TypeScript parsers (${values.long ? `${TS_RUNS} cases each` : 'default runs'})`);
const ts = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-name-pattern=^fuzz', ...TS_FUZZ_FILES],
  { cwd: root, encoding: 'utf8', env: { ...process.env, ...(values.long ? { FUZZ_RUNS: String(TS_RUNS) } : {}) } },
);
process.stdout.write(ts.stdout);
process.stderr.write(ts.stderr);
// Each property notes "N runs, seed S" in its test's output (TAP: a "#" line inside its subtest).
let subtest = 'a fuzz property';
let properties = 0;
for (const line of ts.stdout.split('\n')) {
  const named = /^\s*# Subtest: (.*)$/.exec(line);
  if (named) subtest = named[1];
  const runs = /^\s*# (\d+) runs(?: \(time limit\))?, seed (\S+)/.exec(line);
  if (!runs) continue;
  properties++;
  report.push(`${subtest}: ${runs[1]} cases (seed ${runs[2]})`);
  if (values.long && Number(runs[1]) < TS_RUNS) failed.push(`"${subtest}" ran ${runs[1]} < ${TS_RUNS} cases`);
}
if (properties < TS_FUZZ_FILES.length) failed.push(`only ${properties} fuzz properties reported their runs`);
if (ts.status !== 0) failed.push('TypeScript fuzz properties');

console.log('\n== fuzz budgets');
for (const r of report) console.log(`  ${r}`);
if (failed.length) {
  console.error(`fuzz FAILED: ${failed.join('; ')}`);
  process.exitCode = 1;
} else console.log('fuzz passed');
