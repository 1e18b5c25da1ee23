// Reads `labscope.devices` and `labscope.simulators`, keeping track of where each entry came from:
// in an untrusted workspace the workspace's own entries are listed but never connected.
import * as vscode from 'vscode';
import { families } from '../core/registry';
import type { DeviceConfig, DeviceOrigin } from '../core/device-manager';
import { appendToArray, removeFromArray, settingPath } from './settings-edit';

export interface DeviceSettings {
  devices: DeviceConfig[];
  /** Entries that are not `{ name, uri }`, described for the log. */
  problems: string[];
}

export function readDeviceSettings(): DeviceSettings {
  const config = vscode.workspace.getConfiguration('labscope');
  const inspected = config.inspect<unknown>('devices');
  const devices: DeviceConfig[] = [];
  const problems: string[] = [];
  const take = (value: unknown, origin: DeviceOrigin, where: string) => {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      problems.push(`labscope.devices in ${where} settings is not a list`);
      return;
    }
    value.forEach((entry: unknown, i) => {
      const e = entry as { name?: unknown; uri?: unknown } | null;
      if (!e || typeof e !== 'object' || typeof e.uri !== 'string' || !e.uri.trim()) {
        problems.push(`labscope.devices[${i}] in ${where} settings has no "uri" string`);
        return;
      }
      const name = typeof e.name === 'string' && e.name.trim() ? e.name.trim() : e.uri.trim();
      devices.push({ name, uri: e.uri.trim(), origin });
    });
  };
  take(inspected?.globalValue, 'user', 'user');
  take(inspected?.workspaceValue, 'workspace', 'workspace');
  if (config.get<boolean>('simulators', true)) {
    for (const family of families().list) devices.push({ name: `${family.label} simulator`, uri: `sim:${family.id}`, origin: 'simulator' });
  }
  return { devices, problems };
}

/** Where Add Device writes: the workspace when there is one we trust, else the user's settings. */
export function addTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
}

export async function addDeviceSetting(entry: { name: string; uri: string }, target: vscode.ConfigurationTarget): Promise<void> {
  const file = workspaceSettingsFile(target);
  if (file) return editInPlace(file, (text, name) => appendToArray(text, settingPath(DEVICES, file.workspaceFile), entry, name));
  const config = vscode.workspace.getConfiguration('labscope');
  const inspected = config.inspect<Array<{ name: string; uri: string }>>('devices');
  const current = (target === vscode.ConfigurationTarget.Global ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
  await config.update('devices', [...current, entry], target);
}

/** Removes the entry from the settings it came from; false when it is not there (a simulator). */
export async function removeDeviceSetting(device: DeviceConfig): Promise<boolean> {
  if (device.origin === 'simulator') return false;
  const config = vscode.workspace.getConfiguration('labscope');
  const inspected = config.inspect<Array<{ name?: string; uri: string }>>('devices');
  const user = device.origin === 'user';
  const value = user ? inspected?.globalValue : inspected?.workspaceValue;
  if (!Array.isArray(value)) return false;
  const index = value.findIndex((e) => e?.uri?.trim() === device.uri && (e.name?.trim() || e.uri.trim()) === device.name);
  if (index < 0) return false;
  const target = user ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
  const file = workspaceSettingsFile(target);
  if (file) {
    await editInPlace(file, (text, name) => removeFromArray(text, settingPath(DEVICES, file.workspaceFile), index, name));
    return true;
  }
  await config.update(
    'devices',
    value.filter((_, i) => i !== index),
    target,
  );
  return true;
}

const DEVICES = 'labscope.devices';

/**
 * The file that holds the workspace's settings (a folder's .vscode/settings.json, or the
 * .code-workspace of a multi-root workspace), for edits made in place. The user's settings go
 * through VS Code's own update (their file's location is VS Code's business).
 */
function workspaceSettingsFile(target: vscode.ConfigurationTarget): { uri: vscode.Uri; workspaceFile: boolean } | undefined {
  if (target !== vscode.ConfigurationTarget.Workspace) return undefined;
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile) return workspaceFile.scheme === 'file' ? { uri: workspaceFile, workspaceFile: true } : undefined;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? { uri: vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'), workspaceFile: false } : undefined;
}

/**
 * Applies `change` to the settings file's text as an edit of its document (an open editor's
 * unsaved text included, and undoable there), saves it, and waits for VS Code to read the new
 * value, so a caller that reads the settings next sees it.
 */
async function editInPlace(file: { uri: vscode.Uri }, change: (text: string, name: string) => string): Promise<void> {
  const name = vscode.workspace.asRelativePath(file.uri);
  let exists = true;
  try {
    await vscode.workspace.fs.stat(file.uri);
  } catch {
    exists = false;
  }
  // Saved is not yet read: VS Code picks the file up a moment later (3 s at most, or go on regardless).
  const changed = new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(DEVICES)) finish();
    });
    const finish = () => {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    };
    timer = setTimeout(finish, 3000);
  });
  if (!exists) {
    await vscode.workspace.fs.writeFile(file.uri, new TextEncoder().encode(change('', name)));
    return changed;
  }
  const document = await vscode.workspace.openTextDocument(file.uri);
  const text = document.getText();
  const next = change(text, name);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(file.uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), next);
  if (!(await vscode.workspace.applyEdit(edit)) || !(await document.save())) throw new Error(`could not save ${name}`);
  return changed;
}

/**
 * Opens the settings file a device comes from with its URI selected, to fix it after a failed
 * connection (Edit Device). The user's settings open through VS Code's own command.
 */
export async function editDeviceSetting(device: DeviceConfig): Promise<void> {
  const file = device.origin === 'workspace' ? workspaceSettingsFile(vscode.ConfigurationTarget.Workspace) : undefined;
  if (!file) {
    await vscode.commands.executeCommand('workbench.action.openSettingsJson');
    return;
  }
  const document = await vscode.workspace.openTextDocument(file.uri);
  const at = document.getText().indexOf(JSON.stringify(device.uri));
  const selection =
    at >= 0 ? new vscode.Range(document.positionAt(at + 1), document.positionAt(at + JSON.stringify(device.uri).length - 1)) : undefined;
  await vscode.window.showTextDocument(document, { selection });
}
