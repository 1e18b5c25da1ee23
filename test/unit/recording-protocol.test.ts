import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RECORDING_LIMITS,
  RECORDING_PROTOCOL,
  RecordingMessageError,
  parseRecordingMessage,
  type RecordingToHost,
} from '../../webview/shared/recording-protocol';

const ctx = { channelCount: 4, frames: 1000 };
const parse = (m: unknown) => parseRecordingMessage(m, ctx);
const rejects = (m: unknown, what: RegExp) =>
  assert.throws(
    () => parse(m),
    (e: Error) => e instanceof RecordingMessageError && what.test(e.message),
  );

test('valid messages come back typed and equal', () => {
  const good: RecordingToHost[] = [
    { type: 'ready', protocol: RECORDING_PROTOCOL },
    { type: 'view', id: 3, start: 0, end: 1000, columns: 800, channels: [0, 3] },
    { type: 'overview', id: 4, columns: 400, channels: [1] },
    { type: 'edit', edit: { type: 'renameChannel', channel: 2, name: 'Fp1-ref' } },
    { type: 'edit', edit: { type: 'setUnit', channel: 0, unit: 'µV' } },
    { type: 'edit', edit: { type: 'setBad', channel: 3, bad: true } },
    { type: 'edit', edit: { type: 'addMarker', row: 12, duration: 5, channel: 'Fp1', markerType: 'blink', text: 'eyes' } },
    { type: 'edit', edit: { type: 'moveMarker', id: 'm1', row: 999, duration: 1 } },
    { type: 'edit', edit: { type: 'relabelMarker', id: 'm1', text: 'new' } },
    { type: 'edit', edit: { type: 'deleteMarker', id: 'm1' } },
    { type: 'edit', edit: { type: 'setCrop', crop: { start: 10, end: 20 } } },
    { type: 'edit', edit: { type: 'setCrop', crop: null } },
    { type: 'edit', edit: { type: 'setNote', notes: 'electrode 3 loose' } },
    { type: 'undo' },
    { type: 'redo' },
    { type: 'selection', selection: { start: 0, end: 1 } },
    { type: 'selection', selection: null },
  ];
  for (const m of good) assert.deepEqual(parse(m), m);
});

test('each bad field is refused with a message naming it', () => {
  rejects(null, /not an object/);
  rejects({ type: 'nope' }, /unknown type "nope"/);
  rejects({ type: 'ready', protocol: 2 }, /protocol 2/);
  rejects({ type: 'view', id: -1, start: 0, end: 1, columns: 1, channels: [0] }, /view\.id/);
  rejects({ type: 'view', id: 1, start: 0, end: 1001, columns: 1, channels: [0] }, /view\.end is not a row from 0 to 1000/);
  rejects({ type: 'view', id: 1, start: 5, end: 4, columns: 1, channels: [0] }, /ends \(4\) before it starts \(5\)/);
  rejects({ type: 'view', id: 1, start: 0, end: 1, columns: RECORDING_LIMITS.maxColumns + 1, channels: [0] }, /view\.columns/);
  rejects({ type: 'view', id: 1, start: 0, end: 1, columns: 10, channels: [4] }, /channel index below 4/);
  rejects({ type: 'view', id: 1, start: 0, end: 1, columns: 10, channels: [1, 1] }, /twice/);
  rejects({ type: 'view', id: 1, start: 0, end: 1, columns: 10, channels: [] }, /non-empty/);
  rejects({ type: 'overview', id: 1, columns: 0, channels: [0] }, /overview\.columns/);
  rejects({ type: 'edit', edit: { type: 'renameChannel', channel: 0, name: '  ' } }, /renameChannel\.name is empty/);
  rejects({ type: 'edit', edit: { type: 'renameChannel', channel: 0, name: 'x'.repeat(201) } }, /longer than 200/);
  rejects({ type: 'edit', edit: { type: 'setBad', channel: 0, bad: 'yes' } }, /setBad\.bad/);
  rejects({ type: 'edit', edit: { type: 'addMarker', row: 1.5, duration: 0, channel: null, markerType: 'x', text: '' } }, /addMarker\.row/);
  rejects({ type: 'edit', edit: { type: 'relabelMarker', id: 'm1' } }, /changes nothing/);
  rejects({ type: 'edit', edit: { type: 'setCrop', crop: { start: 5, end: 5 } } }, /at or before it starts/);
  rejects({ type: 'edit', edit: { type: 'setNote', notes: 3 } }, /setNote\.notes is not a string/);
  rejects({ type: 'edit', edit: { type: 'format' } }, /unknown edit type "format"/);
});

test('whatever arrives, the parser returns a valid message or throws a RecordingMessageError', () => {
  fc.assert(
    fc.property(
      fc.anything(),
      fc.record({
        type: fc.constantFrom('view', 'overview', 'edit', 'selection'),
        id: fc.anything(),
        edit: fc.anything(),
        columns: fc.anything(),
        channels: fc.anything(),
      }),
      (a, b) => {
        for (const m of [a, b]) {
          try {
            parse(m);
          } catch (e) {
            assert.ok(e instanceof RecordingMessageError, String(e));
          }
        }
      },
    ),
    { numRuns: 2000 },
  );
});
