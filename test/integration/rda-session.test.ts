// Sessions against hostile and flaky RDA servers: bad input puts that session in `error` with a
// message naming the fault, while the process, other sessions and finished files go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Session } from '../../src/core/session';
import { encodeData, encodeStart } from '../../src/devices/rda/protocol';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { tmpDir } from '../helpers/tmp';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do

const CHANNELS = 4;
const POINTS = 10;
const start = () => encodeStart({ names: ['A', 'B', 'C', 'D'], intervalUs: 1000, resolutions: [1, 1, 1, 1] });
const block = (n: number) => {
  const samples = new Float32Array(POINTS * CHANNELS).map((_, i) => n * 1000 + i);
  return encodeData({ format: 'float32', block: n, channels: CHANNELS, samples });
};

/** The frames of blocks first..last as the server sent them (resolution 1: µV as they are). */
function sentFrames(first: number, last: number): Float32Array {
  const out: number[] = [];
  for (let n = first; n <= last; n++) for (let i = 0; i < POINTS * CHANNELS; i++) out.push(n * 1000 + i);
  return Float32Array.from(out);
}

/** A server that plays a script per connection: each step is bytes to send or 'close'. */
async function scriptedServer(scripts: (Buffer | 'close' | 'hold')[][]) {
  let connection = 0;
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    const script = scripts[Math.min(connection++, scripts.length - 1)];
    for (const step of script) {
      if (step === 'close') return void socket.end();
      if (step === 'hold') return;
      socket.write(step);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    uri: `rda://127.0.0.1:${port}`,
    send: (bytes: Buffer) => sockets[sockets.length - 1].write(bytes),
    end: () => sockets[sockets.length - 1].end(),
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

function headerOnly(nSize: number, type = 1): Buffer {
  const b = Buffer.from(start().subarray(0, 24));
  b.writeUInt32LE(nSize, 16);
  b.writeUInt32LE(type, 20);
  return b;
}

const BAD: [string, () => Buffer[], RegExp][] = [
  [
    'wrong GUID',
    () => {
      const b = start();
      b[3] ^= 0xff;
      return [b];
    },
    /GUID/i,
  ],
  ['nSize below the header', () => [headerOnly(12)], /nSize 12/],
  ['nSize beyond any sane limit', () => [headerOnly(0xfffffff0)], /nSize 4294967280/],
  [
    'nChannels 0',
    () => {
      const b = start();
      b.writeUInt32LE(0, 24);
      return [b];
    },
    /nChannels is 0/,
  ],
  [
    'channel names without NUL',
    () => {
      const b = start();
      b[b.length - 1] = 0x41;
      return [b];
    },
    /NUL/,
  ],
  [
    'sample counts that overrun the message',
    () => {
      const b = block(0);
      b.writeUInt32LE(1000, 28);
      return [start(), b];
    },
    /overrun/,
  ],
  [
    'a truncated message',
    () => {
      const b = block(1);
      return [start(), block(0), b.subarray(0, b.length - 7)];
    },
    /truncated/,
  ],
];

test('bad RDA input: that session errors naming the fault; the others and written files go on', async (t) => {
  const healthy = new Session('sim:rda?channels=8&rate=2000');
  await healthy.connect();
  const dir = tmpDir();
  try {
    for (const [name, messages, fault] of BAD) {
      await t.test(name, async () => {
        const server = await scriptedServer([[start(), block(0), block(1), 'hold']]);
        const session = new Session(server.uri, { backoffS: [0.05] });
        try {
          await session.connect();
          await session.wait(0, 2 * POINTS, 5000);
          const file = path.join(dir, `${name.replace(/\W+/g, '-')}.npy`);
          const ended = session.recordingEnded();
          await session.startRecording(file, { fromFrame: 0 });
          const bad = messages();
          for (const m of bad) server.send(m);
          if (name === 'a truncated message') server.end();
          const summary = await ended;
          await waitFor(() => session.state === 'error', 5000);
          assert.match(session.error ?? '', fault);
          assert.match(summary.reason, /stream failed/);
          const written = readNpy(file);
          assert.ok(written.shape[0] >= 2 * POINTS, `the file lost its frames: ${written.shape}`);
          assert.deepEqual(written.data.subarray(0, 2 * POINTS * CHANNELS), sentFrames(0, 1), 'the file differs from the blocks sent');
          assert.equal(readSidecar(sidecarPathFor(file)).frames, written.shape[0]);
        } finally {
          await session.close();
          await server.close();
        }
      });
    }
    const before = healthy.lastSample;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(healthy.state, 'active');
    assert.ok(healthy.lastSample > before, 'the healthy session stopped receiving');
  } finally {
    await healthy.close();
  }
});

test('random bytes on the wire (seeded): the session errors with a named fault, never crashes', async () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let round = 0; round < 8; round++) {
    // Half the rounds corrupt a real data block (a valid header can then claim anything), half
    // send noise where a message should start.
    const noise = Buffer.from(Array.from({ length: 16 + Math.floor(random() * 400) }, () => Math.floor(random() * 256)));
    const bytes = round % 2 === 0 ? Buffer.concat([block(1).subarray(0, 24 + Math.floor(random() * 12)), noise]) : noise;
    const server = await scriptedServer([[start(), block(0), bytes, 'close']]);
    const session = new Session(server.uri, { backoffS: [0.05] });
    try {
      await session.connect();
      await waitFor(() => session.state === 'error', 5000);
      assert.match(session.error ?? '', /RDA|truncated/, `round ${round}: ${session.error}`);
    } finally {
      await session.close();
      await server.close();
    }
  }
});

test('a dropped connection is reconnected; data after a known start resumes; lost blocks are a gap', async () => {
  const server = await scriptedServer([
    [start(), block(0), block(1), block(2), 'close'],
    [block(6), block(7), 'hold'],
  ]);
  const session = new Session(server.uri, { backoffS: [0.05] });
  const dir = tmpDir();
  try {
    await session.connect();
    const file = path.join(dir, 'resumed.npy');
    await session.startRecording(file, { fromFrame: 0 });
    // The ring is shared memory and updates at once; state and gaps arrive as worker messages.
    await waitFor(() => session.lastSample >= 5 * POINTS && session.gaps.length > 0 && session.state === 'active', 5000);
    assert.deepEqual(
      session.gaps.map((g) => [g.fromFrame, g.frames, g.cause]),
      [[3 * POINTS, 3 * POINTS, 'device']],
    );
    const summary = await session.stopRecording();
    assert.equal(summary.frames, 5 * POINTS);
    const sidecar = readSidecar(sidecarPathFor(file));
    assert.deepEqual(
      sidecar.gaps.map((g) => [g.row, g.frames]),
      [[3 * POINTS, 3 * POINTS]],
    );
    const data = readNpy(file).data;
    const expected = new Float32Array([...sentFrames(0, 2), ...sentFrames(6, 7)]);
    assert.deepEqual(data, expected, 'the file must hold blocks 0–2 then 6–7, nothing else');
    await waitFor(() => session.stats().reconnects === 1, 2000);
  } finally {
    await session.close();
    await server.close();
  }
});

test('a sampling interval sent in seconds (old FieldTrip servers) is read as µs, with a warning', async () => {
  const inSeconds = encodeStart({ names: ['A', 'B', 'C', 'D'], intervalUs: 0.002, resolutions: [1, 1, 1, 1] });
  const server = await scriptedServer([[inSeconds, block(0), 'hold']]);
  const session = new Session(server.uri);
  const warnings: string[] = [];
  session.on('log', (level: string, text: string) => level === 'warn' && warnings.push(text));
  try {
    await session.connect();
    assert.equal(session.rate, 500);
    await waitFor(() => warnings.some((w) => /looks like seconds/.test(w)), 2000);
  } finally {
    await session.close();
    await server.close();
  }
});

test('the seed client API: getData, wait, poll, lastSample, isStreaming, timelog', async () => {
  const session = new Session('sim:rda?channels=2&rate=1000', { bufferSize: 5000 });
  const dir = tmpDir();
  try {
    assert.equal(session.isStreaming, false);
    await session.connect();
    assert.equal(session.isStreaming, true);
    const first = await session.wait(0, 100, 3000);
    assert.ok(first && first.length === 200);
    assert.deepEqual(session.getData(0, 100), first);
    assert.equal(session.getData(0, session.lastSample + 10_000), null, 'not written yet must be null');
    const polled = await session.poll(50, 3000);
    assert.equal(polled?.length, 100);
    await waitFor(() => session.lastSample > 6000, 10_000);
    assert.equal(session.getData(0, 10), null, 'overwritten must be null');
    assert.equal(await session.wait(0, 10, 100), null);
    const log = path.join(dir, 'timelog.csv');
    const blocks = await session.saveTimelog(log);
    assert.ok(blocks > 10);
    const lines = (await import('node:fs')).readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'block,frame,host_ns,wall_time');
    assert.equal(lines.length, blocks + 1);
    // A timelog that cannot be written is refused with the path named, not waited for forever.
    await assert.rejects(
      session.saveTimelog(path.join(dir, 'no-such-folder', 'timelog.csv')),
      /cannot save the timelog to .*no-such-folder.*ENOENT/,
    );
  } finally {
    await session.close();
  }
  assert.equal(session.state, 'closed');
  assert.equal(session.getData(0, 1), null);
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a full disk (/dev/full) fails the recording naming the file and ENOSPC; the session streams on', async () => {
  const dir = tmpDir();
  const full = path.join(dir, 'full.npy');
  fs.symlinkSync('/dev/full', full);
  const session = new Session('sim:rda?channels=4&rate=1000');
  try {
    await session.connect();
    await assert.rejects(session.startRecording(full), (error: Error) => {
      assert.match(error.message, new RegExp(`cannot record to ${full.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOSPC`));
      return true;
    });
    assert.equal(session.state, 'active');
    assert.equal(session.recording, undefined);
    // The same session records elsewhere right after: nothing was left half-open.
    const ok = path.join(dir, 'ok.npy');
    await session.startRecording(ok, { durationS: 0.1 });
    const summary = await session.recordingEnded();
    assert.equal(summary.frames, 100);
    assert.equal(readNpy(ok).shape[0], 100);
  } finally {
    await session.close();
  }
});
