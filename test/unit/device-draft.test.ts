// Add Device's form on the host: the fields each family's connection takes, the URI a filled-in
// form makes (checked by the session's own parser), and which field a problem belongs to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/devices';
import { families } from '../../src/core/registry';
import { checkUri, draftUri, fieldOf, formShape, type DeviceDraft } from '../../src/core/device-draft';

const family = (id: string) => families().list.find((f) => f.id === id)!;
const draft = (over: Partial<DeviceDraft>): DeviceDraft => ({
  family: 'rda',
  simulator: false,
  scheme: 'rda',
  host: '',
  port: '',
  path: '',
  params: {},
  name: '',
  ...over,
});

test('every family says how each of its connections is addressed', () => {
  for (const f of families().list)
    for (const scheme of f.schemes) assert.ok(f.addresses?.[scheme], `${f.id}: ${scheme} has an address form`);
  assert.deepEqual(formShape(family('servomex'), false, 'servomex+modbus-tcp').address, { kind: 'network', port: 502 });
  assert.deepEqual(formShape(family('servomex'), false, 'servomex+serial').address, { kind: 'serial' });
  assert.deepEqual(formShape(family('audio'), false, 'audio').address, { kind: 'file' });
  assert.deepEqual(formShape(family('moku'), true, 'moku').address, { kind: 'none' }, 'a simulator has no address');
  const serial = formShape(family('servomex'), false, 'servomex+serial').params.map((p) => p.key);
  assert.ok(serial.includes('baud') && !serial.includes('unit'), `the serial connection's own parameters: ${serial}`);
});

test('a filled-in form is a URI the session parser accepts', () => {
  const cases: Array<[Partial<DeviceDraft>, string]> = [
    [{ host: '10.0.0.5', port: '51244' }, 'rda://10.0.0.5:51244'],
    [{ host: 'fe80::1%eth0', port: '51244' }, 'rda://[fe80::1%eth0]:51244'],
    [
      { family: 'servomex', scheme: 'servomex+serial', path: '/dev/ttyUSB0', params: { baud: '9600', unit: '3' } },
      'servomex+serial:///dev/ttyUSB0?baud=9600',
    ],
    [
      { family: 'servomex', scheme: 'servomex+modbus-tcp', host: 'gas.lab', port: '1502', params: { unit: '1,2', rate: ' 2 ' } },
      'servomex+modbus-tcp://gas.lab:1502?unit=1,2&rate=2',
    ],
    [{ family: 'audio', scheme: 'audio', path: '/data/take 1.wav', params: { speed: 'max' } }, 'audio:/data/take 1.wav?speed=max'],
    [{ family: 'moku', scheme: 'moku', host: '192.168.73.1', params: { channels: '1,2' } }, 'moku://192.168.73.1?channels=1,2'],
    [{ family: 'bela', simulator: true, params: { rate: '44100', frames: 'not a simulator key' } }, 'sim:bela?rate=44100'],
  ];
  for (const [over, want] of cases) {
    const d = draft(over);
    const made = draftUri(d, family(d.family));
    assert.deepEqual(made, { uri: want });
    assert.equal(checkUri(want, family(d.family)), undefined, want);
  }
});

test('what cannot be made, or does not parse, is told at its own field', () => {
  const rda = family('rda');
  assert.deepEqual(draftUri(draft({}), rda), { field: 'host', problem: 'a host name or an IP address is needed' });
  assert.deepEqual(draftUri(draft({ host: 'a/b' }), rda), { field: 'host', problem: '"a/b" is not a host name or an IP address' });
  assert.deepEqual(draftUri(draft({ host: 'h', port: '70000' }), rda), {
    field: 'port',
    problem: 'port "70000" is not a whole number from 1 to 65535',
  });
  const servomex = family('servomex');
  assert.deepEqual(draftUri(draft({ family: 'servomex', scheme: 'servomex+serial' }), servomex), {
    field: 'path',
    problem: 'choose or type a serial port',
  });
  const tcp = formShape(servomex, false, 'servomex+modbus-tcp');
  const bad = draftUri(draft({ family: 'servomex', scheme: 'servomex+modbus-tcp', host: 'h', params: { rate: 'fast' } }), servomex);
  assert.ok('uri' in bad);
  const problem = checkUri(bad.uri, servomex)!;
  assert.match(problem, /rate/);
  assert.equal(fieldOf(problem, tcp), 'param:rate');
  assert.equal(fieldOf('rda://h:0: port 0 is not from 1 to 65535', formShape(family('rda'), false, 'rda')), 'port');
});

test("the form's messages are checked before the host reads them", async () => {
  const { parseFormMessage, FormMessageError } = await import('../../webview/shared/add-device-protocol');
  const d = draft({ params: { rate: '2' } });
  assert.deepEqual(parseFormMessage({ type: 'draft', seq: 3, draft: d, extra: 1 }), { type: 'draft', seq: 3, draft: d });
  const bad: Array<[unknown, RegExp]> = [
    [{ type: 'eval' }, /unknown type "eval"/],
    [{ type: 'save', seq: -1, draft: d }, /save.seq/],
    [{ type: 'draft', seq: 1, draft: { ...d, simulator: 'yes' } }, /draft.simulator/],
    [{ type: 'draft', seq: 1, draft: { ...d, host: 'h'.repeat(600) } }, /draft.host/],
    [{ type: 'draft', seq: 1, draft: { ...d, params: { 'a b': '1' } } }, /draft.params has a field named "a b"/],
    [{ type: 'draft', seq: 1, draft: { ...d, params: { rate: 2 } } }, /draft.params.rate/],
  ];
  for (const [m, pattern] of bad)
    assert.throws(
      () => parseFormMessage(m),
      (e: Error) => e instanceof FormMessageError && pattern.test(e.message),
      JSON.stringify(m).slice(0, 80),
    );
});
