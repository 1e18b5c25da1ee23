// Installs a real VS Code (the server and web workbench inside the `code-server` npm package) into
// <repo>/.code-server, following /work/shared/VSCODE-E2E.md. It is kept out of the project's own
// dependencies because its postinstall fails under a plain `npm install` as root and npm would
// then roll back the whole project install. The test path calls ensureCodeServer() itself, so a
// fresh checkout needs only the apt packages; a marker file makes repeated calls instant.
//
//   node scripts/vscode/setup.mjs      # install (or confirm) and print the package dir
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.96.4';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const installDir = path.join(repo, '.code-server');
const packageDir = path.join(installDir, 'node_modules', 'code-server');
const marker = path.join(installDir, 'installed.json');
const lockDir = path.join(installDir, 'install.lock');
const logFile = path.join(installDir, 'setup.log');

// The shrinkwrap pins this to a git+ssh commit (unreachable offline and without keys); the
// registry tarball of the same version has the same integrity hash.
const PROXY_AGENT_TARBALL = 'https://registry.npmjs.org/@vscode/proxy-agent/-/proxy-agent-0.27.0.tgz';
// The ripgrep release @vscode/ripgrep's postinstall would download from GitHub (its VERSION).
const RIPGREP_RELEASE = 'v13.0.0-10';

const log = (line) => console.log(`[setup:vscode] ${line}`);

/** Absolute path of the installed code-server package, installing it first if needed. */
export async function ensureCodeServer() {
  if (await installed()) return packageDir;
  await mkdir(installDir, { recursive: true });
  await withLock(async () => {
    if (await installed()) return; // another process finished it while we waited
    await install();
  });
  return packageDir;
}

async function installed() {
  try {
    const { version } = JSON.parse(await readFile(marker, 'utf8'));
    return version === CODE_SERVER_VERSION && existsSync(path.join(packageDir, 'out/node/entry.js'));
  } catch {
    return false;
  }
}

async function install() {
  const started = Date.now();
  const step = (text) => log(`${text} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  checkPrerequisites();
  await rm(marker, { force: true });
  await writeFile(logFile, '');
  log(
    `installing code-server ${CODE_SERVER_VERSION} into ${path.relative(repo, installDir)}/ (about a minute; npm output in ${path.relative(repo, logFile)})`,
  );

  // Its own package.json so npm never walks up into the project's.
  await writeFile(
    path.join(installDir, 'package.json'),
    JSON.stringify(
      {
        name: 'labscope-code-server',
        private: true,
        description: 'Real VS Code for the e2e and extension-host tests; installed by scripts/vscode/setup.mjs',
      },
      null,
      2,
    ) + '\n',
  );

  step('npm install --ignore-scripts');
  await npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`]);

  step('pointing @vscode/proxy-agent at the registry tarball');
  const ripgrepVersion = await patchShrinkwrap();

  // @vscode/ripgrep's postinstall uses $TMPDIR/vscode-ripgrep-cache-<version>/<asset> if present.
  const tmp = path.join(installDir, 'tmp');
  await rm(tmp, { recursive: true, force: true });
  step(`seeding the ripgrep ${ripgrepVersion} download cache with Debian's rg`);
  await seedRipgrepCache(tmp, ripgrepVersion);

  step('npm rebuild (code-server postinstall, native modules)');
  await npm(['rebuild', '--foreground-scripts'], {
    TMPDIR: tmp,
    npm_config_unsafe_perm: 'true', // postinstall.sh refuses root without it (still honoured by npm 11)
    npm_config_yes: 'true',
  });
  await rm(tmp, { recursive: true, force: true });

  if (!existsSync(path.join(packageDir, 'lib/vscode/node_modules/@vscode/ripgrep/bin/rg'))) {
    await failWithLog('code-server installed but lib/vscode has no ripgrep binary');
  }
  await writeFile(marker, JSON.stringify({ version: CODE_SERVER_VERSION, installedAt: new Date().toISOString() }) + '\n');
  step('done');
}

/** One clear message for everything apt must provide, instead of a compiler error a minute in. */
function checkPrerequisites() {
  const missing = [];
  if (!which('rg')) missing.push('ripgrep');
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!existsSync('/usr/include/krb5.h') || !existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  // node-gyp compiles argon2, kerberos, node-pty, spdlog… from source.
  if (!which('g++')) missing.push('g++');
  if (!which('make')) missing.push('make');
  if (!which('python3')) missing.push('python3');
  if (missing.length) {
    throw new Error(
      `a real VS Code for the tests needs Debian packages that are missing: ${missing.join(', ')}\n` +
        `  install them with: apt-get install ${missing.join(' ')}`,
    );
  }
}

function which(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, command))) return path.join(dir, command);
  }
  return null;
}

async function patchShrinkwrap() {
  const file = path.join(packageDir, 'lib/vscode/npm-shrinkwrap.json');
  const shrinkwrap = JSON.parse(await readFile(file, 'utf8'));
  const proxyAgent = shrinkwrap.packages?.['node_modules/@vscode/proxy-agent'];
  const ripgrep = shrinkwrap.packages?.['node_modules/@vscode/ripgrep'];
  if (!proxyAgent || !ripgrep?.version) await failWithLog(`unexpected layout of ${file}: no @vscode/proxy-agent or @vscode/ripgrep entry`);
  if (proxyAgent.resolved !== PROXY_AGENT_TARBALL) {
    if (proxyAgent.version !== '0.27.0') await failWithLog(`expected @vscode/proxy-agent 0.27.0 in ${file}, found ${proxyAgent.version}`);
    proxyAgent.resolved = PROXY_AGENT_TARBALL; // integrity stays: the tarball has the same hash
    await writeFile(file, JSON.stringify(shrinkwrap, null, 2) + '\n');
  }
  return ripgrep.version;
}

async function seedRipgrepCache(tmp, ripgrepVersion) {
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch];
  if (!target) throw new Error(`no ripgrep asset name known for ${process.arch}`);
  const cache = path.join(tmp, `vscode-ripgrep-cache-${ripgrepVersion}`);
  const staging = path.join(tmp, 'rg-staging');
  await mkdir(cache, { recursive: true });
  await mkdir(staging, { recursive: true });
  await copyFile(which('rg'), path.join(staging, 'rg'));
  // A tar.gz holding just `rg`, named like the GitHub release asset.
  await run('tar', ['-czf', path.join(cache, `ripgrep-${RIPGREP_RELEASE}-${target}.tar.gz`), '-C', staging, 'rg']);
  await rm(staging, { recursive: true });
}

/** npm in installDir, all output appended to the log file (a heartbeat keeps the console alive). */
async function npm(args, env = {}) {
  const fd = openSync(logFile, 'a');
  writeSync(fd, `\n$ npm ${args.join(' ')}\n`);
  const heartbeat = setInterval(() => log('  …still running'), 20_000);
  try {
    await run('npm', args, { cwd: installDir, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  } catch (error) {
    await failWithLog(`npm ${args[0]} failed (${error.message})`);
  } finally {
    clearInterval(heartbeat);
    closeSync(fd);
  }
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`exit ${code ?? signal}`))));
  });
}

async function failWithLog(message) {
  let tail = '';
  try {
    tail = (await readFile(logFile, 'utf8')).split('\n').slice(-40).join('\n');
  } catch {
    /* no log yet */
  }
  throw new Error(`${message}\n--- last lines of ${logFile} ---\n${tail}`);
}

/** mkdir is atomic: only one process installs; others wait for it (a dead holder's lock is taken over). */
async function withLock(fn) {
  for (let waited = 0; ; waited++) {
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(await readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => '0'));
      const age = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if ((holder && !alive(holder)) || (!holder && age > 10_000)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waited === 0) log(`another process (pid ${holder}) is installing code-server; waiting`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    await fn();
  } finally {
    await rm(path.join(lockDir, 'pid'), { force: true });
    await rmdir(lockDir).catch(() => {});
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(await ensureCodeServer());
  } catch (error) {
    console.error(`[setup:vscode] ${error.message}`);
    process.exit(1);
  }
}
