/// <reference types="mocha" />
// Open Audio Folder… in a real extension host: a folder of small WAV files becomes a batch of
// streams in the Devices tree, each shown with its state, played to the end and recorded; the
// lifecycle commands (Pause, Resume, Close, Delete) act on a stream from its tree node.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LabscopeApi } from '../../../src/extension';
import { api, until, workspaceRoot } from '../support/labscope';
import type { TreeNode } from '../../../src/ui/device-tree';
import type { OpenedFolder } from '../../../src/ui/stream-commands';
import { readNpy } from '../../../src/core/writers/read';
import { writePcm16Wav } from '../../helpers/pcm-wav';

const RATE = 8000;

function batchNode(labscope: LabscopeApi, folder: string): TreeNode | undefined {
  return labscope.tree.getChildren().find((n) => n.kind === 'batch' && n.batch.folder === folder);
}

const item = (labscope: LabscopeApi, node: TreeNode) => labscope.tree.getTreeItem(node);
const descriptionOf = (labscope: LabscopeApi, node: TreeNode) => String(item(labscope, node).description);

describe('Open Audio Folder', function () {
  this.timeout(90_000);

  it("is on the palette, the Devices view and a folder's context menu in the Explorer", async () => {
    await api();
    assert.ok((await vscode.commands.getCommands(true)).includes('labscope.openAudioFolder'));
    const menus = vscode.extensions.getExtension('labscope.labscope')!.packageJSON.contributes.menus;
    const explorer = (menus['explorer/context'] as Array<{ command: string; when: string }>).find(
      (m) => m.command === 'labscope.openAudioFolder',
    );
    assert.match(explorer?.when ?? '', /\bexplorerResourceIsFolder\b/);
  });

  it('queues a stream per audio file, shows each with its state, and plays every one to done, recorded', async () => {
    const labscope = await api();
    const root = workspaceRoot();
    const dir = path.join(root, 'takes');
    const frames: Record<string, number> = { 'a.wav': 1600, 'b.wav': 800, 'sub/c.wav': 2400 };
    for (const [file, n] of Object.entries(frames)) writePcm16Wav(path.join(dir, file), n, RATE);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not audio: not played');

    // As the Explorer calls it: the clicked folder, and the selection.
    const opened = await vscode.commands.executeCommand<OpenedFolder[]>('labscope.openAudioFolder', vscode.Uri.file(dir), [
      vscode.Uri.file(dir),
    ]);
    assert.equal(opened?.length, 1);
    assert.deepEqual(
      opened[0].files.map((f) => path.relative(dir, f)),
      ['a.wav', 'b.wav', 'sub/c.wav'],
    );
    assert.match(path.relative(root, opened[0].recordings), /^recordings[/\\]takes-\d{8}-\d{6}$/);

    const batch = await until('the folder in the tree', () => batchNode(labscope, dir));
    assert.match(String(item(labscope, batch).label), /^takes · \d{1,2}:\d\d:\d\d/, 'the folder, and when it was opened');
    const streams = labscope.tree.getChildren(batch);
    assert.deepEqual(
      streams.map((n) => item(labscope, n).label),
      ['a.wav', 'b.wav', 'sub/c.wav'],
    );
    for (const n of streams) assert.match(descriptionOf(labscope, n), /^(queued|connecting|active|done)\b/);

    await until('every stream done', () => streams.every((n) => /^done\b/.test(descriptionOf(labscope, n))));
    for (const n of streams) {
      const context = String(item(labscope, n).contextValue);
      assert.match(context, /^stream done\b/);
      assert.match(context, /\bdeletable\b/);
      assert.doesNotMatch(context, /\b(closable|pausable|resumable)\b/);
    }
    assert.equal(descriptionOf(labscope, batch), '3 done');
    assert.match(String(item(labscope, batch).contextValue), /^streamBatch finished$/);
    for (const [file, n] of Object.entries(frames)) {
      const npy = path.join(opened[0].recordings, `${file}.npy`);
      assert.deepEqual(readNpy(npy).shape, [n, 1], file);
    }
    // The other suites expect a tree of devices only.
    await vscode.commands.executeCommand('labscope.closeSession', batch);
    assert.equal(batchNode(labscope, dir), undefined);
  });

  it('pauses, resumes, closes and deletes a stream from its tree node; closing the folder takes it off the tree', async () => {
    const labscope = await api();
    const root = workspaceRoot();
    const dir = path.join(root, 'long-takes');
    writePcm16Wav(path.join(dir, 'long.wav'), RATE * 20, RATE);
    const [opened] = (await vscode.commands.executeCommand<OpenedFolder[]>('labscope.openAudioFolder', { folder: dir }))!;
    const batch = await until('the folder in the tree', () => batchNode(labscope, dir));
    const [stream] = labscope.tree.getChildren(batch);
    assert.ok(stream.kind === 'stream');
    const session = stream.session;
    await until('the stream playing', () => session.isActive());
    assert.match(String(item(labscope, stream).contextValue), /\bpausable\b/);

    await vscode.commands.executeCommand('labscope.pauseSession', stream);
    assert.equal(session.state, 'paused');
    assert.match(descriptionOf(labscope, stream), /^paused\b/);
    assert.match(String(item(labscope, stream).contextValue), /\bresumable\b/);

    await vscode.commands.executeCommand('labscope.resumeSession', stream);
    assert.equal(session.state, 'active');

    await vscode.commands.executeCommand('labscope.closeSession', stream);
    assert.equal(session.state, 'closed');
    assert.match(descriptionOf(labscope, stream), /^closed\b/);

    const recording = path.join(opened.recordings, 'long.wav.npy');
    assert.ok(fs.existsSync(recording), 'the closed stream was recorded up to where it was closed');
    // A finished stream's recording opens in the recording editor and shows in the Explorer from its row.
    assert.match(String(item(labscope, stream).contextValue), /\brecorded\b/);
    assert.equal(await vscode.commands.executeCommand('labscope.openStreamRecording', stream), recording);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(tab instanceof vscode.TabInputCustom, 'the recording opened in a custom editor');
    assert.equal(tab.viewType, 'labscope.recording');
    assert.equal(tab.uri.fsPath, recording);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    assert.equal(await vscode.commands.executeCommand('labscope.revealStreamRecording', stream), recording);
    // Two runs of one folder are told apart by the time they were opened.
    assert.match(String(labscope.tree.getTreeItem(batch).label), /^long-takes · \d{1,2}:\d\d:\d\d/);
    const removed = await vscode.commands.executeCommand<string[]>('labscope.deleteSession', stream, { confirmed: true });
    assert.deepEqual(removed, [recording, path.join(opened.recordings, 'long.wav.labscope.json')]);
    assert.equal(fs.existsSync(recording), false);
    assert.equal(session.state, 'deleted');
    assert.match(descriptionOf(labscope, stream), /^deleted\b/);
    assert.doesNotMatch(String(item(labscope, stream).contextValue), /\b(deletable|recorded)\b/);

    await vscode.commands.executeCommand('labscope.closeSession', batch);
    assert.equal(batchNode(labscope, dir), undefined);
  });
});
