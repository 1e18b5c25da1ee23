import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingDocumentModel } from '../../src/core/recording-document';
import { readSidecar } from '../../src/core/writers/sidecar';

const hash = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

function bareFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdoc-'));
  const data = path.join(dir, 'take.npy');
  fs.writeFileSync(data, Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251)));
  const info = { format: 'npy' as const, channelCount: 2, frames: 1000, rate: 100 };
  return { dir, data, info };
}

test('edits, undo, redo, dirty; save writes only the sidecar; reopen sees the edits', () => {
  const { data, info } = bareFile();
  const before = hash(data);
  const doc = RecordingDocumentModel.open(data, info);
  assert.equal(doc.apply({ type: 'renameChannel', channel: 0, name: 'Fp1-ref' }), 'Rename channel ch1 → Fp1-ref');
  assert.equal(
    doc.apply({ type: 'addMarker', row: 1250 / 100, duration: 0, channel: null, markerType: 'blink', text: 'x' }),
    'Add marker at 0.125 s',
  );
  assert.equal(doc.dirty, true);
  assert.equal(doc.undo(), 'Add marker at 0.125 s');
  assert.equal(doc.meta.markers.length, 0);
  assert.equal(doc.redo(), 'Add marker at 0.125 s');
  doc.save();
  assert.equal(doc.dirty, false);
  assert.equal(hash(data), before);
  const s = readSidecar(doc.sidecarPath);
  assert.equal(s.channels[0].name, 'Fp1-ref');
  const again = RecordingDocumentModel.open(data, info);
  assert.deepEqual(again.meta, doc.meta);
  assert.throws(() => again.apply({ type: 'renameChannel', channel: 1, name: 'Fp1-ref' }), /already named/);
});

test('backup restores onto an unchanged file silently and onto a changed one with a warning', () => {
  const { data, info } = bareFile();
  const doc = RecordingDocumentModel.open(data, info);
  doc.apply({ type: 'addMarker', row: 5, duration: 2, channel: 'ch2', markerType: 'a', text: 'one' });
  doc.apply({ type: 'moveMarker', id: doc.meta.markers[0].id, row: 9 });
  doc.apply({ type: 'setBad', channel: 1, bad: true });
  const b = doc.backup();
  const fresh = RecordingDocumentModel.open(data, info);
  assert.deepEqual(fresh.restore(b), []);
  assert.deepEqual(fresh.meta, doc.meta);
  fs.appendFileSync(data, Buffer.alloc(16));
  const changed = RecordingDocumentModel.open(data, info);
  const w = changed.restore(b);
  assert.match(w[0], /the recording changed since these edits were made: the data file's size went from 200000 to 200016 bytes/);
  assert.deepEqual(changed.meta, doc.meta);
  const bad = { ...b, edits: [{ label: 'x', intent: { type: 'deleteMarker' as const, id: 'nope' } }] };
  assert.throws(() => changed.restore(bad), /edit 1 of 1 \("x"\) no longer applies: there is no marker nope/);
});

test('save as copies the data file byte for byte and writes its sidecar', async () => {
  const { dir, data, info } = bareFile();
  const doc = RecordingDocumentModel.open(data, info);
  doc.apply({ type: 'setNote', notes: 'loose electrode' });
  await doc.saveAs(path.join(dir, 'copy.npy'));
  assert.equal(hash(path.join(dir, 'copy.npy')), hash(data));
  assert.equal((readSidecar(path.join(dir, 'copy.labscope.json')) as unknown as { notes: string }).notes, 'loose electrode');
  assert.equal(fs.existsSync(doc.sidecarPath), false);
});
