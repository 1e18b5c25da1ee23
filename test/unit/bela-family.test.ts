// The bela family as users meet it: its URIs (declared parameters, checked where typed) and how
// the tree describes each variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registry } from '../../src/devices/index';
import { bela } from '../../src/devices/bela/family';

test('bela:// URIs: a host is needed, vars are names, rate, buffer and the window are numbers, anything else is refused', () => {
  assert.equal(registry.resolve('bela://bela.local').family.id, 'bela');
  assert.equal(registry.resolve('bela://192.168.7.2:5555?vars=pot1,pot2&rate=22050&buffer=30').uri.port, 5555);
  assert.equal(registry.resolve('bela://h?duration=2.5&from=441000').family.id, 'bela');
  const cases: [string, RegExp][] = [
    ['bela://', /no host/],
    ['bela://h?vars=a,,b', /vars/],
    ['bela://h?vars=a,a', /vars/],
    ['bela://h?rate=fast', /parameter rate="fast"/],
    ['bela://h?buffer=-1', /parameter buffer="-1"/],
    ['bela://h?frames=1.5', /parameter frames="1.5".*whole number/],
    ['bela://h?from=-3', /parameter from="-3"/],
    ['bela://h?duration=0', /parameter duration="0"/],
    ['bela://h?speed=2', /unknown parameter "speed" \(known: vars, rate, buffer, pybela, duration, frames, from\)/],
  ];
  for (const [uri, message] of cases) assert.throws(() => registry.resolve(uri), message, uri);
});

test('the tree names each variable by its Watcher type and timestamp mode', () => {
  const source = {
    watchers: [
      { name: 'j_sparse', type: 'j', mode: 'sparse' },
      { name: 'd_dense', type: 'd', mode: 'dense' },
      { name: 'later', type: null, mode: null },
    ],
  };
  assert.equal(bela.channelDetail?.(source, 0), 'uint32 · sparse');
  assert.equal(bela.channelDetail?.(source, 1), 'double · dense');
  assert.equal(bela.channelDetail?.(source, 2), 'not listed by the board yet');
  assert.equal(bela.channelDetail?.(undefined, 0), undefined);
});

test('pybela=DIR is relative to the workspace folder; an absolute one and other URIs are left alone', () => {
  assert.equal(bela.resolvePaths?.('bela://h?vars=a&pybela=out/run1', '/ws'), 'bela://h?vars=a&pybela=/ws/out/run1');
  assert.equal(bela.resolvePaths?.('bela://h?pybela=/data', '/ws'), 'bela://h?pybela=/data');
  assert.equal(bela.resolvePaths?.('bela://h?vars=a', '/ws'), 'bela://h?vars=a');
  assert.equal(bela.resolvePaths?.('sim:bela?port=0', '/ws'), 'sim:bela?port=0');
});
