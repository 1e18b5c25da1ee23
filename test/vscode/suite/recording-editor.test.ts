/// <reference types="mocha" />
// The recording editor in a real extension host: a recording opens in it (the default editor for
// NPY), edits become VS Code's undoable edits (undo and redo through VS Code's own commands), Save
// writes the sidecar and never the data file, and a reopened editor shows what was saved.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, until, workspaceRoot } from '../support/labscope';
import { readSidecar, sidecarPathFor } from '../../../src/core/writers/sidecar';
import { sha256 as sha, writeRecordingFixture } from '../../helpers/recording-fixture';
import { pythonJson } from '../../helpers/python';

/** Three channels of a slow sine at 500 Hz, 10 s, with one marker. */
const makeRecording = (file: string) =>
  writeRecordingFixture(file, {
    channels: ['Fp1', 'Fp2', 'Cz'],
    rate: 500,
    frames: 5000,
    sample: (i, c) => Math.sin((i * 3 + c) / 37) * 50,
    markers: [{ frame: 1000, row: 1000, type: 'Stimulus', text: 'S  1', channel: null }],
  });

describe('the recording editor', function () {
  this.timeout(60_000);

  it('opens a recording, turns edits into undoable VS Code edits, and saves only the sidecar', async () => {
    const labscope = await api();
    const dir = path.join(workspaceRoot(), 'editor-recordings');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'take.npy');
    makeRecording(file);
    const dataHash = sha(file);
    const uri = vscode.Uri.file(file);

    // NPY's default editor is ours: a plain open lands in it.
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(tab instanceof vscode.TabInputCustom, 'an NPY opens in a custom editor');
    assert.equal(tab.viewType, 'labscope.recording');
    const doc = await until('the document open', () => labscope.recordings.find(uri));
    assert.ok(doc.model && doc.reader, doc.failure);
    assert.equal(doc.reader.frames, 5000);
    assert.deepEqual(
      doc.model.state().channels.map((c) => c.name),
      ['Fp1', 'Fp2', 'Cz'],
    );

    // The workbench takes edits once the editor is resolved: its page asking for data says so.
    await until('the page is up', () => doc.pagesReady > 0);
    // Two edits, as the page sends them; VS Code's undo takes back the last, redo brings it again.
    assert.equal(labscope.recordings.edit(doc, { type: 'renameChannel', channel: 2, name: 'Cz-ref' }), 'Rename channel Cz → Cz-ref');
    labscope.recordings.edit(doc, { type: 'addMarker', row: 2500, duration: 0, channel: null, markerType: 'Comment', text: 'eyes closed' });
    assert.equal(doc.model.state().markers.length, 2);
    assert.equal(doc.model.dirty, true);
    // Undo acts on what has focus (in the sidebar it would undo file operations): the editor's,
    // as a person's click in it gives.
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await vscode.commands.executeCommand('undo');
    await until('undo reaches the model', () => doc.model!.state().markers.length === 1);
    assert.equal(doc.model.state().channels[2].name, 'Cz-ref', 'only the last edit was undone');
    await vscode.commands.executeCommand('redo');
    await until('redo reaches the model', () => doc.model!.state().markers.length === 2);

    await vscode.commands.executeCommand('workbench.action.files.save');
    await until('saved', () => !doc.model!.dirty);
    const saved = readSidecar(sidecarPathFor(file));
    assert.deepEqual(
      saved.channels.map((c) => c.name),
      ['Fp1', 'Fp2', 'Cz-ref'],
    );
    assert.deepEqual(
      saved.markers.map((m) => [m.row, m.type, m.text]),
      [
        [1000, 'Stimulus', 'S  1'],
        [2500, 'Comment', 'eyes closed'],
      ],
    );
    assert.equal(saved.device.name, 'EEG sim', 'what the editor does not edit stays as it was');
    assert.equal(sha(file), dataHash, 'the data file is byte for byte what it was');

    // Closed and opened again: the saved names are what it shows.
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await until('the document closed', () => !labscope.recordings.find(uri));
    await vscode.commands.executeCommand('vscode.open', uri);
    const again = await until('the document open again', () => labscope.recordings.find(uri));
    assert.equal(again.model?.state().channels[2].name, 'Cz-ref');
    assert.equal(again.model?.dirty, false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('exports the rows between the crop marks, with the unsaved names, and refuses a path outside the workspace', async () => {
    const labscope = await api();
    const dir = path.join(workspaceRoot(), 'editor-exports');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'take.npy');
    makeRecording(file);
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.open', uri);
    const doc = await until('the document open', () => labscope.recordings.find(uri));
    await until('the page is up', () => doc.pagesReady > 0);
    labscope.recordings.edit(doc, { type: 'setCrop', crop: { start: 1000, end: 3000 } });
    labscope.recordings.edit(doc, { type: 'renameChannel', channel: 0, name: 'Fp1-ref' });

    const out = path.join(dir, 'crop.csv');
    const files = await vscode.commands.executeCommand<string[]>('labscope.exportRecording', { uri, format: 'csv', out, range: 'crop' });
    assert.deepEqual(files, [out, sidecarPathFor(out)], 'the CSV and the sidecar that names its rate and markers');
    const got = pythonJson<{ header: string; rows: number[][] }>(
      'import numpy as np,sys,json; print(json.dumps({"header": open(sys.argv[1]).readline().strip(), "rows": np.loadtxt(sys.argv[1],delimiter=",",skiprows=1)[:,1:].tolist()}))',
      out,
    );
    assert.match(got.header, /Fp1-ref \[µV\],Fp2 \[µV\],Cz \[µV\]$/, 'the names as edited, saved or not');
    assert.equal(got.rows.length, 2000, 'exactly the rows between the marks');
    for (const [i, row] of [0, 1999].entries())
      for (let c = 0; c < 3; c++) {
        const want = Math.fround(Math.sin(((1000 + row) * 3 + c) / 37) * 50);
        assert.ok(Math.abs(got.rows[row][c] - want) < 1e-5, `row ${i} ch ${c}: ${got.rows[row][c]} vs ${want}`);
      }
    // HDF5 through h5wasm, which the extension host loads from beside the bundle at run time.
    const h5 = path.join(dir, 'crop.h5');
    assert.deepEqual(await vscode.commands.executeCommand('labscope.exportRecording', { uri, format: 'hdf5', out: h5, range: 'crop' }), [
      h5,
    ]);
    const hdf5 = pythonJson<{ names: string[]; shape: number[]; first: number }>(
      'import h5py,sys,json; f=h5py.File(sys.argv[1],"r"); print(json.dumps({"names": list(f["channels/names"].asstr()[:]), "shape": list(f["data"].shape), "first": float(f["data"][0,2])}))',
      h5,
    );
    assert.deepEqual(hdf5.names, ['Fp1-ref', 'Fp2', 'Cz']);
    assert.deepEqual(hdf5.shape, [2000, 3]);
    assert.equal(hdf5.first, Math.fround(Math.sin((1000 * 3 + 2) / 37) * 50));
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('labscope.exportRecording', {
          uri,
          format: 'npy',
          out: path.join(os.tmpdir(), 'outside.npy'),
          range: 'whole',
        }),
      ),
      /outside the workspace/,
    );
    assert.equal(fs.existsSync(path.join(os.tmpdir(), 'outside.npy')), false);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('opens a file it cannot read with a message saying why, not a blank editor', async () => {
    const labscope = await api();
    const file = path.join(workspaceRoot(), 'editor-recordings', 'truncated.npy');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from('\x93NUMPY\x01\x00\x76\x00{"descr'));
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.open', uri);
    const doc = await until('the document open', () => labscope.recordings.find(uri));
    assert.equal(doc.reader, undefined);
    assert.match(String(doc.failure), /^truncated\.npy cannot be shown: .+/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('opens a CSV with ragged rows with the line that is wrong, and a sidecar that does not match with the file’s channels and a warning', async () => {
    const labscope = await api();
    const dir = path.join(workspaceRoot(), 'editor-recordings');
    const csv = path.join(dir, 'ragged.csv');
    fs.writeFileSync(csv, 'time,a,b\n0,1,2\n0.001,3\n0.002,5,6\n');
    const csvUri = vscode.Uri.file(csv);
    await vscode.commands.executeCommand('vscode.openWith', csvUri, 'labscope.recordingCsv');
    const ragged = await until('the CSV open', () => labscope.recordings.find(csvUri));
    assert.equal(ragged.reader, undefined);
    assert.match(String(ragged.failure), /^ragged\.csv cannot be shown: .*line 3 has 2 fields, the header has 3 \(ragged rows\)/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    const npy = path.join(dir, 'mismatched.npy');
    makeRecording(npy);
    const sidecar = sidecarPathFor(npy);
    const json = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as { channels: { name: string; unit: string }[] };
    json.channels.push({ name: 'O1', unit: 'µV' }, { name: 'O2', unit: 'µV' });
    fs.writeFileSync(sidecar, JSON.stringify(json));
    const uri = vscode.Uri.file(npy);
    await vscode.commands.executeCommand('vscode.open', uri);
    const doc = await until('the NPY open', () => labscope.recordings.find(uri));
    assert.equal(doc.failure, undefined, 'the samples are still shown');
    assert.deepEqual(
      doc.model?.state().channels.map((c) => c.name),
      ['ch1', 'ch2', 'ch3'],
      'the file’s channels, not the sidecar’s',
    );
    assert.ok(
      doc.reader?.problems.some((p) => /the sidecar's 5 channels do not match the file's 3: the file's are shown/.test(p)),
      String(doc.reader?.problems),
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
