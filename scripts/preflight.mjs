// `npm test`'s first step: is everything the suites use from Debian on this machine? A few
// seconds, instead of a suite failing half an hour in on a missing module or tool. For anything
// missing it prints what is missing, the Debian package that provides it and the apt-get line
// that installs them all, and exits 1. The packages are listed once, in .ci/apt-packages.txt,
// which .ci/run installs; every package there has a check here and every check names a package
// there (test/unit/preflight.test.ts holds both to that).
//
//   node scripts/preflight.mjs
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGES_FILE = path.join(repo, '.ci', 'apt-packages.txt');

/** The tests' interpreter (test/helpers/python.ts): the pyenv python3 first on PATH lacks Debian's modules. */
export const PYTHON = '/usr/bin/python3';

/**
 * What the suites use, each with the Debian package that provides it. Kinds:
 *   command  an executable on PATH          file     an absolute path (under `root`)
 *   python   a module Debian's python3 imports
 *   runtime  a clang runtime library (libclang_rt.NAME-ARCH.a in `clang++ -print-runtime-dir`)
 *   gcclib   a library g++ links (`g++ -print-file-name=NAME`)
 */
export const CHECKS = [
  { package: 'cmake', command: 'cmake', for: 'cmake-js (the addon) and native/test/run.sh' },
  { package: 'g++', command: 'g++', for: "the addon, the C++ unit tests, code-server's native modules" },
  { package: 'g++', gcclib: 'libasan.so', for: 'the C++ unit tests under AddressSanitizer' },
  { package: 'g++', gcclib: 'libubsan.so', for: 'the C++ unit tests under UndefinedBehaviorSanitizer' },
  { package: 'make', command: 'make', for: "cmake's builds and code-server's node-gyp" },
  { package: 'clang', command: 'clang++', for: 'the ThreadSanitizer and libFuzzer builds (native/test/run.sh)' },
  { package: 'libclang-rt-14-dev', runtime: 'fuzzer', for: 'libFuzzer (-fsanitize=fuzzer)' },
  { package: 'libclang-rt-14-dev', runtime: 'tsan', for: 'ThreadSanitizer (-fsanitize=thread)' },
  { package: 'libclang-rt-14-dev', runtime: 'asan', for: "the fuzzer's AddressSanitizer" },
  { package: 'libclang-rt-14-dev', runtime: 'ubsan_standalone', for: "the fuzzer's UndefinedBehaviorSanitizer" },
  { package: 'clang-format', command: 'clang-format', for: '`npm run format` / `format:check` on native/' },
  { package: 'python3', file: PYTHON, for: 'the independent readers in the tests' },
  { package: 'python3', python: 'wave', for: 'test/fixtures/audio_reference.py' },
  {
    package: 'python3',
    python: 'audioop',
    for: 'test/fixtures/audio_reference.py (G.711)',
    note: "audioop is in Python's standard library up to 3.12 only (Debian 12 has 3.11)",
  },
  { package: 'python3-numpy', python: 'numpy', for: 'reading NPY recordings' },
  { package: 'python3-scipy', python: 'scipy.io', for: 'reading MAT recordings' },
  { package: 'python3-mne', python: 'mne', for: 'reading BrainVision files' },
  { package: 'python3-h5py', python: 'h5py', for: 'reading HDF5 and MAT v7.3 exports' },
  { package: 'python3-hdf5storage', python: 'hdf5storage', for: 'reading MAT v7.3 exports as MATLAB data' },
  { package: 'python3-pymodbus', python: 'pymodbus.server', for: 'the Modbus server test/fixtures/pymodbus_4100.py' },
  { package: 'python3-pymodbus', python: 'pymodbus.datastore', for: 'test/fixtures/pymodbus_4100.py' },
  { package: 'python3-pymodbus', python: 'pymodbus.transaction', for: 'test/fixtures/pymodbus_4100.py' },
  { package: 'python3-serial', python: 'serial', for: "pymodbus's serial (RTU) server" },
  { package: 'python3-serial-asyncio', python: 'serial_asyncio', for: 'pymodbus.server, which imports it whatever the transport' },
  { package: 'chromium', file: '/usr/bin/chromium', env: 'LABSCOPE_CHROMIUM', for: 'the e2e and extension-host suites' },
  { package: 'ripgrep', command: 'rg', for: "code-server's @vscode/ripgrep (scripts/vscode/setup.mjs)" },
  { package: 'libkrb5-dev', file: '/usr/include/krb5.h', for: "code-server's kerberos module" },
  { package: 'libkrb5-dev', file: '/usr/include/gssapi/gssapi.h', for: "code-server's kerberos module" },
  { package: 'python3-websockets', python: 'websockets', for: "pybela, Bela's real client (test/unit/bela-simulator.test.ts)" },
  { package: 'python3-nest-asyncio', python: 'nest_asyncio', for: 'pybela' },
  { package: 'python3-aiofiles', python: 'aiofiles', for: 'pybela' },
  { package: 'python3-paramiko', python: 'paramiko', for: 'pybela' },
  { package: 'python3-bitarray', python: 'bitarray', for: 'pybela' },
  { package: 'zlib1g-dev', file: '/usr/include/zlib.h', for: "building Bela's board code (bela-board's seasocks)" },
  { package: 'socat', command: 'socat', for: 'serial pty pairs (Servomex tests)' },
  { package: 'mbpoll', command: 'mbpoll', for: 'the independent Modbus client' },
  {
    package: 'util-linux',
    command: 'setpriv',
    for: 'the subprocess transport, whose children die with their thread (setpriv --pdeathsig)',
  },
  { package: 'util-linux', command: 'unshare', for: 'a private mount namespace for the disk-full fault test' },
  { package: 'mount', command: 'mount', for: 'the small tmpfs the disk-full fault test fills' },
];

/** The packages of a package list: separated by white space, '#' starts a comment (as .ci/run reads it). */
export function parsePackages(text) {
  return text
    .split('\n')
    .flatMap((line) => line.replace(/#.*/, '').trim().split(/\s+/))
    .filter(Boolean);
}

export function readPackages(file = PACKAGES_FILE) {
  return parsePackages(readFileSync(file, 'utf8'));
}

// Only an import, not its module's import time: mne's is a second, the rest together much less.
const IMPORT_ALL = `
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
failed = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except BaseException as e:
        failed[name] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(failed))
`;

export const RUNTIME_ARCH = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386' }[process.arch] ?? process.arch;

function run(file, args, env) {
  return new Promise((resolve) => {
    execFile(file, args, { env, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve({ ok: !error, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error });
    });
  });
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `command` on `searchPath`, or null. */
export function which(command, searchPath) {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return null;
}

const under = (root, file) => (root === '/' ? file : path.join(root, file));
const lastLine = (text) => text.trim().split('\n').filter(Boolean).pop() ?? '';

/**
 * Checks the machine and returns what is missing: `{ missing: [{ check, reason }], packages }`,
 * where packages are the Debian packages to install, in the order of the package list.
 * Everything it looks at can be pointed elsewhere, so a test can fake a machine:
 *   env      environment for lookups and child processes (PATH, LABSCOPE_CHROMIUM)
 *   root     prefix for the absolute paths of the checks (python3, chromium, headers)
 *   checks   the checks; packageList: the package list's packages (for the install order)
 */
export async function checkMachine({ env = process.env, root = '/', checks = CHECKS, packageList = readPackages() } = {}) {
  const missing = [];
  const miss = (check, reason) => missing.push({ check, reason });
  const searchPath = env.PATH ?? '';

  const commands = checks.filter((c) => c.command);
  for (const c of commands) if (!which(c.command, searchPath)) miss(c, `no ${c.command} on PATH`);

  for (const c of checks.filter((c) => c.file)) {
    const file = (c.env && env[c.env]) || under(root, c.file);
    if (!existsSync(file)) miss(c, `no ${file}`);
  }

  const jobs = [];

  // Python: one interpreter start imports every module and names those that failed; only if
  // that start itself fails (a crash, no JSON) is each module tried on its own.
  const modules = checks.filter((c) => c.python);
  const python = under(root, PYTHON);
  if (modules.length && isExecutable(python)) {
    jobs.push(
      (async () => {
        const names = [...new Set(modules.map((c) => c.python))];
        let failed;
        const all = await run(python, ['-c', IMPORT_ALL, ...names], env);
        try {
          failed = JSON.parse(lastLine(all.stdout));
        } catch {
          failed = {};
          await Promise.all(
            names.map(async (name) => {
              const one = await run(python, ['-c', IMPORT_ALL, name], env);
              let result;
              try {
                result = JSON.parse(lastLine(one.stdout));
              } catch {
                result = { [name]: lastLine(one.stderr) || `exit ${one.error?.code ?? '?'}` };
              }
              Object.assign(failed, result);
            }),
          );
        }
        for (const c of modules) if (failed[c.python]) miss(c, `${python} cannot import ${c.python} (${failed[c.python]})`);
      })(),
    );
  } else {
    for (const c of modules) miss(c, `cannot import ${c.python}: no ${python}`);
  }

  // clang's runtimes: where clang++ says they are, else wherever Debian's llvm-N puts them.
  const runtimes = checks.filter((c) => c.runtime);
  if (runtimes.length) {
    jobs.push(
      (async () => {
        const dirs = [];
        const clang = which('clang++', searchPath) ?? which('clang', searchPath);
        if (clang) {
          const r = await run(clang, ['-print-runtime-dir'], env);
          if (r.ok && r.stdout.trim()) dirs.push(r.stdout.trim());
        }
        dirs.push(...llvmRuntimeDirs(root));
        for (const c of runtimes) {
          const name = `libclang_rt.${c.runtime}-${RUNTIME_ARCH}.a`;
          if (!dirs.some((dir) => existsSync(path.join(dir, name)))) {
            miss(
              c,
              `no ${name} (looked in ${dirs.length ? dirs.join(', ') : `clang++ -print-runtime-dir and ${under(root, '/usr/lib/llvm-*')}`})`,
            );
          }
        }
      })(),
    );
  }

  // g++'s sanitizer libraries: -print-file-name prints the bare name back when it has none.
  const gcclibs = checks.filter((c) => c.gcclib);
  if (gcclibs.length) {
    const gxx = which('g++', searchPath);
    for (const c of gcclibs) {
      if (!gxx) {
        miss(c, `no g++ on PATH, so no ${c.gcclib}`);
        continue;
      }
      jobs.push(
        (async () => {
          const r = await run(gxx, [`-print-file-name=${c.gcclib}`], env);
          const found = r.stdout.trim();
          if (!r.ok || !path.isAbsolute(found) || !existsSync(found)) miss(c, `g++ has no ${c.gcclib}`);
        })(),
      );
    }
  }

  await Promise.all(jobs);
  const order = (c) => checks.indexOf(c);
  missing.sort((a, b) => order(a.check) - order(b.check));
  const wanted = new Set(missing.map((m) => m.check.package));
  const packages = [...packageList.filter((p) => wanted.has(p)), ...[...wanted].filter((p) => !packageList.includes(p))];
  return { missing, packages };
}

function llvmRuntimeDirs(root) {
  const dirs = [];
  const lib = under(root, '/usr/lib');
  let llvms = [];
  try {
    llvms = readdirSync(lib).filter((d) => /^llvm-\d+$/.test(d));
  } catch {
    return dirs;
  }
  for (const llvm of llvms) {
    const clangDir = path.join(lib, llvm, 'lib', 'clang');
    try {
      for (const version of readdirSync(clangDir)) dirs.push(path.join(clangDir, version, 'lib', 'linux'));
    } catch {
      // no clang runtimes for this llvm
    }
  }
  return dirs;
}

/** The apt-get line that installs `packages` (as .ci/run does). */
export function aptLine(packages) {
  return `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** What to print: '' when nothing is missing. */
export function report({ missing, packages }) {
  if (!missing.length) return '';
  const lines = ['preflight: this machine lacks what the tests need (the packages are listed in .ci/apt-packages.txt):'];
  for (const { check, reason } of missing) {
    lines.push(`  - ${check.package}: ${reason} (for ${check.for}${check.note ? `; ${check.note}` : ''})`);
  }
  lines.push('install with (as root, after apt-get update):', `  ${aptLine(packages)}`);
  return lines.join('\n');
}

/** Drift between the checks and the package list: packages without a check, checks of unlisted packages. */
export function drift(packageList = readPackages(), checks = CHECKS) {
  const checked = new Set(checks.map((c) => c.package));
  return {
    unchecked: packageList.filter((p) => !checked.has(p)),
    unlisted: [...checked].filter((p) => !packageList.includes(p)),
  };
}

async function main() {
  const started = Date.now();
  const packageList = readPackages();
  const { unchecked, unlisted } = drift(packageList);
  const result = await checkMachine({ packageList });
  const text = report(result);
  const problems = [];
  if (unchecked.length)
    problems.push(`preflight: .ci/apt-packages.txt lists packages scripts/preflight.mjs does not check: ${unchecked.join(', ')}`);
  if (unlisted.length)
    problems.push(`preflight: scripts/preflight.mjs checks packages .ci/apt-packages.txt does not list: ${unlisted.join(', ')}`);
  if (text) problems.unshift(text);
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(
    `preflight: all ${packageList.length} Debian packages the tests use are here (${CHECKS.length} checks, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
