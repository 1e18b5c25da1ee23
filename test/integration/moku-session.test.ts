// Moku sessions end to end: a real Session (its worker, the REST client, mokucli's stand-in as a
// real child process on a real socket) against the simulated Moku. Recordings in NPY, CSV and MAT
// are read by numpy/scipy (Debian's python3) and compared sample by sample with what the device
// generated, recomputed in Python from the same formula; a device gap is where `time` jumped.
// Then every failure path of the REST API and of mokucli: the session goes to `error` with a
// message that says what is wrong, ownership is given back, and no process is left behind, also
// when the session's worker is terminated or the whole process is killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import '../../src/devices/index';
import { Session } from '../../src/core/session';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { MokuSimulator, type MokuSimulatorOptions } from '../../src/devices/moku/simulator';
import { PYTHON_GENERATOR } from '../../src/devices/moku/sim-generator';
import { PYTHON, pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';

/** Processes whose command line mentions `needle` (the stand-in's folder), by pid, from /proc. */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Run {
  sim: MokuSimulator;
  session: Session;
  dir: string;
}

/** A session on a fresh simulator; afterwards: closed, ownership given back, no stand-in left. */
async function withSession(
  options: MokuSimulatorOptions,
  query: Record<string, string | number>,
  body: (run: Run) => Promise<void>,
  { relinquished = true } = {},
): Promise<void> {
  const sim = new MokuSimulator({ mokucliVersion: '4.0.3', ...options, standIn: { listenDelayMs: 300, ...options.standIn } });
  const port = await sim.start();
  const dir = path.dirname(sim.mokucli ?? '/nowhere/x');
  const session = new Session(sim.uri(port, query));
  try {
    await body({ sim, session, dir });
  } finally {
    await session.close();
    await until('no mokucli stand-in left', () => processesWith(dir).length === 0, 5000);
    if (relinquished) await until('ownership given back', () => !sim.owned, 5000);
    await sim.stop();
  }
}

/** The session fails; its message must match. */
async function expectError(session: Session, message: RegExp): Promise<string> {
  await session.connect(20_000).catch(() => undefined);
  assert.equal(await session.whenDone(), 'error');
  assert.match(session.error ?? '', message);
  return session.error!;
}

/** numpy (or scipy) reads `file` and compares every row with the generator, gaps placed as the sidecar says. */
function checkRecording(file: string, nanEvery: number): { rows: number; wrong: string[]; nans: number; gapFrames: number } {
  return pythonJson(
    `${PYTHON_GENERATOR}
import sys, json, math, numpy as np, scipy.io
rec, sidecar, nan_every = sys.argv[1], sys.argv[2], int(sys.argv[3])
side = json.load(open(sidecar))
if rec.endswith('.npy'):
    a = np.load(rec)
elif rec.endswith('.csv'):
    a = np.loadtxt(rec, delimiter=',', skiprows=1, dtype=np.float64)[:, 1:]
else:
    a = scipy.io.loadmat(rec)['data']
# A device gap: the ring goes on where the frames would have been, the device's frames skip ahead.
gaps = sorted((g['fromFrame'], g['frames']) for g in side['gaps'] if g.get('cause') == 'device')
wrong, nans = [], 0
for r in range(a.shape[0]):
    frame = side['startFrame'] + r + sum(n for at, n in gaps if at <= side['startFrame'] + r)
    for c in range(a.shape[1]):
        want = moku_value(c, frame, nan_every)
        got = float(a[r, c])
        if math.isnan(want):
            nans += 1
            if not math.isnan(got): wrong.append(f'row {r} ch{c + 1}: {got!r}, want nan')
        elif got != want:
            wrong.append(f'row {r} ch{c + 1} (device frame {frame}): {got!r}, want {want!r}')
print(json.dumps({'rows': a.shape[0], 'wrong': wrong[:5], 'nans': nans, 'gapFrames': sum(n for _, n in gaps)}))
`,
    file,
    sidecarPathFor(file),
    String(nanEvery),
  );
}

test(
  'a Datalogger session records NPY, CSV and MAT with every sample as the device generated it; the rate is the device’s',
  { timeout: 120_000 },
  async () => {
    for (const ext of ['npy', 'csv', 'mat']) {
      await withSession({ nanEvery: 89 }, { rate: 3000, channels: '1,2', duration: 30 }, async ({ session, sim }) => {
        await session.connect(20_000);
        // Asked for 3000 Sa/s; a Moku:Go streams at 1 MHz / 333.
        assert.equal(session.rate, 1e6 / 333);
        assert.equal(session.sampleType, 'float64');
        assert.deepEqual(
          session.channels.map((c) => `${c.name} ${c.unit}`),
          ['ch1 V', 'ch2 V'],
        );
        const file = path.join(tmpDir(), `moku.${ext}`);
        const ended = session.recordingEnded();
        await session.startRecording(file, { durationS: 0.5, fromFrame: 0 });
        const summary = await ended;
        assert.equal(summary.frames, Math.round(0.5 * session.rate));
        const sidecar = readSidecar(sidecarPathFor(file));
        assert.equal(sidecar.rate, 1e6 / 333);
        assert.equal(sidecar.device.family, 'moku');
        const source = sidecar.source as Record<string, unknown>;
        assert.equal(source.hardware, 'Moku:Go');
        assert.equal(source.mokucli, '4.0.3');
        assert.equal(source.requestedRate, 3000);
        assert.match(String((source.warnings as string[])[0]), /coerced to 3003\.003/);
        const report = checkRecording(file, 89);
        assert.deepEqual(report.wrong, [], `${ext}: ${report.wrong.join('; ')}`);
        assert.equal(report.rows, summary.frames);
        assert.ok(report.nans >= 5, 'over-range samples are NaN in the file');
        // The enable_input calls went out for both inputs of a Moku:Go, with the key.
        const enables = sim.calls.filter((c) => c.op === 'datalogger/enable_input');
        assert.deepEqual(
          enables.map((c) => c.body),
          [
            { channel: 1, enable: true },
            { channel: 2, enable: true },
          ],
        );
        assert.ok(
          sim.calls.filter((c) => c.op !== 'moku/claim_ownership' && c.op !== 'v2/get_chunk').every((c) => c.key && c.key.length === 11),
        );
      });
    }
  },
);

test('long lines (tens of thousands of samples, each over many socket chunks) arrive whole and exact', { timeout: 60_000 }, async () => {
  await withSession({ standIn: { perLine: [20_000, 30_000] } }, { rate: 1e5, duration: 30 }, async ({ session }) => {
    await session.connect(20_000);
    const file = path.join(tmpDir(), 'long.npy');
    const ended = session.recordingEnded();
    await session.startRecording(file, { durationS: 1, fromFrame: 0 });
    assert.equal((await ended).frames, 100_000);
    const report = checkRecording(file, 0);
    assert.deepEqual(report.wrong, []);
    assert.equal(report.rows, 100_000);
  });
});

test('frames the device lost are a gap of their size where time jumps; the samples around it stay exact', { timeout: 60_000 }, async () => {
  await withSession({ loseFrames: { at: 700, frames: 37 } }, { rate: 2000, duration: 30 }, async ({ session }) => {
    await session.connect(20_000);
    const file = path.join(tmpDir(), 'gap.npy');
    const ended = session.recordingEnded();
    await session.startRecording(file, { durationS: 1, fromFrame: 0 });
    await ended;
    const sidecar = readSidecar(sidecarPathFor(file));
    assert.deepEqual(
      sidecar.gaps.map((g) => [g.fromFrame, g.frames, g.cause]),
      [[700, 37, 'device']],
    );
    const report = checkRecording(file, 0);
    assert.deepEqual(report.wrong, []);
    assert.equal(report.gapFrames, 37);
  });
});

test('EOS after the duration ends the session as done; stop_streaming and relinquish are not skipped', { timeout: 60_000 }, async () => {
  await withSession({}, { rate: 1000, duration: 0.6 }, async ({ session, sim }) => {
    await session.connect(20_000);
    assert.equal(await session.whenDone(), 'done');
    assert.equal(session.lastSample, 600);
    await until('relinquished', () => !sim.owned);
    assert.ok(sim.calls.some((c) => c.op === 'moku/relinquish_ownership'));
  });
});

test(
  'replies with bare nan tokens are read; a stream left running is stopped first; describe says the model',
  { timeout: 60_000 },
  async () => {
    await withSession(
      { nanBodies: true, streamRunning: true, model: 'Moku:Pro' },
      { rate: 1000, channels: '1', duration: 30 },
      async ({ session, sim }) => {
        await session.connect(20_000);
        assert.deepEqual(
          session.channels.map((c) => c.name),
          ['ch1'],
        );
        const ops = sim.calls.map((c) => c.op);
        const first = ops.indexOf('datalogger/start_streaming');
        assert.equal(ops[first + 1], 'datalogger/stop_streaming');
        assert.equal(ops[first + 2], 'datalogger/start_streaming');
        // A Moku:Pro has 4 inputs: 2-4 disabled.
        assert.deepEqual(
          sim.calls.filter((c) => c.op === 'datalogger/enable_input').map((c) => c.body.enable),
          [true, false, false, false],
        );
      },
    );
  },
);

test(
  'a LockInAmp (no get_samplerate) is timed by its time axis; its mode and rate go to start_streaming',
  { timeout: 60_000 },
  async () => {
    await withSession(
      {},
      { instrument: 'lockinamp', rate: 2000, mode: 'Precision', acquisition_speed: '30Hz' },
      async ({ session, sim }) => {
        const warnings: string[] = [];
        session.on('log', (level, text) => level === 'warn' && warnings.push(text));
        await session.connect(20_000);
        assert.equal(session.rate, 2000);
        const start = sim.calls.find((c) => c.op === 'lockinamp/start_streaming')!;
        assert.deepEqual(start.body, { duration: 3600, mode: 'Precision', rate: 2000 });
        assert.ok(!sim.calls.some((c) => c.op === 'lockinamp/get_samplerate'));
        const file = path.join(tmpDir(), 'lia.npy');
        const ended = session.recordingEnded();
        await session.startRecording(file, { durationS: 0.5, fromFrame: 0 });
        await ended;
        assert.deepEqual(checkRecording(file, 0).wrong, []);
      },
    );
  },
);

test(
  "a Phasemeter: acquisition_speed sent, its columns named as its frames name them, a Datalogger's settings not sent",
  { timeout: 60_000 },
  async () => {
    await withSession(
      {},
      { instrument: 'phasemeter', acquisition_speed: '1.9kHz', rate: 5000, channels: '1' },
      async ({ session, sim }) => {
        const warnings: string[] = [];
        session.on('log', (level, text) => level === 'warn' && warnings.push(text));
        await session.connect(20_000);
        assert.equal(
          warnings.filter((w) => /(rate|channels)= is not a setting of the phasemeter: not sent/.test(w)).length,
          2,
          warnings.join('\n'),
        );
        assert.equal(session.rate, 1900);
        assert.deepEqual(
          session.channels.map((c) => `${c.name} ${c.unit}`),
          ['ch1_frequency Hz', 'ch1_phase cycles', 'ch1_i V', 'ch1_q V', 'ch2_frequency Hz', 'ch2_phase cycles', 'ch2_i V', 'ch2_q V'],
        );
        assert.deepEqual(sim.calls.find((c) => c.op === 'phasemeter/start_streaming')!.body, {
          duration: 3600,
          acquisition_speed: '1.9kHz',
        });
        assert.ok(!sim.calls.some((c) => c.op === 'phasemeter/enable_input'));
      },
    );
  },
);

// ---- the REST API's failure paths ----

test('no client key in the claim: error naming it', { timeout: 30_000 }, async () => {
  await withSession({ noKey: true }, {}, async ({ session }) => {
    await expectError(session, /claim_ownership on 127\.0\.0\.1:\d+ returned no Moku-Client-Key/);
  });
});

test('owned by another client: refused without force_connect, taken over with it', { timeout: 60_000 }, async () => {
  await withSession({ ownedByOther: true }, {}, async ({ session }) => {
    await expectError(
      session,
      /moku\/claim_ownership failed: INVALID_REQUEST: The Moku is in use by another client .*did an earlier session end without giving the Moku back\? force_connect=true takes it over/,
    );
  });
  await withSession({ ownedByOther: true }, { force_connect: 'true' }, async ({ session, sim }) => {
    await session.connect(20_000);
    assert.equal(sim.calls[0].body.force_connect, true);
  });
});

test('HTTP 404, 500, 502 and 504 each say what they mean and what to do', { timeout: 120_000 }, async () => {
  const cases: [string, number, RegExp][] = [
    ['datalogger/start_streaming', 404, /does not know slot1\/datalogger\/start_streaming \(HTTP 404\).*check instrument=/],
    ['moku/describe', 500, /API server failed on moku\/describe \(HTTP 500, unhandled error\)/],
    ['moku/claim_ownership', 502, /API server is not installed \(HTTP 502 .*mokucli feature install 127\.0\.0\.1:\d+ api-server/],
    ['datalogger/get_samplerate', 504, /did not answer slot1\/datalogger\/get_samplerate in time \(HTTP 504\)/],
  ];
  for (const [op, status, message] of cases) {
    await withSession({ httpError: { op, status } }, {}, async ({ session }) => {
      await expectError(session, message);
    });
  }
});

test('an error envelope names its code and messages', { timeout: 30_000 }, async () => {
  await withSession(
    { errorEnvelope: { op: 'datalogger/start_streaming', code: 'INVALID_PARAM', message: 'Sample rate out of range' } },
    {},
    async ({ session }) => {
      await expectError(session, /start_streaming failed: INVALID_PARAM: Sample rate out of range \(a setting is out of range/);
    },
  );
});

test('nothing listening at the address: the error names it', { timeout: 30_000 }, async () => {
  const fake = path.join(tmpDir(), 'mokucli');
  fs.writeFileSync(fake, `#!${process.execPath}\nconsole.log('4.0.3')\n`, { mode: 0o755 });
  const session = new Session(`moku://127.0.0.1:9?mokucli=${encodeURIComponent(fake)}`);
  try {
    await expectError(
      session,
      /^cannot reach the Moku at 127\.0\.0\.1:9 \(moku\/claim_ownership\): ECONNREFUSED \(is it on, and is 127\.0\.0\.1 its address\?\)$/,
    );
  } finally {
    await session.close();
  }
});

test('a mokucli that prints no version is refused before the device is touched', { timeout: 30_000 }, async () => {
  const fake = path.join(tmpDir(), 'mokucli');
  fs.writeFileSync(fake, `#!${process.execPath}\n`, { mode: 0o755 });
  await withSession({}, { mokucli: fake }, async ({ session, sim }) => {
    await expectError(session, /--version printed "", no version number: is it mokucli\?/);
    assert.equal(sim.calls.length, 0);
  });
});

// ---- mokucli's failure paths ----

test('mokucli missing: named, with where it was looked for', { timeout: 30_000 }, async () => {
  await withSession({}, {}, async () => undefined);
  const sim = new MokuSimulator({});
  const port = await sim.start();
  const saved = { PATH: process.env.PATH, MOKU_CLI_PATH: process.env.MOKU_CLI_PATH };
  // The worker starts with a copy of this environment.
  process.env.PATH = '/nonexistent';
  delete process.env.MOKU_CLI_PATH;
  const session = new Session(`moku://127.0.0.1:${port}`);
  Object.assign(process.env, saved);
  if (saved.MOKU_CLI_PATH === undefined) delete process.env.MOKU_CLI_PATH;
  try {
    await expectError(session, /mokucli was not found \(not set in labscope\.mokucliPath or MOKU_CLI_PATH, and not on PATH\)/);
    assert.equal(sim.calls.length, 0, 'the device was not touched');
    const other = new Session(`moku://127.0.0.1:${port}?mokucli=/nonexistent/mokucli`);
    await expectError(other, /mokucli \/nonexistent\/mokucli \(from mokucli= in the URI\) does not exist/);
    await other.close();
  } finally {
    await session.close();
    await sim.stop();
  }
});

test('mokucli too old for the MokuOS: refused naming both versions; MokuOS 3 firmware 590 takes 2.2.2', { timeout: 60_000 }, async () => {
  await withSession({ mokucliVersion: 'mokucli 2.2.2' }, {}, async ({ session }) => {
    await expectError(session, /mokucli 2\.2\.2 at .* is too old: MokuOS 4\.0\.1 needs mokucli 4\.0\.1 or later/);
  });
  await withSession({ mokucliVersion: 'mokucli 2.2.2', mokuOS: '3.3.1', firmware: 590 }, { rate: 1000 }, async ({ session }) => {
    await session.connect(20_000);
    assert.equal(session.rate, 1000);
  });
});

test(
  'mokucli slow to listen: after the seed’s 5 tries 0.5 s apart, an error; a delay within them is fine',
  { timeout: 60_000 },
  async () => {
    await withSession({ standIn: { listenDelayMs: 4000 } }, {}, async ({ session }) => {
      await expectError(session, /mokucli did not listen on 127\.0\.0\.1:\d+ after 5 tries 0\.5 s apart \(ECONNREFUSED\)/);
    });
    await withSession({ standIn: { listenDelayMs: 1200 } }, {}, async ({ session }) => {
      await session.connect(20_000);
    });
  },
);

test('stderr text from mokucli is the error, in its words', { timeout: 30_000 }, async () => {
  await withSession(
    { standIn: { stderrAfter: { lines: 3, text: 'Error: data loss, buffer overrun at 1 MSa/s' } } },
    {},
    async ({ session }) => {
      await expectError(session, /^mokucli reported an error: Error: data loss, buffer overrun at 1 MSa\/s$/);
    },
  );
});

test('mokucli dying without EOS: exit 0 is "closed without EOS", a code is named with its words', { timeout: 60_000 }, async () => {
  await withSession({ standIn: { dieAfter: { lines: 5, code: 0 } } }, {}, async ({ session }) => {
    await expectError(
      session,
      /mokucli closed the stream without EOS after \d+ frames \(it exited with code 0\): the stream is incomplete/,
    );
  });
  await withSession({ standIn: { dieAfter: { lines: 5, code: 3 } } }, {}, async ({ session }) => {
    await expectError(session, /mokucli (exited with code 3|closed the stream without EOS after \d+ frames \(it exited with code 3)/);
  });
});

test('mokucli killed: the session errors naming the signal; files written so far stay valid', { timeout: 60_000 }, async () => {
  await withSession({}, { rate: 1000 }, async ({ session, dir }) => {
    await session.connect(20_000);
    const file = path.join(tmpDir(), 'killed.npy');
    await session.startRecording(file, { fromFrame: 0 });
    await until('a few frames', () => session.lastSample > 200);
    const [pid] = processesWith(dir);
    process.kill(pid, 'SIGKILL');
    await expectError(session, /(killed by SIGKILL|closed the stream without EOS)/);
    const report = checkRecording(file, 0);
    assert.deepEqual(report.wrong, []);
    assert.ok(report.rows > 200);
  });
});

// ---- no process left behind ----

test('close while streaming: mokucli is gone, the stream stopped, ownership relinquished', { timeout: 30_000 }, async () => {
  await withSession({}, { rate: 1000 }, async ({ session, sim, dir }) => {
    await session.connect(20_000);
    assert.equal(processesWith(dir).length, 1);
    await session.close();
    assert.deepEqual(processesWith(dir), [], 'mokucli is gone once close() returns');
    await until('relinquished', () => !sim.owned);
    const ops = sim.calls.map((c) => c.op);
    assert.ok(ops.indexOf('datalogger/stop_streaming') < ops.lastIndexOf('moku/relinquish_ownership'));
  });
});

test("the session's worker terminated: the kernel kills mokucli with it (pdeathsig)", { timeout: 30_000 }, async () => {
  await withSession(
    {},
    { rate: 1000 },
    async ({ session, sim, dir }) => {
      await session.connect(20_000);
      const [pid] = processesWith(dir);
      assert.ok(pid);
      // What a crash of the worker looks like from outside: the thread is gone without its cleanup.
      const client = (session as unknown as { acquisition: { worker: { terminate(): Promise<number> } } }).acquisition;
      await client.worker.terminate();
      await until(`mokucli ${pid} gone`, () => processesWith(dir).length === 0, 5000);
      // The limit, stated: a dead worker makes no REST call; the next force_connect takes the Moku.
      assert.ok(sim.owned);
    },
    { relinquished: false },
  );
});

test('the whole process killed: mokucli goes with it', { timeout: 60_000 }, async () => {
  const sim = new MokuSimulator({ mokucliVersion: '4.0.3' });
  const port = await sim.start();
  const dir = path.dirname(sim.mokucli!);
  const script = `
    require('./src/devices/index');
    const { Session } = require('./src/core/session');
    const s = new Session(${JSON.stringify(sim.uri(port))});
    s.connect(20000).then(() => console.log('connected'), (e) => { console.log('failed ' + e.message); });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: path.resolve(__dirname, '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    await until('the child connected', () => out.includes('connected') || out.includes('failed'), 30_000);
    assert.match(out, /^connected/);
    assert.equal(processesWith(dir).length, 1);
    child.kill('SIGKILL');
    await until('mokucli gone with its process', () => processesWith(dir).length === 0, 5000);
  } finally {
    child.kill('SIGKILL');
    await sim.stop();
  }
  assert.ok(fs.existsSync(PYTHON));
});
