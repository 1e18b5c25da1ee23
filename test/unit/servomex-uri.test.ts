// Servomex device URIs: what each part means, and a message naming the part a typo broke.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registry } from '../../src/devices/index';
import * as human from '../../src/core/human';

test('every Servomex URI kind resolves to the Servomex family', () => {
  for (const uri of [
    'servomex+serial:///dev/ttyUSB0?baud=19200',
    'servomex+serial:///dev/ttyS1?baud=9600&parity=even&databits=7&stopbits=2&period=2',
    'servomex+modbus-rtu:///dev/ttyUSB0?unit=1&rate=2',
    'servomex+modbus-tcp://10.0.0.7:502?unit=o2:1,co:2&rate=0.5&names=co&overflow=drop_oldest&buffer=8',
    'servomex+modbus-tcp://gateway?unit=3',
    'sim:servomex',
    'sim:servomex?mode=modbus-rtu&units=3&rate=5',
    'sim:servomex?mode=ascii&period=0.5&corrupt=10',
  ]) {
    assert.equal(registry.resolve(uri).family.id, 'servomex', uri);
  }
});

test('a broken Servomex URI is refused with the part that is wrong', () => {
  const cases: [string, RegExp][] = [
    ['servomex+serial://ttyUSB0', /a serial port URI has no host: write servomex\+serial:\/\/\/dev\/ttyUSB0 \(three slashes\)/],
    ['servomex+serial://', /no serial port path/],
    ['servomex+serial:///dev/ttyUSB0?baud=fast', /parameter baud="fast" is not a number/],
    ['servomex+serial:///dev/ttyUSB0?baud=9600.5', /parameter baud="9600.5" is not a whole number/],
    ['servomex+serial:///dev/ttyUSB0?parity=sometimes', /parameter parity="sometimes" is not one of none, even, odd, mark, space/],
    ['servomex+serial:///dev/ttyUSB0?stopbits=1.2', /parameter stopbits="1.2" is not 1, 1.5 or 2/],
    ['servomex+serial:///dev/ttyUSB0?databits=9', /parameter databits="9" is not a number from 5 to 8/],
    ['servomex+modbus-tcp://?unit=1', /no host/],
    ['servomex+modbus-tcp://h:502?unit=0', /"0" is not a unit id from 1 to 247/],
    ['servomex+modbus-tcp://h:502?unit=a:1,a:2', /names an analyser twice/],
    ['servomex+modbus-tcp://h:502?rate=0', /parameter rate="0" is not a number from 0.001 to 1000/],
    ['servomex+modbus-tcp://h:502?overflow=spill', /parameter overflow="spill" is not one of block, drop_newest, drop_oldest/],
    ['servomex+modbus-tcp://h:502?unit=1&names=unit2', /names: "unit2" is not one of the analysers \(unit1\)/],
    ['servomex+modbus-tcp://h:502?buffer=0', /parameter buffer="0" is not a number from 1/],
    ['sim:servomex?mode=telnet', /parameter mode="telnet" is not one of ascii, modbus-tcp, modbus-rtu/],
  ];
  for (const [uri, message] of cases) assert.throws(() => registry.resolve(uri), message, uri);
});

test('the poll summary reads as a few words, and not at all for a source that is not polled', () => {
  const source = {
    samples_emitted: 120,
    samples_late: 2,
    max_drift_ms: 0.349,
    tick_duration_ms_p50: 0.5,
    tick_duration_ms_p99: 1.25,
    disconnects: 1,
  };
  assert.equal(human.pollSummary(source), '2 late · tick drift ≤ 0.3 ms · 1 disconnect');
  assert.equal(human.pollSummary({ ...source, disconnects: 0 }), '2 late · tick drift ≤ 0.3 ms');
  assert.equal(
    human.pollSummaryDetail(source),
    'polled: 120 batches, 2 late, max tick drift 0.35 ms, tick p50 0.50 ms / p99 1.25 ms, 1 disconnect',
  );
  assert.equal(human.pollSummary(undefined), undefined);
  assert.equal(human.pollSummary({ frames: 3 }), undefined);
});
