// Reads `labscope.devices` and `labscope.simulators`, keeping track of where each entry came from:
// in an untrusted workspace the workspace's own entries are listed but never connected.
import * as vscode from 'vscode';
import { families } from '../core/registry';
import type { DeviceConfig, DeviceOrigin } from '../core/device-manager';

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
  await config.update(
    'devices',
    value.filter((_, i) => i !== index),
    user ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace,
  );
  return true;
}
