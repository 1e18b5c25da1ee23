import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeviceUri } from '../../src/core/uri';
import { registry } from '../../src/devices/index';
import { parseSpeed } from '../../src/core/family';

test('device URIs: host, port, path and parameters', () => {
  const u = parseDeviceUri(' rda://127.0.0.1:51244?x=1&name=a%20b ');
  assert.equal(u.scheme, 'rda');
  assert.equal(u.host, '127.0.0.1');
  assert.equal(u.port, 51244);
  assert.equal(u.params.get('name'), 'a b');
  const s = parseDeviceUri('sim:rda?channels=8');
  assert.equal(s.scheme, 'sim');
  assert.equal(s.path, 'rda');
  assert.equal(s.params.get('channels'), '8');
  assert.equal(parseDeviceUri('rda://[::1]:5').host, '::1');
  // An IPv6 link-local address with its interface, as typed and as RFC 6874 encodes it.
  assert.equal(parseDeviceUri('moku://[fe80::1%eth0]').host, 'fe80::1%eth0');
  assert.equal(parseDeviceUri('moku://[fe80::1%25eth0]:8080').host, 'fe80::1%eth0');
  assert.throws(() => parseDeviceUri('rda://[fe80::1%e th0]'), /has characters/);
});

test('a malformed URI is refused naming the part that is wrong', () => {
  const cases: [string, RegExp][] = [
    ['127.0.0.1:51244', /no scheme/],
    ['rda://h:0', /port "0"/],
    ['rda://h:70000', /port "70000"/],
    ['rda://h:12ab', /port "12ab"/],
    ['rda://ho st:1', /host "ho st"/],
    ['rda://h:1?=3', /empty parameter name/],
    ['rda://:51244', /no host/],
    ['nope://h', /unknown scheme "nope:"/],
    ['sim:nothing', /no simulator called "nothing"/],
    ['sim:rda?speed=fast', /parameter speed="fast" is not a number > 0 or "max"/],
    ['sim:rda?format=int8', /parameter format="int8" is not one of float32, int16/],
    ['sim:rda?channels=0', /parameter channels="0"/],
  ];
  for (const [text, message] of cases) assert.throws(() => registry.resolve(text), message, text);
});

test('simulator speed: a factor of real time, or "max"/0 for as fast as the client reads', () => {
  assert.equal(parseSpeed(undefined), 1);
  assert.equal(parseSpeed('2.5'), 2.5);
  assert.equal(parseSpeed('max'), Infinity);
  assert.equal(parseSpeed('0'), Infinity);
  for (const bad of ['-1', 'fast', 'NaN', 'Infinity']) assert.throws(() => parseSpeed(bad), /is not a number > 0 or "max"/, bad);
});
