// What every extension-host suite needs: the activated extension's API, a bounded wait, and the
// workspace folder. Bundled into each suite's tests by test/vscode/run.mjs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LabscopeApi } from '../../../src/extension';

const EXTENSION = 'labscope.labscope';

export async function api(): Promise<LabscopeApi> {
  const extension = vscode.extensions.getExtension<LabscopeApi>(EXTENSION);
  assert.ok(extension, `${EXTENSION} is installed`);
  return extension.activate();
}

/** Polls `probe` until it gives a value; a timeout is a failure naming what was awaited. */
export async function until<T>(what: string, probe: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite runs with a workspace folder open');
  return folder.uri.fsPath;
}
