// The trigger search against numpy's crossings on the same data, with holdoff and hysteresis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTriggers, triggeredWindow } from '../../src/core/scope-trigger';
import { pythonJson } from '../helpers/python';

const x = Array.from({ length: 4000 }, (_, i) => Math.sin(i * 0.05) + 0.08 * Math.sin(i * 2.7));

const crossings = (level: number, slope: string, holdoff: number, hyst: number) =>
  pythonJson<number[]>(
    `import sys,json,numpy as np
x=np.array(json.loads(sys.argv[1])); L=float(sys.argv[2]); h=int(sys.argv[4]); H=float(sys.argv[5])
if sys.argv[3]=='falling': x=-x; L=-L
if H==0:
  c=np.flatnonzero((x[:-1]<L)&(x[1:]>=L))+1
else:
  arm=np.flatnonzero(x<=L-H); c=[]; a=-1
  for i in np.flatnonzero(x>=L):
    j=np.searchsorted(arm,i)
    if j>0 and arm[j-1]>a and i>0: c.append(i); a=i
  c=np.array(c,dtype=int)
out=[]; nxt=-1
for i in c:
  if i>=nxt: out.append(int(i)); nxt=i+max(1,h)
print(json.dumps(out))`,
    JSON.stringify(x),
    String(level),
    slope,
    String(holdoff),
    String(hyst),
  );

test('rising and falling crossings, with holdoff, equal numpy flatnonzero', () => {
  for (const slope of ['rising', 'falling'] as const)
    for (const holdoff of [0, 200])
      assert.deepEqual(
        findTriggers({ samples: x }, { level: 0.3, slope, hysteresis: 0, holdoff }),
        crossings(0.3, slope, holdoff, 0),
        `${slope} ${holdoff}`,
      );
});

test('hysteresis fires once per edge where noise crosses the level many times', () => {
  const plain = findTriggers({ samples: x }, { level: 0, slope: 'rising', hysteresis: 0, holdoff: 0 });
  const schmitt = findTriggers({ samples: x }, { level: 0, slope: 'rising', hysteresis: 0.3, holdoff: 0 });
  assert.deepEqual(schmitt, crossings(0, 'rising', 0, 0.3));
  assert.ok(plain.length > schmitt.length, 'noise crosses the bare level more often');
});

test('interleaved channel, absolute frames and pre-trigger alignment', () => {
  const inter = x.flatMap((v) => [0, v]);
  const t = findTriggers(
    { samples: inter, stride: 2, channel: 1, firstFrame: 1000 },
    { level: 0.3, slope: 'rising', hysteresis: 0, holdoff: 0 },
  );
  assert.deepEqual(
    t,
    crossings(0.3, 'rising', 0, 0).map((i) => i + 1000),
  );
  assert.deepEqual(triggeredWindow(5000, 1000, 0.25), { start: 4750, end: 5750 });
  assert.throws(() => findTriggers({ samples: x }, { level: NaN, slope: 'rising', hysteresis: 0, holdoff: 0 }), /trigger level NaN/);
});
