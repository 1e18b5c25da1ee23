// `npm start` (after `npm run build`): Labscope running from this repository in a real VS Code,
// on demo/workspace (a simulated EEG amplifier is configured there). With VS Code's `code`
// command on PATH it opens an Extension Development Host window; without it (a server, a
// container, CI) it starts code-server on 127.0.0.1 and prints the URL to open in a browser.
// `npm run demo:cli` is the headless demo of the same data path.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = path.join(repo, 'demo', 'workspace');

// The extension host loads these two; without them it would fail after the window opens.
for (const [file, fix] of [
  ['dist/extension.js', 'npm run build'],
  ['build/native/Release/labscope.node', 'npm run build:native'],
]) {
  if (!existsSync(path.join(repo, file))) {
    console.error(`demo: ${file} is missing: run "${fix}" first`);
    process.exit(1);
  }
}

/**
 * A few tones in demo/workspace/audio/ (ignored by git), so "Open Audio Folder…" has something
 * to play: 16-bit mono WAVs of TONE_S seconds, long enough to pause and resume them while they
 * play (the one-second ones of earlier demos are written anew).
 */
const TONE_S = 24;

function writeDemoTones() {
  const dir = path.join(workspace, 'audio');
  mkdirSync(dir, { recursive: true });
  const rate = 16000;
  const frames = TONE_S * rate;
  for (const [name, freq] of [
    ['a4-440Hz', 440],
    ['e5-659Hz', 659.25],
    ['a5-880Hz', 880],
  ]) {
    const file = path.join(dir, `${name}.wav`);
    if (existsSync(file) && statSync(file).size === 44 + frames * 2) continue;
    const data = Buffer.alloc(frames * 2);
    // A tone that swells and fades every 2 s, so pausing and resuming shows on the scope.
    for (let i = 0; i < frames; i++) {
      const swell = 0.6 + 0.4 * Math.sin((2 * Math.PI * i) / (2 * rate));
      const fade = Math.min(1, (frames - i) / 2000);
      data.writeInt16LE(Math.round(12000 * swell * fade * Math.sin((2 * Math.PI * freq * i) / rate)), 2 * i);
    }
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(36 + data.length, 4);
    header.write('WAVEfmt ', 8, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20); // PCM
    header.writeUInt16LE(1, 22); // mono
    header.writeUInt32LE(rate, 24);
    header.writeUInt32LE(rate * 2, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(data.length, 40);
    writeFileSync(file, Buffer.concat([header, data]));
  }
}
writeDemoTones();

/** The executable `command` in PATH, as `which` finds it, or undefined. */
function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// On Windows `code` is a .cmd, which Node runs only through a shell: not supported here (yet).
const code = process.platform === 'win32' ? undefined : onPath('code');
if (code) {
  // `code` hands the request to a VS Code window and returns at once.
  console.log(`Opening ${path.relative(process.cwd(), workspace) || '.'} in VS Code with Labscope from ${repo}…`);
  const child = spawn(code, [`--extensionDevelopmentPath=${repo}`, workspace], { stdio: 'inherit' });
  child.on('error', (error) => {
    console.error(`demo: could not run ${code}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (status) => process.exit(status ?? 1));
} else {
  await browserDemo();
}

async function browserDemo() {
  const { ensureCodeServer } = await import('./vscode/setup.mjs');
  const { startCodeServer } = await import('./vscode/server.mjs');
  let server;
  let watch;
  let stopping = false;
  async function stop(status) {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    await server?.stop().catch((error) => console.error(`demo: stopping code-server: ${error.message}`));
    // Interrupted while it was starting: exiting runs server.mjs's exit hook, which ends it.
    process.exit(status);
  }
  // Before anything starts, so Ctrl+C during the first install or the start-up still cleans up.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.log(`\n${signal}: stopping code-server…`);
      void stop(0);
    });
  }
  // `npm start` stopped by an IDE's stop button or a process manager signals npm only, and npm
  // exits without passing it on: we are then handed to another parent. That is our signal too.
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    console.log('\nthe process that started the demo is gone: stopping code-server…');
    void stop(0);
  }, 500);
  orphaned.unref();

  console.log('No "code" command on PATH: starting VS Code in the browser (code-server) instead.');
  await ensureCodeServer();
  server = await startCodeServer({
    userSettings: {
      // The workspace README says what to click: show it instead of an empty editor area.
      'workbench.startupEditor': 'readme',
      // demo/workspace sits inside the repository: no "open the parent git repository?" prompt.
      'git.openRepositoryInParentFolders': 'never',
      // Every simulator listens on a local port: the Ports view would fill with them.
      'remote.autoForwardPorts': false,
    },
  });

  // The server's process is not handed to us, so its health endpoint is watched: two misses in a
  // row (4 s) mean it is gone, and the user should hear why rather than stare at a dead tab.
  let misses = 0;
  watch = setInterval(async () => {
    const alive = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(1500) }).then(
      (r) => r.ok,
      () => false,
    );
    misses = alive ? 0 : misses + 1;
    if (misses >= 2 && !stopping) {
      console.error(`\ndemo: code-server stopped answering at ${server.base}. Last lines of ${server.logFile}:`);
      console.error(tail(server.logFile, 30));
      void stop(1);
    }
  }, 2000);

  const url = server.workbenchUrl(workspace, { extensionDevelopmentPath: repo });
  console.log(`
Labscope is running in VS Code (code-server). Open this URL in a browser on this machine:

    ${url}

The server listens on 127.0.0.1 only, with no password: from another machine, forward the port
first (ssh -L ${server.port}:127.0.0.1:${server.port} <this host>). The window title ends in
"[Extension Development Host]"; demo/workspace/README.md says what to click.
Server log: ${server.logFile}
Press Ctrl+C to stop.`);
}

function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(no log: ${error.message})`;
  }
}
