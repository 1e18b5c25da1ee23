// The device list behind the explorer: where devices come from, what trust allows, and how a
// new recording is named and kept inside the workspace.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DeviceManager, UntrustedDeviceError } from '../../src/core/device-manager';
import { fileSlug, recordingPath, recordingsFolder, timestamp, OutsideWorkspaceError } from '../../src/core/recording-path';
import { adviceFor, withAdvice } from '../../src/core/advice';
import * as human from '../../src/core/human';
import { absoluteAudioUri } from '../../src/devices/audio/audio-uri';
import '../../src/devices/index'; // registers the families with the core, as the program's entry points do

test('workspace devices in an untrusted workspace are listed but refused; user devices and simulators are not', async () => {
  const manager = new DeviceManager();
  await manager.update(
    [
      { name: 'amp', uri: 'rda://10.0.0.2:51244', origin: 'workspace' },
      { name: 'mine', uri: 'rda://127.0.0.1:1', origin: 'user' },
      { name: 'sim', uri: 'sim:rda', origin: 'simulator' },
    ],
    false,
  );
  const [amp, mine, sim] = manager.devices;
  assert.equal(amp.trusted, false);
  assert.equal(mine.trusted, true);
  assert.equal(sim.trusted, true);
  await assert.rejects(manager.connect(amp), UntrustedDeviceError);
  assert.equal(amp.sessions.length, 0, 'no session is even created for an untrusted device');
  await manager.update(
    manager.devices.map((d) => d.config),
    true,
  );
  assert.equal(manager.devices[0], amp, 'granting trust keeps the same device object');
  assert.equal(amp.trusted, true);
});

test('a bad URI is kept as a device with its problem named, and connecting says what is wrong', async () => {
  const manager = new DeviceManager();
  await manager.update(
    [
      { name: 'typo', uri: 'rdb://x', origin: 'user' },
      { name: 'nohost', uri: 'rda://', origin: 'user' },
    ],
    true,
  );
  assert.match(manager.devices[0].problem ?? '', /unknown scheme "rdb:"/);
  assert.match(manager.devices[1].problem ?? '', /no host/);
  await assert.rejects(manager.connect(manager.devices[0]), /unknown scheme/);
});

test('a refused connection fails with the address and leaves no live session behind', async () => {
  const manager = new DeviceManager();
  await manager.update([{ name: 'nobody', uri: 'rda://127.0.0.1:9', origin: 'user' }], true);
  const device = manager.devices[0];
  await assert.rejects(manager.connect(device), /cannot connect to rda:\/\/127\.0\.0\.1:9: ECONNREFUSED/);
  assert.equal(device.live, undefined);
  assert.equal(device.sessions.length, 1, 'the failed session stays listed so its error can be read');
  await manager.dispose();
});

test('a device removed from the settings is disconnected; one that stays keeps its session', async () => {
  const manager = new DeviceManager();
  const a = { name: 'a', uri: 'sim:rda?channels=2&rate=500', origin: 'user' as const };
  const b = { name: 'b', uri: 'sim:rda?channels=3&rate=500', origin: 'user' as const };
  await manager.update([a, b], true);
  const [da, db] = manager.devices;
  const [sa, sb] = await Promise.all([manager.connect(da), manager.connect(db)]);
  assert.equal(sa.state, 'active');
  await manager.update([b], true);
  assert.equal(sa.state, 'closed');
  assert.equal(sb.state, 'active');
  assert.equal(manager.devices[0], db);
  assert.equal(db.live, sb);
  await manager.dispose();
  assert.equal(sb.state, 'closed');
});

test('a relative file path in a device URI is opened from the folder the extension resolves it against', async () => {
  const shared = path.resolve(__dirname, '../../../shared/data/audio');
  const manager = new DeviceManager({}, (uri) => absoluteAudioUri(uri, shared));
  await manager.update([{ name: 'pluck', uri: 'audio:pluck-pcm16.wav', origin: 'user' }], true);
  const device = manager.devices[0];
  const session = await manager.connect(device);
  try {
    assert.equal(session.uri, `audio:${path.join(shared, 'pluck-pcm16.wav')}`);
    assert.equal(device.uri, 'audio:pluck-pcm16.wav', 'the settings keep what the user wrote');
  } finally {
    await manager.disconnect(device);
  }
});

test('recordings are named <device>-<YYYYMMDD-HHMMSS>.<ext> and a clash gets a suffix', () => {
  const when = new Date(2026, 10, 22, 9, 5, 7);
  assert.equal(timestamp(when), '20261122-090507');
  assert.equal(fileSlug('EEG amp #1 (lab B)'), 'EEG-amp-1-lab-B');
  assert.equal(fileSlug('../../etc'), 'etc');
  assert.equal(fileSlug('***'), 'device');
  const taken = new Set(['/w/recordings/amp-20261122-090507.npy']);
  assert.equal(
    recordingPath('/w/recordings', 'amp', 'npy', when, (p) => taken.has(p)),
    '/w/recordings/amp-20261122-090507-2.npy',
  );
  assert.equal(
    recordingPath('/w/recordings', 'amp', 'csv', when, (p) => taken.has(p)),
    '/w/recordings/amp-20261122-090507.csv',
  );
});

test('the recordings folder must lie inside the workspace', () => {
  assert.equal(recordingsFolder('/w', 'recordings'), path.resolve('/w/recordings'));
  assert.equal(recordingsFolder('/w', ''), path.resolve('/w/recordings'));
  assert.equal(recordingsFolder('/w', 'data/eeg/../rec'), path.resolve('/w/data/rec'));
  assert.throws(() => recordingsFolder('/w', '../elsewhere'), OutsideWorkspaceError);
  assert.throws(() => recordingsFolder('/w', '/tmp'), /must stay inside the workspace folder/);
  assert.throws(() => recordingsFolder('/w', '..'), OutsideWorkspaceError);
});

test('errors get the next step a person should take', () => {
  assert.match(adviceFor('cannot connect to rda://h:1: ECONNREFUSED') ?? '', /running and listening/);
  assert.match(withAdvice('write failed: ENOSPC: no space left on device'), /ENOSPC.*disk is full.*kept/);
  assert.equal(adviceFor('something nobody foresaw'), undefined);
  // A message with its own next step gets no second one.
  const own = 'cannot connect to rda://h:1: ECONNREFUSED (is the RDA server running and sending on that port?)';
  assert.equal(adviceFor(own), undefined);
  assert.equal(withAdvice(own), own);
  assert.equal(withAdvice('something nobody foresaw'), 'something nobody foresaw');
});

test('numbers read the same in the tree, the status bar and the CLI', () => {
  assert.equal(human.clock(12.9), '00:12');
  assert.equal(human.clock(3723), '1:02:03');
  assert.equal(human.bytes(3_100_000), '3.1 MB');
  assert.equal(human.bytes(812), '812 B');
  assert.equal(human.rate(1000), '1 kHz');
  assert.equal(human.rate(25000), '25 kHz');
  assert.equal(human.rate(250), '250 Hz');
  assert.equal(human.plural(0, 'gap'), '0 gaps');
  assert.equal(human.plural(1, 'gap'), '1 gap');
});

test('gaps reach the log with their size, frame and cause; late polls as they grow, at most every 10 s', async () => {
  const manager = new DeviceManager();
  const logs: string[] = [];
  manager.on('log', (_level: string, text: string) => logs.push(text));
  // Every 3rd continuous frame has a bad checksum: a one-frame device gap each time.
  await manager.update([{ name: 'Gas', uri: 'sim:servomex?mode=ascii&period=0.05&corrupt=3', origin: 'user' }], true);
  const device = manager.devices[0];
  try {
    const session = await manager.connect(device);
    const deadline = Date.now() + 10_000;
    while (!logs.some((l) => /^Gas: 1 frame missing at frame \d+ \(device\)$/.test(l)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      logs.some((l) => /^Gas: 1 frame missing at frame \d+ \(device\)$/.test(l)),
      logs.join('\n'),
    );
    // The poll recorder's summary, as a polled source's stats carry it.
    const stats = (late: number) => ({ ...session.stats(), source: { samples_late: late, max_drift_ms: 12.5, disconnects: 0 } });
    const lateLines = () => logs.filter((l) => /polls? late/.test(l));
    session.emit('stats', stats(3), undefined);
    assert.deepEqual(lateLines(), ['Gas: 3 polls late (3 late · tick drift ≤ 12.5 ms)']);
    session.emit('stats', stats(5), undefined);
    assert.equal(lateLines().length, 1, 'not again within 10 s');
  } finally {
    await manager.dispose();
  }
});
