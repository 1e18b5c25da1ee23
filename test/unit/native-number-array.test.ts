// The native core's parseNumberArray (mokucli's sample arrays) against JSON.parse, which is the
// reference for every number: the same doubles (correctly rounded, -0 kept, subnormals, beyond
// range to ±inf/0), the same refusals of what JSON does not spell, plus mokucli's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { native } from '../../src/core/native';
import { checkProperty, propertyParameters } from '../support/property';

const parse = (text: string, out = new Float64Array(64), offset = 0, stride = 1) => ({
  n: native().parseNumberArray(text, out, offset, stride),
  out,
});

/** What JSON.parse makes of the text as an array of numbers (nulls as NaN), or undefined if it refuses it or holds other things. */
function reference(text: string): number[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' || v === null)) return undefined;
  return value.map((v) => (v === null ? NaN : (v as number)));
}

const space = fc.constantFrom('', ' ', '\n', '\t ', '\r\n');
/** Numbers as JSON prints them and as people (and C printf) write them. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc
    .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 }))
    .map(([x, digits]) => x.toExponential(digits)),
  fc.integer().map(String),
  fc.constantFrom('-0', '0.0', '1e400', '-1e400', '1e-400', '5e-324', '2.2250738585072014e-308', '0.1e1', '1E+2', '-0.000001'),
);

test('every JSON number array reads as JSON.parse reads it, bit for bit, at any offset and stride', (t) => {
  checkProperty(
    t,
    fc.property(
      fc.array(fc.tuple(space, numberText, space), { maxLength: 40 }),
      space,
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      (items, outer, offset, stride) => {
        const text = `${outer}[${items.map(([a, n, b]) => `${a}${n}${b}`).join(',')}]${outer}`;
        const want = reference(text)!;
        assert.ok(want, `the reference reads ${text}`);
        const out = new Float64Array(offset + Math.max(1, want.length) * stride);
        const { n } = parse(text, out, offset, stride);
        assert.equal(n, want.length, text);
        for (let k = 0; k < want.length; k++)
          assert.ok(Object.is(out[offset + k * stride], want[k]), `${text}: value ${k} is ${out[offset + k * stride]}, not ${want[k]}`);
      },
    ),
    propertyParameters(3000),
  );
});

test('any text: it reads what JSON.parse reads as a number array and refuses what JSON.parse refuses (no words in it)', (t) => {
  const pieces = fc.constantFrom('[', ']', ',', '-', '+', '.', 'e', 'E', '0', '1', '9', ' ', '01', '1.', '.5', '"', 'x', '[]', '1e', '--1');
  checkProperty(
    t,
    fc.property(fc.array(pieces, { maxLength: 20 }), (parts) => {
      const text = parts.join('');
      const want = reference(text);
      const { n, out } = parse(text);
      if (want === undefined) assert.equal(n, -1, `${JSON.stringify(text)} is refused`);
      else {
        assert.equal(n, want.length, JSON.stringify(text));
        for (let k = 0; k < n; k++) assert.ok(Object.is(out[k], want[k]));
      }
    }),
    propertyParameters(5000),
  );
});

test("mokucli's words are NaN and the infinities, and only as whole words; an array too long for out is refused", () => {
  const { n, out } = parse('[nan, NaN, -nan, null, inf, -inf, Infinity, -Infinity, 1]');
  assert.equal(n, 9);
  assert.deepEqual(Array.from(out.subarray(0, 9)), [NaN, NaN, NaN, NaN, Infinity, -Infinity, Infinity, -Infinity, 1]);
  for (const bad of ['[nanx]', '[info]', '[Nan]', '[+1]', '[1,]', '[,1]', '[1 2]', '1', '[1]]', '[inf1]'])
    assert.equal(parse(bad).n, -1, bad);
  assert.equal(native().parseNumberArray('[1,2,3]', new Float64Array(2), 0, 1), -1, 'three values do not fit in two');
  assert.equal(native().parseNumberArray('[1,2]', new Float64Array(4), 1, 2), 2, 'offset 1, stride 2: slots 1 and 3 fit in four');
  assert.equal(native().parseNumberArray('[1,2]', new Float64Array(4), 2, 2), -1, 'offset 2, stride 2: slot 4 does not');
});
