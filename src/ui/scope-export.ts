// A scope's Export: the visible range's samples (CSV or NPY, with a sidecar) or the plot as a PNG,
// to a file the user picks, inside the workspace only. The page says what to save; the host checks
// it (parseScopeMessage did the fields), reads the ring itself and writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fileSlug, recordingsFolder, timestamp } from '../core/recording-path';
import { exportRecording } from '../core/export';
import { liveExportSource } from '../core/scope-snapshot';
import type { Session } from '../core/session';
import type { ScopeToHost } from '../../webview/shared/protocol';
import { requireInsideWorkspace } from './workspace-files';

type ExportMessage = Extract<ScopeToHost, { type: 'export' }>;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Asks where, writes, and says so; returns the files written (none when the dialog was dismissed). */
export async function exportFromScope(message: ExportMessage, session: Session | undefined, deviceName: string): Promise<string[]> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) throw new Error('Open a folder first: a scope exports into the workspace');
  if (message.format !== 'png' && !session) throw new Error(`${deviceName} has no session to export from`);
  const setting = vscode.workspace.getConfiguration('labscope').get<string>('recordingsFolder', 'recordings');
  const dir = recordingsFolder(folder.uri.fsPath, setting);
  // The folder exists before the dialog opens: VS Code's own (simple) save dialog refuses a missing one.
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${fileSlug(deviceName)}-scope-${timestamp(new Date())}.${message.format}`);
  const chosen = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(base),
    filters: { [message.format.toUpperCase()]: [message.format] },
    title: message.format === 'png' ? `Save the ${deviceName} scope as a picture` : `Export the visible range of ${deviceName}`,
  });
  if (!chosen) return [];
  const out = chosen.fsPath;
  requireInsideWorkspace(out, 'scope exports');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  let files: string[];
  if (message.format === 'png') {
    const bytes = Buffer.from(message.data.slice(message.data.indexOf(',') + 1), 'base64');
    if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('the scope sent a picture that is not a PNG');
    fs.writeFileSync(out, bytes);
    files = [out];
  } else {
    // Through the recordings' export: temporary files renamed when complete, a sidecar beside.
    const source = liveExportSource(session!, message.start, message.end, deviceName);
    files = await exportRecording(source, message.format, out, { channels: message.channels });
  }
  void vscode.window.showInformationMessage(`Saved ${path.basename(out)}`, 'Reveal in Explorer').then((answer) => {
    if (answer) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(out));
  });
  return files;
}
