// The CLI's own voice: --version, --help for the whole tool and for each command (exit 0, on
// stdout), and option mistakes named with the command and where to look (exit 2, one line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';

const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };

test('--version and every --help: exit 0, on stdout, each naming its own options', async () => {
  assert.deepEqual(await runCli(['--version']).then((r) => [r.code, r.stdout.trim()]), [0, `labscope ${version}`]);
  const cases: [string[], RegExp[]][] = [
    [['--help'], [/^usage: labscope <command>/, /labscope <command> --help/]],
    [
      ['record', '--help'],
      [/^usage: labscope record <uri> --out FILE/, /--duration S/, /--fast/],
    ],
    [['record', 'sim:rda', '-h'], [/^usage: labscope record/]],
    [['info', '--help'], [/^usage: labscope info FILE/]],
    [['recover', '--help'], [/^usage: labscope recover FILE\.npy \| FILE\.mat\.part/]],
    [
      ['simulate', '--help'],
      [/^usage: labscope simulate <family>/, /simulate rda /, /simulate bela /, /simulate servomex /],
    ],
    [
      ['simulate', 'servomex', '--help'],
      [/^usage: labscope simulate servomex/, /--port +modbus-tcp: the port to listen on/],
    ],
  ];
  for (const [argv, patterns] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '', argv.join(' '));
    for (const p of patterns) assert.match(r.stdout, new RegExp(p.source, 'm'), `${argv.join(' ')}:\n${r.stdout}`);
  }
});

test('option mistakes are one line in the CLI voice, naming the command, the option and the help to read; exit 2', async () => {
  const cases: [string[], string][] = [
    [['record', 'sim:rda', '--bogus'], 'labscope: record: unknown option --bogus (labscope record --help lists them)'],
    [['record', 'sim:rda', '--out'], 'labscope: record: --out needs a value (labscope record --help lists them)'],
    [['record', 'sim:rda', '--out', 'x.npy', '--json=yes'], 'labscope: record: --json takes no value (labscope record --help lists them)'],
    [['simulate', 'rda', '--colour', 'red'], 'labscope: simulate rda: unknown option --colour (labscope simulate rda --help lists them)'],
    [
      ['simulate', 'servomex', '--port', '5020'],
      'labscope: bad device URI "sim:servomex?port=5020": port= is for mode=modbus-tcp (mode=ascii makes a serial pty)',
    ],
  ];
  for (const [argv, line] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim(), line);
  }
});
