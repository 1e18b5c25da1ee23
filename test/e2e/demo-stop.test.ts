// `npm start`'s demo (scripts/demo.mjs, code-server in the browser) never outlives what started it:
// stopped by a signal to itself, or left behind when its parent dies without passing a signal on
// (npm stopped by an IDE's stop button exits and leaves its child), it ends code-server and exits.
// Runs after the extension-host suites, which install code-server into .code-server/.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const repo = path.resolve(__dirname, '..', '..');
// No `code` on PATH, so the demo takes its browser path (code-server), as on this machine.
const PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !/vscode|code-server/i.test(dir))
  .join(path.delimiter);

/** The demo's pid and code-server's port, once it says where to open it. */
async function started(child: ChildProcess, knownPid?: number): Promise<{ port: number; pid: number }> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start within 120 s:\n${out}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const pid = knownPid ?? Number(/^demo pid (\d+)$/m.exec(out)?.[1]);
      const url = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (pid && url) {
        clearTimeout(timer);
        resolve({ pid, port: Number(url[1]) });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it started:\n${out}`)));
  });
}

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (alive(pid) || (await answers(port)))) await new Promise((r) => setTimeout(r, 200));
  assert.equal(alive(pid), false, `demo.mjs (pid ${pid}) still runs`);
  assert.equal(await answers(port), false, `code-server still answers on ${port}`);
}

/** `node scripts/demo.mjs`, once it says where code-server listens. */
async function startDemo(): Promise<{ demo: ChildProcess; pid: number; port: number }> {
  const demo = spawn(process.execPath, [path.join(repo, 'scripts/demo.mjs')], {
    cwd: repo,
    env: { ...process.env, PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { port } = await started(demo, demo.pid!);
  return { demo, pid: demo.pid!, port };
}

test('SIGTERM to the demo ends code-server and the demo', { timeout: 180_000 }, async () => {
  const { demo, pid, port } = await startDemo();
  assert.equal(await answers(port), true);
  process.kill(pid, 'SIGTERM');
  await once(demo, 'exit');
  await gone(pid, port);
});

test(
  'its parent killed without a word (npm under a process manager): the demo notices and ends code-server',
  { timeout: 180_000 },
  async () => {
    // A parent that starts the demo and then is SIGKILLed, as npm is when a process manager kills it.
    const script = `
    const { spawn } = require('node:child_process');
    const demo = spawn(process.execPath, [process.argv[1]], { stdio: 'inherit' });
    console.log('demo pid ' + demo.pid);
  `;
    const parent = spawn(process.execPath, ['-e', script, path.join(repo, 'scripts/demo.mjs')], {
      cwd: repo,
      env: { ...process.env, PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { pid, port } = await started(parent);
    assert.equal(await answers(port), true);
    parent.kill('SIGKILL');
    await gone(pid, port);
  },
);

test('SIGTERM to code-server (one of the processes it started): the demo notices and exits', { timeout: 180_000 }, async () => {
  const { demo, pid, port } = await startDemo();
  const { processTable } = (await import(
    pathToFileURL(path.join(repo, 'scripts/vscode/server.mjs')).href
  )) as typeof import('../../scripts/vscode/server.mjs');
  const server = processTable()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
  assert.equal(server.length, 1, `the demo's one child is code-server: ${server}`);
  process.kill(server[0]!, 'SIGTERM');
  const [code] = (await once(demo, 'exit')) as [number | null];
  assert.equal(code, 1, 'the demo says it stopped because code-server did');
  await gone(pid, port);
  assert.equal(alive(server[0]!), false);
});
