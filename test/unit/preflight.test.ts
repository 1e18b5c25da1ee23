// scripts/preflight.mjs against fake machines: a folder standing in for / with stub tools on its
// PATH, a python3 that fails chosen imports, clang runtimes taken away. What it must say: the
// Debian package for each missing thing and the one apt-get line that installs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tmpDir } from '../helpers/tmp';

type Preflight = typeof import('../../scripts/preflight.mjs');
const repo = path.resolve(__dirname, '..', '..');
const load = (): Promise<Preflight> => import(pathToFileURL(path.join(repo, 'scripts/preflight.mjs')).href) as Promise<Preflight>;

interface Fake {
  /** Commands not put on PATH. */
  withoutCommands?: string[];
  /** Python modules whose import fails. */
  failImports?: string[];
  /** Python crashes (no output) whenever it is asked for more than one module and one of these is among them. */
  crashOn?: string[];
  noPython?: boolean;
  /** clang runtimes (fuzzer, tsan, …) not in the runtime dir. */
  withoutRuntimes?: string[];
  withoutFiles?: string[];
}

function script(file: string, body: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body, { mode: 0o755 });
}

/** A fake root with everything the checks look for, less what `fake` takes away. */
function fakeMachine(p: Preflight, fake: Fake = {}): { root: string; env: NodeJS.ProcessEnv } {
  const root = tmpDir('labscope-preflight-');
  const bin = path.join(root, 'bin');
  const rt = path.join(root, 'rt');
  const gcclib = path.join(root, 'gcclib');
  fs.mkdirSync(bin, { recursive: true });
  for (const c of p.CHECKS) {
    if (c.command && !fake.withoutCommands?.includes(c.command)) script(path.join(bin, c.command), '#!/bin/sh\nexit 0\n');
    if (c.file && !fake.withoutFiles?.includes(c.file) && c.file !== p.PYTHON) script(path.join(root, c.file), '');
    if (c.runtime && !fake.withoutRuntimes?.includes(c.runtime)) script(path.join(rt, `libclang_rt.${c.runtime}-${p.RUNTIME_ARCH}.a`), '');
    if (c.gcclib) script(path.join(gcclib, c.gcclib), '');
  }
  if (fs.existsSync(path.join(bin, 'clang++'))) script(path.join(bin, 'clang++'), `#!/bin/sh\necho ${rt}\n`);
  if (fs.existsSync(path.join(bin, 'g++'))) script(path.join(bin, 'g++'), `#!/bin/sh\necho ${gcclib}/\${1#-print-file-name=}\n`);
  if (!fake.noPython) {
    // The real interpreter runs the preflight's script, with every module it asks for stubbed in
    // sys.modules except the failing ones, so the test needs none of them installed.
    const prelude = [
      'import os, sys, types',
      `fail = ${JSON.stringify(fake.failImports ?? [])}`,
      `crash = ${JSON.stringify(fake.crashOn ?? [])}`,
      'if len(sys.argv) > 2 and any(m in crash for m in sys.argv[1:]): os._exit(134)',
      'for m in sys.argv[1:]: sys.modules[m] = None if m in fail else types.ModuleType(m)',
    ].join('\n');
    script(
      path.join(root, p.PYTHON),
      `#!/bin/sh\n[ "$1" = -c ] || exit 2\nbody="$2"; shift 2\nexec ${p.PYTHON} -S -c '${prelude}'"\n$body" "$@"\n`,
    );
  }
  return { root, env: { PATH: bin } };
}

test('a fake machine with everything passes, and its report is empty', async () => {
  const p = await load();
  const { root, env } = fakeMachine(p);
  const result = await p.checkMachine({ root, env });
  assert.deepEqual(result, { missing: [], packages: [] });
  assert.equal(p.report(result), '');
});

test('no socat on PATH and a python3 without mne: both packages named, and one apt-get line for them', async () => {
  const p = await load();
  const { root, env } = fakeMachine(p, { withoutCommands: ['socat'], failImports: ['mne'] });
  const result = await p.checkMachine({ root, env });
  assert.deepEqual(result.packages, ['python3-mne', 'socat']);
  const text = p.report(result);
  assert.match(text, /python3-mne: .*cannot import mne \((?:ModuleNotFound|Import)Error/);
  assert.match(text, /socat: no socat on PATH/);
  assert.ok(text.includes('apt-get install -y --no-install-recommends python3-mne socat'), text);
});

test('a pyserial-less python3 names python3-serial, which python3-pymodbus only recommends', async () => {
  const p = await load();
  const { root, env } = fakeMachine(p, { failImports: ['serial'] });
  const result = await p.checkMachine({ root, env });
  assert.deepEqual(result.packages, ['python3-serial']);
  assert.ok(p.report(result).endsWith(`\n  ${p.aptLine(['python3-serial'])}`));
});

test('a python3 that crashes on the joint import is asked module by module, and names the one that fails', async () => {
  const p = await load();
  const { root, env } = fakeMachine(p, { crashOn: ['mne'], failImports: ['mne'] });
  const result = await p.checkMachine({ root, env });
  assert.deepEqual(result.packages, ['python3-mne']);
  assert.deepEqual(
    result.missing.map((m) => m.check.python),
    ['mne'],
  );
});

test('no /usr/bin/python3 at all: python3 and every python module package', async () => {
  const p = await load();
  const { root, env } = fakeMachine(p, { noPython: true });
  const result = await p.checkMachine({ root, env });
  assert.deepEqual(result.packages, [
    'python3',
    'python3-numpy',
    'python3-scipy',
    'python3-mne',
    'python3-h5py',
    'python3-hdf5storage',
    'python3-websockets',
    'python3-nest-asyncio',
    'python3-aiofiles',
    'python3-paramiko',
    'python3-bitarray',
    'python3-pymodbus',
    'python3-serial',
    'python3-serial-asyncio',
  ]);
});

test("clang without its ThreadSanitizer runtime, no chromium, no krb5 headers, no setpriv: their packages, in the list's order", async () => {
  const p = await load();
  const { root, env } = fakeMachine(p, {
    withoutRuntimes: ['tsan'],
    withoutFiles: ['/usr/bin/chromium', '/usr/include/krb5.h'],
    withoutCommands: ['setpriv'],
  });
  const result = await p.checkMachine({ root, env });
  assert.deepEqual(result.packages, ['libclang-rt-14-dev', 'chromium', 'libkrb5-dev', 'util-linux']);
  const text = p.report(result);
  assert.match(text, new RegExp(`libclang-rt-14-dev: no libclang_rt\\.tsan-${p.RUNTIME_ARCH}\\.a`));
  assert.ok(text.includes(p.aptLine(['libclang-rt-14-dev', 'chromium', 'libkrb5-dev', 'util-linux'])), text);
});

test('LABSCOPE_CHROMIUM stands in for /usr/bin/chromium, as it does for the e2e suites', async () => {
  const p = await load();
  const { root, env } = fakeMachine(p, { withoutFiles: ['/usr/bin/chromium'] });
  const browser = path.join(root, 'my-chromium');
  script(browser, '');
  assert.deepEqual((await p.checkMachine({ root, env: { ...env, LABSCOPE_CHROMIUM: browser } })).packages, []);
});

test('.ci/apt-packages.txt and the checks agree, and .ci/run installs from that file', async () => {
  const p = await load();
  const listed = p.readPackages();
  assert.ok(listed.includes('python3-serial') && listed.includes('libclang-rt-14-dev'), listed.join(' '));
  assert.deepEqual(p.drift(listed), { unchecked: [], unlisted: [] });
  assert.deepEqual(p.drift([...listed, 'cowsay']).unchecked, ['cowsay']);
  assert.match(fs.readFileSync(path.join(repo, '.ci/run'), 'utf8'), /\.ci\/apt-packages\.txt/);
});

test('the package list: words, comments and blank lines ignored', async () => {
  const p = await load();
  assert.deepEqual(p.parsePackages('# head\n\ncmake   # the addon\n  g++ make\n#clang\n'), ['cmake', 'g++', 'make']);
});
