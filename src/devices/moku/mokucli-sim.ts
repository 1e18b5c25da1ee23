// A mokucli stand-in, shipped so sim:moku, the demo and the tests run with no mokucli installed.
// It is a program of its own (the source spawns it as it spawns mokucli, through the subprocess
// transport, and it must be killable like mokucli): writeMokucliStandIn() writes it out as an
// executable script whose interpreter is this Node (or Electron run as Node inside VS Code), with
// its quirks baked in. It speaks what PROTOCOLS.md says mokucli does:
//
//   mokucli --version                         `4.0.3`, or 2.x's `mokucli 2.2.2`
//   mokucli stream --ip-address=IP --stream-id=ID --target=PORT|-
//
// A port target listens on 127.0.0.1 after a start-up delay, takes one connection, and writes one
// JSON object per line (`{"time": [...], "ch1": [...], ...}`, a varying number of samples per line,
// time continuous across lines, over-range samples as `nan`), then `EOS`, and exits 0. The samples
// come from the simulated device (simulator.ts) as ADC codes through `POST /api/v2/get_chunk`,
// which is how the real mokucli most likely gets them; here the codes times the gains the chunk
// gives are the volts. Quirks: a listen delay, stderr text after N lines, dying without EOS after N
// lines (any exit code), and a copy of every line written to a file (for the tests).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StandInConfig {
  /** What `--version` prints: `4.0.3` (4.x style) or `mokucli 2.2.2` (2.x style). */
  version: string;
  /** Milliseconds between the start and listening on the port. */
  listenDelayMs?: number;
  /** Samples per line vary between these (inclusive). */
  perLine?: [number, number];
  /** How often the device is asked for new samples (ms). */
  pollMs?: number;
  /** After this many data lines, write `text` on stderr (and go on). */
  stderrAfter?: { lines: number; text: string };
  /** After this many data lines, close the socket without EOS and exit with `code`. */
  dieAfter?: { lines: number; code: number };
  /** Append every line written to this file. */
  dump?: string;
}

/**
 * The stand-in's whole program. It runs in its own process from its source text, so it may use
 * nothing from outside this function: Node's modules are required inside.
 */
function mokucliStandIn(config: StandInConfig): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- this function is written out as a script of its own */
  const net = require('node:net') as typeof import('node:net');
  const http = require('node:http') as typeof import('node:http');
  const fsm = require('node:fs') as typeof import('node:fs');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const argv = process.argv.slice(2);
  const die = (text: string, code = 2): never => {
    process.stderr.write(`Error: ${text}\n`);
    process.exit(code);
  };
  if (argv.includes('--version')) {
    process.stdout.write(`${config.version}\n`);
    return;
  }
  if (argv[0] !== 'stream') die(`unknown command ${JSON.stringify(argv[0] ?? '')} (this stand-in knows stream and --version)`);
  const option = (name: string): string => {
    const prefix = `--${name}=`;
    const found = argv.find((a) => a.startsWith(prefix));
    if (found === undefined) return die(`Missing option '--${name}'`);
    return found.slice(prefix.length);
  };
  const ip = option('ip-address');
  const streamId = option('stream-id');
  const target = option('target');
  const [minPer, maxPer] = config.perLine ?? [1, 400];
  let seed = 12345;
  const nextPer = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return minPer + ((seed >>> 8) % (maxPer - minPer + 1));
  };

  let want = 0;
  let out: { write(text: string): void; end(): void } | undefined;
  let lines = 0;
  // Frames fetched from the device and not yet written: absolute frame, values per channel.
  let names: string[] = [];
  let rate = 0;
  const queueFrames: number[] = [];
  const queueValues: number[][] = [];
  let eos = false;
  let dead = false;
  const fmt = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v));

  const writeLine = (text: string) => {
    if (dead || !out) return;
    out.write(`${text}\n`);
    if (config.dump) fsm.appendFileSync(config.dump, `${text}\n`);
  };
  const flush = (all: boolean) => {
    while (queueFrames.length && !dead) {
      // Not enough for this line's size yet: the size is kept for the next turn.
      want ||= nextPer();
      if (queueFrames.length < want && !all) return;
      const take = Math.min(want, queueFrames.length);
      want = 0;
      const frames = queueFrames.splice(0, take);
      const parts = [`"time": [${frames.map((f) => fmt(f / rate)).join(', ')}]`];
      names.forEach((name, c) => parts.push(`"${name}": [${queueValues[c].splice(0, take).map(fmt).join(', ')}]`));
      writeLine(`{${parts.join(', ')}}`);
      lines++;
      if (config.stderrAfter && lines === config.stderrAfter.lines) process.stderr.write(`${config.stderrAfter.text}\n`);
      if (config.dieAfter && lines === config.dieAfter.lines) {
        dead = true;
        socket?.destroy();
        process.exit(config.dieAfter.code);
      }
    }
  };

  const poll = () => {
    const body = JSON.stringify({ stream_id: streamId });
    const request = http.request(
      `http://${ip}/api/v2/get_chunk`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) die(`get_chunk: HTTP ${response.statusCode}: ${text.slice(0, 200)}`, 1);
          const reply = JSON.parse(text) as {
            success: boolean;
            messages?: string[];
            data: {
              start: number;
              count: number;
              rate: number;
              names: string[];
              gains: number[];
              codes: (number | null)[][];
              eos: boolean;
            };
          };
          if (!reply.success) die(`get_chunk: ${(reply.messages ?? []).join('; ')}`, 1);
          const d = reply.data;
          names = d.names;
          rate = d.rate;
          while (queueValues.length < names.length) queueValues.push([]);
          // The device leaves out frames it lost: `frames` says which each column holds.
          const frames = (d as { frames?: number[] }).frames;
          for (let k = 0; k < d.count; k++) queueFrames.push(frames ? frames[k] : d.start + k);
          names.forEach((_, c) => {
            for (const code of d.codes[c]) queueValues[c].push(code === null ? NaN : code * d.gains[c]);
          });
          if (d.eos) eos = true;
          flush(eos);
          if (eos) {
            writeLine('EOS');
            out?.end();
            return;
          }
          setTimeout(poll, config.pollMs ?? 20);
        });
      },
    );
    request.on('error', (error) => die(`cannot reach the Moku at ${ip}: ${error.message}`, 1));
    request.end(body);
  };

  let socket: import('node:net').Socket | undefined;
  if (target === '-') {
    out = { write: (t) => process.stdout.write(t), end: () => undefined };
    poll();
    return;
  }
  if (!/^\d+$/.test(target) || Number(target) < 1024 || Number(target) > 65535)
    die(`--target=${target}: this stand-in streams to a TCP port 1024-65535 or '-' only`);
  setTimeout(() => {
    const server = net.createServer((s) => {
      socket = s;
      server.close();
      s.on('error', () => undefined);
      s.on('close', () => {
        if (!eos) process.exit(0);
      });
      out = { write: (t) => s.write(t), end: () => s.end(() => process.exit(0)) };
      poll();
    });
    server.on('error', (error) => die(`cannot listen on 127.0.0.1:${target}: ${error.message}`));
    server.listen(Number(target), '127.0.0.1');
  }, config.listenDelayMs ?? 300);
}

/**
 * Writes the stand-in as the executable `dir/mokucli` with `config` baked in; returns its path.
 * The interpreter is this process's own Node; inside VS Code that is Electron, which runs as Node
 * with ELECTRON_RUN_AS_NODE=1 (set through env -S, no shell).
 */
export function writeMokucliStandIn(dir: string, config: StandInConfig): string {
  const file = path.join(dir, 'mokucli');
  const interpreter = process.versions.electron ? `/usr/bin/env -S ELECTRON_RUN_AS_NODE=1 ${process.execPath}` : process.execPath;
  // tsx and esbuild may wrap named functions in __name(): defined here, since the script has no helpers.
  const source = `#!${interpreter}\n'use strict';\nvar __name = (f) => f;\n(${mokucliStandIn.toString()})(${JSON.stringify(config)});\n`;
  fs.writeFileSync(file, source, { mode: 0o755 });
  return file;
}
