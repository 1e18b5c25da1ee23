// Open Audio Folder in Restricted Mode: the user picks the files and the command only reads them
// and writes recordings inside the workspace (no connection is opened, no workspace setting
// starts anything), so it works as in a trusted workspace.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { api } from '../support/labscope';
import type { OpenedFolder } from '../../../src/ui/stream-commands';
import { writePcm16Wav } from '../../helpers/pcm-wav';

describe('Open Audio Folder in an untrusted workspace', function () {
  this.timeout(60_000);

  it("plays and records the folder's files", async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const labscope = await api();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const dir = path.join(root, 'untrusted-takes');
    writePcm16Wav(path.join(dir, 'one.wav'), 800);
    // The other tests here check that nothing else writes recordings: this one cleans up after itself.
    const recordings = path.join(root, 'recordings');
    const existed = fs.existsSync(recordings);
    try {
      const [opened] = (await vscode.commands.executeCommand<OpenedFolder[]>('labscope.openAudioFolder', vscode.Uri.file(dir)))!;
      const batch = labscope.devices.batches.find((b) => b.folder === dir);
      assert.ok(batch, 'the folder is in the tree');
      await batch.run();
      assert.deepEqual(
        batch.sessions.map((s) => s.state),
        ['done'],
      );
      assert.ok(fs.existsSync(path.join(opened.recordings, 'one.wav.npy')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      if (!existed) fs.rmSync(recordings, { recursive: true, force: true });
    }
  });
});
