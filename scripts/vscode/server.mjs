// Starts a private code-server (the real VS Code server and web workbench) for one test run, as
// /work/shared/VSCODE-E2E.md describes: own port, own temp profile, nothing written to $HOME, and
// a stop() that ends every process it spawned.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureCodeServer } from './setup.mjs';

/**
 * @param {object} [options]
 * @param {object} [options.userSettings] merged over the defaults below into User/settings.json
 * @param {boolean} [options.trust] true: workspace trust is on (no --disable-workspace-trust), so
 *   a test can see an untrusted workspace; false (default): every folder is trusted
 * @param {string} [options.userDataDir] use this profile dir instead of a temp one (kept on stop)
 * @param {string} [options.extensionsDir] likewise for installed extensions
 */
export async function startCodeServer({ userSettings = {}, trust = false, userDataDir, extensionsDir } = {}) {
  const codeServer = await ensureCodeServer();
  const entry = path.join(codeServer, 'out/node/entry.js');
  const root = await mkdtemp(path.join(os.tmpdir(), 'labscope-code-server-'));
  const dirs = {
    userData: userDataDir ?? path.join(root, 'user-data'),
    extensions: extensionsDir ?? path.join(root, 'extensions'),
    config: path.join(root, 'xdg-config'),
    data: path.join(root, 'xdg-data'),
    cache: path.join(root, 'xdg-cache'),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  // An empty --config: otherwise code-server creates ~/.config/code-server/config.yaml with a password.
  const configFile = path.join(root, 'config.yaml');
  await writeFile(configFile, '');
  await writeSettings(dirs.userData, {
    'workbench.startupEditor': 'none', // no welcome page over the editor area
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': trust,
    // With trust on, open folders in restricted mode instead of behind a modal "Do you trust…?".
    ...(trust ? { 'security.workspace.trust.startupPrompt': 'never' } : {}),
    // Offline: fewer doomed requests to the marketplace (open-vsx.org).
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    ...userSettings,
  });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = serverEnv(dirs);
  const commonArgs = ['--config', configFile, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData];
  const logFile = path.join(root, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      entry,
      ...commonArgs,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(trust ? [] : ['--disable-workspace-trust']),
    ],
    {
      env,
      // Its own process group, so stop() can end the file watcher, pty host and extension hosts too.
      detached: true,
      stdio: ['ignore', logFd, logFd],
    },
  );
  closeSync(logFd);
  const pgid = child.pid;

  let stopped = false;
  // Last resort if the caller dies without stop(): no orphaned servers, no leftover temp dirs.
  const onExit = () => {
    killTree(pgid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  async function stop() {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    // Remember every pid seen: a child whose parent dies first is re-parented out of our walk.
    const seen = new Set();
    const remaining = () => [...seen, ...treePids(pgid)].filter(running);
    killTree(pgid, 'SIGTERM', seen);
    for (let i = 0; i < 30 && remaining().length; i++) await sleep(100);
    killTree(pgid, 'SIGKILL', seen);
    for (const pid of remaining()) signal(pid, 'SIGKILL');
    for (let i = 0; i < 20 && remaining().length; i++) await sleep(100);
    await rm(root, { recursive: true, force: true });
  }

  try {
    await waitForHealth(base, child, logFile);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    port,
    base,
    logFile,
    userDataDir: dirs.userData,
    extensionsDir: dirs.extensions,
    workbenchUrl: (folder, options) => workbenchUrl(base, port, folder, options),
    installExtension: (vsixPath) => runCli(entry, [...commonArgs, '--install-extension', path.resolve(vsixPath)], env),
    stop,
  };
}

/**
 * The web workbench takes the extension-development options as a URL payload (code-server refuses
 * them as server flags). Paths become vscode-remote:// URIs on this same server.
 * @param {string} [folder] absolute folder (or .code-workspace file) to open; none for an empty window
 * @param {{ extensionDevelopmentPath?: string | string[], extensionTestsPath?: string }} [options]
 */
function workbenchUrl(base, port, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${encodeURI(path.resolve(p))}`;
  const payload = [];
  for (const p of [extensionDevelopmentPath ?? []].flat()) payload.push(['extensionDevelopmentPath', remote(p)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const query = [];
  if (folder) {
    const key = folder.endsWith('.code-workspace') ? 'workspace' : 'folder';
    query.push(`${key}=${encodeURIComponent(path.resolve(folder))}`);
  }
  if (payload.length) query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${base}/${query.length ? `?${query.join('&')}` : ''}`;
}

async function writeSettings(userDataDir, settings) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  await mkdir(path.dirname(file), { recursive: true });
  // A caller-provided profile may already hold settings: ours win, theirs stay.
  let existing = {};
  try {
    existing = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    /* none yet (or JSONC we cannot parse: replace it) */
  }
  await writeFile(file, JSON.stringify({ ...existing, ...settings }, null, 2) + '\n');
}

function serverEnv(dirs) {
  const env = { ...process.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache };
  // Run from a VS Code terminal, these would make code-server talk to that VS Code instead.
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  return env;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base, child, logFile) {
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = code ?? signal;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before answering /healthz\n${tail(logFile)}`);
    try {
      const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  throw new Error(`code-server did not answer ${base}/healthz within 60 s\n${tail(logFile)}`);
}

function runCli(entry, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`code-server ${args.slice(-2).join(' ')} failed (exit ${code}):\n${output}`)),
    );
  });
}

/**
 * The live processes (zombies left out): pid, parent and process group, from Linux's /proc.
 * @returns {{ pid: number; ppid: number; pgrp: number }[]}
 */
export function processTable() {
  const procs = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the ")" that ends the command name (which may hold spaces): state ppid pgrp …
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') procs.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp) });
    } catch {
      /* gone meanwhile */
    }
  }
  return procs;
}

/**
 * Everything to end: the process group, plus descendants that left it (node-pty puts terminal
 * shells in sessions of their own). Linux /proc walk; cheap enough for a few hundred processes.
 */
function treePids(pgid) {
  const procs = processTable();
  const found = new Set(procs.filter((p) => p.pgrp === pgid).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  return [...found];
}

function killTree(pgid, sig, seen = new Set()) {
  const pids = treePids(pgid);
  for (const pid of pids) seen.add(pid);
  signal(-pgid, sig);
  for (const pid of pids) signal(pid, sig);
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Alive and not a zombie waiting to be reaped. */
function running(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

export function tail(file, lines = 30) {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `--- last lines of ${file} ---\n${text}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
