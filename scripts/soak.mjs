// `npm run soak`: long recordings from every family's simulator (issue 16), three ways:
//   one      N sessions of every family in one process
//   each     the same sessions in one process each, all at once (eight `labscope record`s)
//   manager  one process again, through the DeviceManager as the extension uses it
// Every process (bench/soak.ts) records each session into an NPY for M minutes and samples its
// RSS, heap and main-thread event-loop delay every 10 s. Reported per session: frames expected
// and written (and what the file's header says), gaps, lost frames; per process: exit code and
// signal, memory and loop delay. After a warm-up (a third of the run, at least 60 s) RSS must stay
// within ±10 MB of its first sample after it. Exits 1 when anything fell short.
//
//   npm run soak                          8 × every family, 10 min, all three ways
//   npm run soak -- --short               1 × every family, 20 s (CI)
//   npm run soak -- --sessions 2 --minutes 3 --modes each --families rda,bela --asan
//   --asan      load an ASan+UBSan build of the addon (built into build/native-asan), runtime preloaded
//   --keep      keep the recordings (they are removed after each way is checked; 768 MB each at 64 ch × 5 kHz × 10 min)
//   --report F  write the whole report as JSON to F (default: soak-report.json in the output folder)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({
  options: {
    sessions: { type: 'string' },
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    every: { type: 'string' },
    modes: { type: 'string', default: 'one,each,manager' },
    families: { type: 'string' },
    short: { type: 'boolean', default: false },
    asan: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
    report: { type: 'string' },
  },
});

function positive(text, what) {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${what} must be a positive number, got "${text}"`);
  return n;
}

const perFamily = values.sessions !== undefined ? positive(values.sessions, '--sessions') : values.short ? 1 : 8;
if (!Number.isInteger(perFamily)) throw new Error(`--sessions must be a whole number, got ${perFamily}`);
const seconds =
  values.seconds !== undefined
    ? positive(values.seconds, '--seconds')
    : values.minutes !== undefined
      ? positive(values.minutes, '--minutes') * 60
      : values.short
        ? 20
        : 600;
const everyS = values.every !== undefined ? positive(values.every, '--every') : values.short ? 5 : 10;
const modes = values.modes.split(',');
for (const m of modes) if (!['one', 'each', 'manager'].includes(m)) throw new Error(`--modes: unknown way "${m}" (one, each, manager)`);
const out = values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-soak-'));
const reportPath = values.report ?? path.join(out, 'soak-report.json');
const WARMUP_S = Math.max(60, seconds / 3);
const FLAT_MB = 10;

/** Rates a lab would use: the RDA amplifier at 64 channels × 5 kHz; the other families' simulator defaults. */
const URI = { rda: 'sim:rda?channels=64&rate=5000' };

// The families registered now, so a new one is soaked without editing this file.
const listed = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '-e',
    "import('./src/devices/index.ts').then((m) => console.log(JSON.stringify((m.FAMILIES ?? m.default.FAMILIES).map((f) => f.id))))",
  ],
  { cwd: root, encoding: 'utf8' },
);
if (listed.status !== 0) throw new Error(`cannot list the families: ${listed.stderr}`);
const registered = JSON.parse(listed.stdout.trim().split('\n').pop());
const families = values.families ? values.families.split(',') : registered;
for (const f of families) if (!registered.includes(f)) throw new Error(`--families: "${f}" is not a family (${registered.join(', ')})`);
const targets = families.flatMap((f) =>
  Array.from({ length: perFamily }, (_, i) => ({ name: `${f}-${i + 1}`, uri: URI[f] ?? `sim:${f}` })),
);

const env = { ...process.env };
if (values.asan) {
  const build = path.join(root, 'build', 'native-asan');
  console.log(`building the addon with ASan+UBSan into ${path.relative(root, build)} …`);
  const made = spawnSync(
    'npx',
    [
      'cmake-js',
      'compile',
      '--directory',
      'native',
      '--out',
      build,
      '--CDLABSCOPE_SANITIZE=address,undefined',
      '--CDCMAKE_BUILD_TYPE=RelWithDebInfo',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (made.status !== 0) throw new Error('the ASan build of the addon failed');
  // Node itself is not instrumented: the sanitizer runtimes must be loaded before it starts.
  const runtime = (lib) => spawnSync('g++', [`-print-file-name=${lib}`], { encoding: 'utf8' }).stdout.trim();
  env.LD_PRELOAD = [runtime('libasan.so'), runtime('libubsan.so'), env.LD_PRELOAD].filter(Boolean).join(' ');
  env.ASAN_OPTIONS = `detect_leaks=0:abort_on_error=1${env.ASAN_OPTIONS ? `:${env.ASAN_OPTIONS}` : ''}`;
  env.UBSAN_OPTIONS = `halt_on_error=1:print_stacktrace=1${env.UBSAN_OPTIONS ? `:${env.UBSAN_OPTIONS}` : ''}`;
  env.LABSCOPE_NATIVE_ADDON = path.join(build, 'Release', 'labscope.node');
}

/** Runs one bench/soak.ts process; resolves with its samples, result, exit code and signal. */
function runProcess(label, dir, list, manager) {
  const args = [
    '--import',
    'tsx',
    path.join(root, 'bench', 'soak.ts'),
    '--out',
    dir,
    '--seconds',
    String(seconds),
    '--every',
    String(everyS),
  ];
  if (manager) args.push('--manager');
  args.push(...list.map((t) => `${t.name}=${t.uri}`));
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const samples = [];
  let result;
  let failure;
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      if (m.kind === 'sample') {
        samples.push(m);
        console.log(
          `  ${label} t=${String(m.t).padStart(4)} s  RSS ${m.rssMB} MB  heap ${m.heapMB} MB  loop p99 ${m.loopP99Ms} ms (max ${m.loopMaxMs})`,
        );
      } else if (m.kind === 'result') result = m.sessions;
      else if (m.kind === 'error') failure = m.message;
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ label, code, signal, samples, result, failure, stderr: stderr.slice(-4000) })),
  );
}

/** RSS after the warm-up stays within ±FLAT_MB of its first sample there; judged with 3 samples or more. */
function memoryVerdict(samples) {
  const after = samples.filter((s) => s.t >= WARMUP_S && !s.final);
  if (after.length < 3) return { judged: false, why: `run too short to judge (warm-up ${WARMUP_S} s, ${after.length} samples after it)` };
  const ref = after[0].rssMB;
  const min = Math.min(...after.map((s) => s.rssMB));
  const max = Math.max(...after.map((s) => s.rssMB));
  const flat = max - ref <= FLAT_MB && ref - min <= FLAT_MB;
  const heap = after.map((s) => s.heapMB);
  return { judged: true, flat, refMB: ref, minMB: min, maxMB: max, heapMinMB: Math.min(...heap), heapMaxMB: Math.max(...heap) };
}

const report = {
  started: new Date().toISOString(),
  node: process.version,
  cores: os.cpus().length,
  asan: values.asan,
  seconds,
  perFamily,
  ways: [],
};
let ok = true;
console.log(
  `soak: ${targets.length} sessions (${perFamily} × ${families.join(', ')}), ${seconds} s each, ways: ${modes.join(', ')}; output in ${out}`,
);
for (const mode of modes) {
  const dir = path.join(out, mode);
  console.log(
    `\n== ${mode}: ${mode === 'each' ? `${targets.length} processes of one session` : `one process of ${targets.length} sessions${mode === 'manager' ? ' through the DeviceManager' : ''}`}`,
  );
  const processes =
    mode === 'each'
      ? await Promise.all(targets.map((t) => runProcess(t.name, dir, [t], false)))
      : [await runProcess(mode, dir, targets, mode === 'manager')];
  const way = { mode, processes: [] };
  for (const p of processes) {
    const memory = memoryVerdict(p.samples);
    const loopMaxMs = Math.max(0, ...p.samples.map((s) => s.loopMaxMs));
    const loopP99Ms = Math.max(0, ...p.samples.map((s) => s.loopP99Ms));
    way.processes.push({
      label: p.label,
      code: p.code,
      signal: p.signal,
      memory,
      loopP99Ms,
      loopMaxMs,
      sessions: p.result,
      samples: p.samples,
    });
    const exited = p.code === 0 && p.signal === null;
    if (!exited || !p.result || (memory.judged && !memory.flat)) ok = false;
    console.log(
      `  ${p.label}: exit ${p.signal ?? p.code}; RSS ${memory.judged ? `${memory.minMB}–${memory.maxMB} MB after warm-up (${memory.flat ? 'flat' : `NOT flat within ±${FLAT_MB} MB of ${memory.refMB}`}), heap ${memory.heapMinMB}–${memory.heapMaxMB} MB` : memory.why}; loop delay p99 ≤ ${loopP99Ms} ms, max ${loopMaxMs} ms`,
    );
    if (p.failure) console.log(`  ${p.label} failed: ${p.failure}`);
    if (!exited && p.stderr) console.log(`  ${p.label} stderr:\n${p.stderr}`);
    for (const s of p.result ?? []) {
      const complete = !s.error && s.written === s.expected && s.inFile === s.written && s.lostFrames === 0;
      if (!complete) ok = false;
      console.log(
        `    ${complete ? 'ok  ' : 'FAIL'} ${s.name.padEnd(12)} ${s.channels} ch × ${s.rate} Hz: expected ${s.expected}, written ${s.written}, in file ${s.inFile}, gaps ${s.gaps}, lost ${s.lostFrames}${s.error ? `; ${s.error}` : ''}${s.endedShort ? `; ended short: ${s.endedShort}` : ''}`,
      );
    }
  }
  report.ways.push(way);
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
fs.writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
console.log(`\nsoak ${ok ? 'passed' : 'FAILED'}; report: ${reportPath}`);
process.exitCode = ok ? 0 : 1;
