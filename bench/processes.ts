// What the loopback benchmarks share: the RDA simulator in its own process (so its sending does
// not compete with the code measured for the event loop), and the plain Node pipe they compare with.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** `labscope simulate rda <args> --port 0` from dist/; resolves with the port it listens on. */
export async function startRdaSimulator(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const cli = path.resolve(__dirname, '..', 'dist', 'cli.js');
  const child = spawn(process.execPath, [cli, 'simulate', 'rda', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      const m = /connect with rda:\/\/[\d.]+:(\d+)/.exec((out += d));
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { child, port };
}

/** Pipes a connection to the simulator into `file` for `seconds`, on this thread. */
export async function pipeToFile(port: number, file: string, seconds: number): Promise<{ bytes: number; seconds: number }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const out = fs.createWriteStream(file);
  let bytes = 0;
  socket.on('data', (d) => (bytes += d.length));
  socket.pipe(out);
  await new Promise((r) => socket.once('connect', r));
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  socket.unpipe(out);
  socket.destroy();
  await new Promise((r) => out.end(r));
  return { bytes, seconds: elapsed };
}
