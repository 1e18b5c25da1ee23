// `npm run bench`: every benchmark, each against a baseline measured in this same run.
import * as os from 'node:os';
import { benchRdaDecode } from './rda-decode';
import { benchRing } from './ring';
import { benchIngest } from './ingest';
import { benchHostLoad } from './host-load';
import { benchScope } from './scope';
import { benchScopeBytes } from './scope-bytes';
import { benchScopeVscode } from './scope-vscode';
import { benchScopeTrigger } from './scope-trigger';
import { benchServomexPoll } from './servomex-poll';
import { benchAudioDecode } from './audio-decode';
import { benchBela } from './bela';
import { benchMoku } from './moku';
import { benchEditor } from './editor';
import { printRows } from './report';

async function main(): Promise<void> {
  const only = process.argv[2];
  console.log(`Labscope benchmarks — node ${process.version}, ${os.cpus().length} cores`);
  if (!only || only === 'decode') printRows('(a) RDA decode, 64 channels × 512 points per message', benchRdaDecode());
  if (!only || only === 'ring') printRows('(b) ring write + read, 64-channel 32-frame blocks', benchRing());
  if (!only || only === 'ingest') printRows('(c) loopback ingest to NPY', await benchIngest());
  if (!only || only === 'host') printRows('(d) extension-host main thread during a recording', await benchHostLoad());
  if (!only || only === 'scope') printRows('(e) live scope, 64 ch × 25 kHz, 10 s window, 1200 × 800 plot in chromium', await benchScope());
  if (!only || only === 'scope-vscode')
    printRows('(e3) live scope in a real VS Code (code-server), 64 ch × 25 kHz, 10 s window, 1200-px plot', await benchScopeVscode());
  if (!only || only === 'scope-trigger')
    printRows('(e4) triggered scope, host per frame, 64 ch × 25 kHz, 20 ms blocks, 1200 columns, simulated time', benchScopeTrigger());
  if (!only || only === 'scope-bytes')
    printRows('(e2) live scope bytes per frame at every rate, 60 requests a second, simulated time', benchScopeBytes());
  if (!only || only === 'servomex') {
    const { rows, verdict } = await benchServomexPoll();
    printRows('(g) Servomex Modbus TCP polling of pymodbus at 100 Hz: seed-001 poll recorder vs setInterval', rows);
    console.log(verdict);
  }
  if (!only || only === 'audio') printRows('(f) audio decode, 1 MiB blocks → float32 ±1', benchAudioDecode());
  if (!only || only === 'bela')
    printRows('(h) Bela watcher stream, 32 dense float watchers × 44.1 kHz → float64 ring (CPU time)', benchBela());
  if (!only || only === 'moku') {
    const { rows, verdict } = benchMoku();
    printRows('(i) Moku stream, mokucli lines of Moku:Pro 2 ch × 5 MSa/s + time → float64 ring (CPU time)', rows);
    console.log(verdict);
  }
  if (!only || only === 'editor')
    printRows(
      '(j) recording editor, host and webview: a 64 ch × 25 kHz × 5 min float32 NPY (targets: first traces < 1 s, p95 < 16 ms, < 200 MB)',
      await benchEditor(),
    );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
