// Every registered family keeps the plug-in contract (src/core/family.ts): its examples and
// declared parameters validate, unknown parameters are refused naming the known ones, and its
// simulator streams through a real Session into an NPY file whose sidecar describes it, with
// nothing left running after close. A new family gets all of this by its one registry line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAMILIES, registry } from '../../src/devices/index';
import { paramsFor } from '../../src/core/family';
import { parseDeviceUri } from '../../src/core/uri';
import { Session } from '../../src/core/session';
import { readFloatNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { tmpDir } from '../helpers/tmp';

/** Child processes of this test process (a simulator's socat, say), by pid, read from /proc. */
function children(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command may hold spaces and brackets: the parent pid is the 2nd field after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Sockets, servers, timers and other handles keeping the event loop alive, by kind. */
function handles(): string[] {
  // File-system requests and immediates come and go on their own; the rest must not outlive close().
  const transient = new Set(['TTYWrap', 'FSReqPromise', 'FSReqCallback', 'Immediate']);
  return process
    .getActiveResourcesInfo()
    .filter((kind) => !transient.has(kind))
    .sort();
}

const withParam = (uri: string, key: string, value: string) =>
  `${uri}${uri.includes('?') ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;

test('the registry lists each family once, and every scheme belongs to one family', () => {
  assert.ok(FAMILIES.length >= 3);
  for (const family of FAMILIES) {
    assert.equal(registry.byId(family.id), family);
    for (const scheme of family.schemes) assert.equal(registry.of(parseDeviceUri(`${scheme}://h:1`)).id, family.id, scheme);
    assert.equal(registry.of(parseDeviceUri(`sim:${family.id}`)).id, family.id);
  }
});

for (const family of FAMILIES) {
  test(`${family.id}: its example, with every declared parameter's example, validates`, () => {
    const example = registry.resolve(family.example);
    assert.equal(example.family, family);
    // A real device's parameters work together (a headerless format needs all of its fields).
    const params = paramsFor(family, example.uri);
    let uri = family.example;
    for (const p of params) {
      assert.ok(p.description && p.example, `${family.id} ${p.key} has a description and an example`);
      if (!example.uri.params.has(p.key)) uri = withParam(uri, p.key, p.example);
    }
    assert.doesNotThrow(() => registry.resolve(uri), uri);
    // A simulator's may exclude each other (a file to replay, or a synthetic signal): one at a time.
    for (const p of family.simulatorParams) {
      assert.ok(p.description && p.example, `sim:${family.id} ${p.key} has a description and an example`);
      assert.doesNotThrow(
        () => registry.resolve(withParam(`sim:${family.id}`, p.key, p.example)),
        `sim:${family.id} with ${p.key}=${p.example}`,
      );
    }
  });

  test(`${family.id}: unknown parameters are refused everywhere, naming the known ones`, () => {
    for (const base of [family.example.split('?')[0], `sim:${family.id}`]) {
      const known = paramsFor(family, parseDeviceUri(base)).map((p) => p.key);
      assert.throws(
        () => registry.resolve(withParam(base, 'nosuchoption', '1')),
        (e: Error) =>
          e.name === 'UriError' && e.message.includes('unknown parameter "nosuchoption"') && known.every((k) => e.message.includes(k)),
        base,
      );
    }
  });

  test(`${family.id}: a declared parameter's bad value is refused naming the parameter`, () => {
    const numeric = family.simulatorParams.find((p) => {
      try {
        p.parse('not-a-value-at-all');
        return false;
      } catch {
        return true;
      }
    });
    assert.ok(numeric, `sim:${family.id} has a parameter that refuses nonsense`);
    assert.throws(
      () => registry.resolve(withParam(`sim:${family.id}`, numeric.key, 'not-a-value-at-all')),
      new RegExp(`parameter ${numeric.key}`),
    );
  });

  test(
    `${family.id}: its simulator records one second into NPY through a Session, and close leaves nothing running`,
    { timeout: 60_000 },
    async () => {
      const childrenBefore = children();
      const handlesBefore = handles();
      const dir = tmpDir();
      const file = path.join(dir, `${family.id}.npy`);
      const session = new Session(`sim:${family.id}`);
      try {
        await session.connect(20_000);
        assert.ok(session.channels.length > 0 && session.rate > 0, 'the simulator said its format');
        const ended = session.recordingEnded();
        await session.startRecording(file, { durationS: 1 });
        const summary = await ended;
        const expected = Math.round(session.rate);
        assert.equal(summary.frames, expected, `one second is ${expected} frames at ${session.rate} Hz`);
        const npy = readFloatNpy(file);
        assert.deepEqual(npy.shape, [expected, session.channels.length]);
        const sidecar = readSidecar(sidecarPathFor(file));
        assert.equal(sidecar.device.family, family.id);
        assert.equal(sidecar.device.uri, `sim:${family.id}`);
        assert.equal(sidecar.rate, session.rate);
        assert.equal(sidecar.frames, expected);
        assert.deepEqual(
          sidecar.channels.map((c) => c.name),
          session.channels.map((c) => c.name),
        );
        assert.equal(sidecar.endedShort, undefined);
        assert.equal(sidecar.sampleType, session.sampleType, 'the file holds the samples as the ring did');
        assert.equal(npy.descr, session.sampleType === 'float64' ? '<f8' : '<f4');
      } finally {
        await session.close();
      }
      assert.equal(session.state, 'closed');
      assert.ok(fs.existsSync(file));
      // Handles close a moment after the calls that close them return.
      const deadline = Date.now() + 5000;
      const same = () => JSON.stringify(handles()) === JSON.stringify(handlesBefore);
      while ((children().some((pid) => !childrenBefore.includes(pid)) || !same()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(
        children().filter((pid) => !childrenBefore.includes(pid)),
        [],
        'no child process left',
      );
      assert.deepEqual(handles(), handlesBefore, 'no socket, server or timer left');
    },
  );
}
