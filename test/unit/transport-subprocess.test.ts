// The subprocess transport with small node scripts as children: stdout lines (split anywhere,
// CRLF, a last line without an end, UTF-8 cut between chunks), stderr logged and remembered, exit
// codes and signals, SIGTERM then SIGKILL on stop() (the pid is gone afterwards), a missing
// program named plainly, and a child that dies with the thread that started it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { resolveExecutable, Subprocess, type SubprocessEnd, type SubprocessOptions } from '../../src/transports/subprocess';

const NODE = process.execPath;

/** Runs `script` in a node child until it exits by itself. */
function run(
  script: string,
  extra: Partial<SubprocessOptions> = {},
): Promise<{ end: SubprocessEnd; lines: string[]; logs: string[]; stderr: string[]; sub: Subprocess }> {
  const lines: string[] = [];
  const logs: string[] = [];
  const stderr: string[] = [];
  return new Promise((resolve) => {
    const sub: Subprocess = new Subprocess({
      file: NODE,
      args: ['-e', script],
      label: 'child',
      onLine: (l) => lines.push(l),
      onStderr: (t) => stderr.push(t),
      log: (level, text) => logs.push(`${level} ${text}`),
      onExit: (end) => resolve({ end, lines, logs, stderr, sub }),
      ...extra,
    });
    sub.start();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('stdout lines in order, whatever the chunks; CRLF and a last line without an end; exit 0 is ended', async () => {
  const { end, lines, logs } = await run(`
    const w = (s) => new Promise((r) => process.stdout.write(s, r));
    (async () => {
      await w('{"time":[0,0.1],"ch1":[1,2]}\\n{"ti');
      await new Promise((r) => setTimeout(r, 20));
      await w('me":[0.2]}\\r\\nπ = ');
      await w(Buffer.from('3.14 °C', 'utf8').subarray(0, 6));
      await new Promise((r) => setTimeout(r, 20));
      await w(Buffer.from('3.14 °C', 'utf8').subarray(6));
      await w('\\n\\nEOS');
    })();
  `);
  assert.deepEqual(lines, ['{"time":[0,0.1],"ch1":[1,2]}', '{"time":[0.2]}', 'π = 3.14 °C', '', 'EOS']);
  assert.deepEqual(end, { kind: 'ended', code: 0, stderr: '' });
  assert.deepEqual(logs, []);
});

test('raw stdout hands on the bytes as they come', async () => {
  const chunks: Buffer[] = [];
  const { end } = await run(`process.stdout.write(Buffer.from([0, 1, 2, 255]))`, { stdout: 'raw', onData: (c) => chunks.push(c) });
  assert.equal(end.kind, 'ended');
  assert.deepEqual([...Buffer.concat(chunks)], [0, 1, 2, 255]);
});

test('stderr is logged line by line and remembered, even when the exit code is 0', async () => {
  const { end, logs, stderr, sub } = await run(`console.error('warning: rate coerced to 100 Hz'); process.stderr.write('second\\nno end')`);
  assert.equal(end.kind, 'ended');
  assert.equal(end.stderr, 'warning: rate coerced to 100 Hz\nsecond\nno end');
  assert.equal(sub.stderr, end.stderr);
  assert.equal(stderr.join(''), end.stderr);
  assert.deepEqual(logs, ['warn child: warning: rate coerced to 100 Hz', 'warn child: second', 'warn child: no end']);
});

test('a non-zero exit fails with the last words on stderr', async () => {
  const { end } = await run(
    `console.error('connecting to 10.0.0.5'); console.error('Error: NETWORK_ERROR: device timeout'); process.exit(3)`,
  );
  assert.equal(end.kind, 'failed');
  if (end.kind !== 'failed') return;
  assert.equal(end.code, 3);
  assert.equal(end.signal, null);
  assert.equal(end.error.message, 'child exited with code 3: connecting to 10.0.0.5 / Error: NETWORK_ERROR: device timeout');
});

test('a child killed by a signal fails naming the signal', async () => {
  const { end } = await run(`process.kill(process.pid, 'SIGSEGV')`);
  assert.equal(end.kind, 'failed');
  if (end.kind !== 'failed') return;
  assert.equal(end.signal, 'SIGSEGV');
  assert.match(end.error.message, /^child was killed by SIGSEGV/);
});

test('stop(): SIGTERM ends a child that honours it; the pid is gone and nothing is reported', async () => {
  let ended: SubprocessEnd | undefined;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const sub = new Subprocess({
    file: NODE,
    args: ['-e', 'setInterval(() => {}, 1000); console.log("ready")'],
    onLine: () => ready(),
    onExit: (e) => (ended = e),
  });
  sub.start();
  await started;
  const pid = sub.pid!;
  assert.ok(alive(pid) && sub.running);
  const t0 = Date.now();
  await sub.stop();
  assert.ok(Date.now() - t0 < 1500, 'SIGTERM was enough');
  assert.ok(!alive(pid), `pid ${pid} still there after stop()`);
  assert.ok(!sub.running);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(ended, undefined, 'no onExit after stop()');
});

test('stop(): a child that ignores SIGTERM is SIGKILLed after the grace', async () => {
  const sub = await new Promise<Subprocess>((resolve) => {
    const s = new Subprocess({
      file: NODE,
      args: ['-e', 'process.on("SIGTERM", () => console.log("ignored")); setInterval(() => {}, 1000); console.log("ready")'],
      killGraceMs: 200,
      onLine: (l) => l === 'ready' && resolve(s),
    });
    s.start();
  });
  const pid = sub.pid!;
  const t0 = Date.now();
  await sub.stop();
  const took = Date.now() - t0;
  assert.ok(took >= 150, `stopped after ${took} ms: the SIGTERM was not ignored?`);
  assert.ok(!alive(pid));
  await sub.stop(); // again: nothing to do
});

test('a missing program is named, with the hint; so is one that is not executable', async () => {
  const missing = path.join(os.tmpdir(), 'labscope-no-such-mokucli');
  const { end } = await run('', { file: missing, hint: 'is mokucli installed? Set MOKU_CLI_PATH to it' });
  assert.equal(end.kind, 'failed');
  if (end.kind !== 'failed') return;
  assert.equal(end.error.message, `cannot start ${missing}: ENOENT (is mokucli installed? Set MOKU_CLI_PATH to it)`);
  const onPath = await run('', { file: 'labscope-no-such-mokucli' });
  assert.equal(onPath.end.kind === 'failed' && onPath.end.error.message, 'cannot start labscope-no-such-mokucli: ENOENT');
  const plain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-sub-')), 'mokucli');
  fs.writeFileSync(plain, '#!/bin/sh\necho hi\n', { mode: 0o644 });
  const notExecutable = await run('', { file: plain });
  assert.equal(notExecutable.end.kind === 'failed' && notExecutable.end.error.message, `cannot start ${plain}: EACCES`);
  fs.chmodSync(plain, 0o755);
  assert.equal(resolveExecutable(plain), plain);
  assert.equal(resolveExecutable('mokucli', { PATH: `/nonexistent${path.delimiter}${path.dirname(plain)}` }), plain);
  const script = await run('', { file: plain, args: [] });
  assert.deepEqual(script.lines, ['hi'], 'no shell involved, but a script with #! runs');
});

test('arguments reach the child as they are: nothing is interpreted by a shell', async () => {
  const tricky = ['$HOME', '; rm -rf /', '`id`', "it's", 'a b', '--target=-'];
  const { lines } = await run('console.log(JSON.stringify(process.argv.slice(1)))', {
    args: ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...tricky],
  });
  assert.deepEqual(JSON.parse(lines[0]), tricky);
});

test('a child dies with the worker thread that started it, even when the thread is terminated', async () => {
  const entry = path.resolve(__dirname, '../../src/transports/subprocess.ts');
  const code = `
    require('tsx/cjs/api').register();
    const { parentPort } = require('node:worker_threads');
    const { Subprocess } = require(${JSON.stringify(entry)});
    const sub = new Subprocess({ file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], onSpawn: (pid) => parentPort.postMessage(pid) });
    sub.start();
  `;
  const worker = new Worker(code, { eval: true });
  const pid = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.ok(alive(pid));
  await worker.terminate();
  // The kernel's parent-death signal (Linux, setpriv) or the exit hook: give it a moment.
  const deadline = Date.now() + 3000;
  while (alive(pid) && !isZombie(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const gone = !alive(pid) || isZombie(pid);
  if (!gone) process.kill(pid, 'SIGKILL');
  assert.ok(gone, `pid ${pid} outlived its thread`);
});

/** A killed child of a thread that is gone may wait to be reaped: dead all the same. */
function isZombie(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return false;
  }
}
