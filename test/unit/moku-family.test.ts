// The moku family's URIs (host:port, bracketed IPv6 with its zone, the instruments and their
// settings) and finding mokucli: mokucli=, the setting (LABSCOPE_MOKUCLI_PATH), MOKU_CLI_PATH with
// ~ expanded, PATH, in that order; --version in both styles; a missing or old one refused naming
// what was found and what is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registry } from '../../src/devices/index';
import { paramsFor, readParams } from '../../src/core/family';
import { moku, parseChannels } from '../../src/devices/moku/family';
import { checkMokucliVersion, expandHome, findMokucli, mokucliVersion, SETTING_VARIABLE } from '../../src/devices/moku/mokucli';
import { requiredMokucli } from '../../src/devices/moku/protocol';
import { tmpDir } from '../helpers/tmp';
import { recordingPath } from '../../src/core/recording-path';

test('moku URIs: an IP, host:port, a bracketed IPv6 with its zone; instruments and settings parsed', () => {
  const resolve = (text: string) => {
    const { uri, family } = registry.resolve(text);
    return { uri, family, values: readParams(uri, paramsFor(family, uri)) };
  };
  const a = resolve('moku://192.168.73.1?instrument=datalogger&rate=1e4&channels=1,2&duration=5');
  assert.equal(a.family, moku);
  assert.equal(a.uri.host, '192.168.73.1');
  assert.deepEqual(a.values.get('channels'), [1, 2]);
  assert.equal(a.values.get('rate'), 1e4);
  assert.equal(a.values.get('duration'), 5);
  const b = resolve('moku://10.0.0.5:8090?instrument=Phasemeter&acquisition_speed=1.9kHz');
  assert.equal(b.uri.port, 8090);
  assert.equal(b.values.get('instrument'), 'phasemeter');
  assert.equal(registry.resolve('moku://[fe80::1%eth0]?instrument=lockinamp&mode=Normal&rate=100').uri.host, 'fe80::1%eth0');
  assert.throws(() => registry.resolve('moku://'), /no host \(expected moku:\/\/IP/);
  assert.throws(
    () => registry.resolve('moku://h?instrument=oscilloscope'),
    /instrument="oscilloscope" is not one of datalogger, lockinamp/,
  );
  assert.throws(() => registry.resolve('moku://h?channels=1,9'), /channels="1,9" has "9", not an input number from 1 to 8/);
  assert.throws(() => registry.resolve('moku://h?channels=2,2'), /names input 2 twice/);
  assert.throws(() => registry.resolve('moku://h?acquisition_speed=fast'), /acquisition_speed="fast" is not a speed/);
  assert.throws(() => registry.resolve('moku://h?range=3Vpp'), /range="3Vpp" is not one of/);
  assert.throws(() => registry.resolve('moku://h?rate=-5'), /rate="-5" is not a number > 0/);
  assert.deepEqual(parseChannels(' 1, 3 '), [1, 3]);
});

test('mokucli= paths are made absolute against the workspace; ~ is left for the worker to expand', () => {
  assert.equal(moku.resolvePaths!('moku://h?mokucli=bin/mokucli', '/ws'), 'moku://h?mokucli=/ws/bin/mokucli');
  assert.equal(moku.resolvePaths!('moku://h?mokucli=~/mokucli', '/ws'), 'moku://h?mokucli=~/mokucli');
  assert.equal(expandHome('~/bin/mokucli'), path.join(os.homedir(), 'bin/mokucli'));
  assert.equal(expandHome('/opt/mokucli'), '/opt/mokucli');
});

function fakeMokucli(dir: string, name: string, script: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!${process.execPath}\n${script}\n`, { mode: 0o755 });
  return file;
}

test('finding mokucli: mokucli=, then the setting, then MOKU_CLI_PATH (~ expanded), then PATH', () => {
  const dir = tmpDir();
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const onPath = fakeMokucli(bin, 'mokucli', '');
  const setting = fakeMokucli(dir, 'from-setting', '');
  const variable = fakeMokucli(dir, 'from-variable', '');
  const explicit = fakeMokucli(dir, 'explicit', '');
  const env = { PATH: bin };
  assert.deepEqual(findMokucli(undefined, env), { file: onPath, from: 'PATH' });
  assert.deepEqual(findMokucli(undefined, { ...env, MOKU_CLI_PATH: variable }), { file: variable, from: 'MOKU_CLI_PATH' });
  assert.deepEqual(findMokucli(undefined, { ...env, MOKU_CLI_PATH: variable, [SETTING_VARIABLE]: setting }), {
    file: setting,
    from: 'the setting labscope.mokucliPath',
  });
  assert.deepEqual(findMokucli(explicit, { ...env, MOKU_CLI_PATH: variable, [SETTING_VARIABLE]: setting }).file, explicit);
  const home = path.relative(os.homedir(), variable);
  if (!home.startsWith('..')) assert.equal(findMokucli(undefined, { PATH: '', MOKU_CLI_PATH: `~/${home}` }).file, variable);
  // A path that was set and is wrong is an error, not passed over for PATH's.
  assert.throws(
    () => findMokucli(undefined, { ...env, MOKU_CLI_PATH: path.join(dir, 'nope') }),
    (e: Error) => e.message.startsWith(`mokucli ${path.join(dir, 'nope')} (from MOKU_CLI_PATH) does not exist: install mokucli`),
  );
  fs.writeFileSync(path.join(dir, 'plain'), '');
  assert.throws(() => findMokucli(path.join(dir, 'plain'), env), /\(from mokucli= in the URI\) is not executable/);
  assert.throws(
    () => findMokucli(undefined, { PATH: dir }),
    /mokucli was not found \(not set in labscope\.mokucliPath or MOKU_CLI_PATH, and not on PATH\)/,
  );
});

test('mokucli --version: both styles read; junk, and a too-old one, refused naming what was found and what is needed', async () => {
  const dir = tmpDir();
  const v4 = { file: fakeMokucli(dir, 'v4', "console.log('4.0.3')"), from: 'PATH' };
  const v2 = { file: fakeMokucli(dir, 'v2', "console.log('mokucli 2.2.2')"), from: 'MOKU_CLI_PATH' };
  const junk = { file: fakeMokucli(dir, 'junk', "console.log('usage: frobnicate')"), from: 'PATH' };
  const broken = { file: fakeMokucli(dir, 'broken', "console.error('libfoo.so: cannot open'); process.exit(127)"), from: 'PATH' };
  assert.deepEqual((await mokucliVersion(v4)).version, [4, 0, 3]);
  assert.deepEqual((await mokucliVersion(v2)).version, [2, 2, 2]);
  await assert.rejects(mokucliVersion(junk), /--version printed "usage: frobnicate", no version number: is it mokucli\?/);
  await assert.rejects(mokucliVersion(broken), /--version failed: mokucli exited with code 127: libfoo.so: cannot open/);
  assert.doesNotThrow(() => checkMokucliVersion(v4, [4, 0, 3], requiredMokucli('4.0.1', undefined)));
  assert.throws(
    () => checkMokucliVersion(v2, [2, 2, 2], requiredMokucli('4.0.1', undefined)),
    new RegExp(
      `^Error: mokucli 2\\.2\\.2 at ${v2.file} \\(from MOKU_CLI_PATH\\) is too old: MokuOS 4\\.0\\.1 needs mokucli 4\\.0\\.1 or later`,
    ),
  );
  assert.doesNotThrow(() => checkMokucliVersion(v2, [2, 2, 2], requiredMokucli('3.3.1', 590)));
});

test("a recording started without a name is the moku package's STREAM_<ddmmYYYYHHMMSS>.<ext> in the recordings folder", () => {
  const when = new Date(2026, 10, 22, 9, 5, 7);
  assert.equal(moku.recordingName!(when), 'STREAM_22112026090507');
  const taken = new Set(['/w/recordings/STREAM_22112026090507.npy']);
  assert.equal(
    recordingPath('/w/recordings', 'Moku', 'csv', when, (p) => taken.has(p), moku.recordingName!(when)),
    '/w/recordings/STREAM_22112026090507.csv',
  );
  assert.equal(
    recordingPath('/w/recordings', 'Moku', 'npy', when, (p) => taken.has(p), moku.recordingName!(when)),
    '/w/recordings/STREAM_22112026090507-2.npy',
  );
});

test("the tree's line for a Moku session: model, MokuOS and mokucli from the source's summary", () => {
  assert.equal(
    moku.summaryLine!({ hardware: 'Moku:Pro', mokuOS: '4.0.1', mokucli: '4.0.3', lines: 10 }),
    'Moku:Pro · MokuOS 4.0.1 · mokucli 4.0.3',
  );
  assert.equal(moku.summaryLine!({ lines: 0 }), undefined, 'nothing before describe has answered');
});
