// Restricted mode: the workspace (test/vscode/workspace) lists "EEG sim" in its own settings and
// is not trusted; the user's settings list "My amplifier" (test/vscode/run.mjs --untrusted).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { api } from '../support/labscope';

describe('an untrusted workspace', function () {
  this.timeout(60_000);

  it('is really untrusted, and Labscope still activates (limited support)', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok((await api()).activationMs > 0);
  });

  it('lists the workspace device as untrusted, with an explanation, and does not connect it', async () => {
    const labscope = await api();
    const node = labscope.tree.getChildren().find((n) => n.kind === 'device' && n.device.name === 'EEG sim');
    assert.ok(node, 'the workspace device is shown');
    const item = labscope.tree.getTreeItem(node);
    assert.equal(item.description, 'untrusted workspace: not connected');
    assert.equal(item.tooltip, undefined, 'resolved on hover');
    const tooltip = labscope.tree.resolveTreeItem(item, node).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /not trusted, so Labscope does not connect/);
    assert.doesNotMatch(String(item.contextValue), /\bconnectable\b/, 'no Connect in its context menu');

    const session = await vscode.commands.executeCommand('labscope.connect', 'EEG sim');
    assert.equal(session, undefined);
    assert.equal(labscope.devices.find('EEG sim')!.sessions.length, 0, 'no session was even created');
    const file = await vscode.commands.executeCommand('labscope.startRecording', { device: 'EEG sim', format: 'npy', durationS: 0.2 });
    assert.equal(file, undefined);
    assert.equal(fs.existsSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'recordings')), false, 'nothing written');
  });

  it('still connects and records a device from the user settings', async () => {
    const labscope = await api();
    const device = labscope.devices.find('My amplifier');
    assert.ok(device, 'the user-settings device is listed');
    assert.equal(device.trusted, true);
    const summary = new Promise<number>((resolve) => labscope.devices.once('recording-ended', (_d, _s, s) => resolve(s.frames)));
    const file = await vscode.commands.executeCommand<string>('labscope.startRecording', {
      device: 'My amplifier',
      format: 'csv',
      durationS: 0.2,
    });
    assert.ok(file && fs.existsSync(file));
    assert.equal(await summary, 100);
    await vscode.commands.executeCommand('labscope.disconnect', 'My amplifier');
  });
});
