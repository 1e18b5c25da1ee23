// Add Device's checks and its save (the form is add-device-form.ts): a URI checked by the same
// parser the session uses, so what is saved is a URI that will connect, and a name not yet taken.
import * as vscode from 'vscode';
import { checkUri } from '../core/device-draft';
import type { DeviceManager } from '../core/device-manager';
import { addDeviceSetting, addTarget } from './device-config';

export interface NewDevice {
  name: string;
  uri: string;
}

export function checkName(text: string, manager: DeviceManager): string | undefined {
  if (!text.trim()) return 'a name is needed';
  if (manager.devices.some((d) => d.name === text.trim())) return `there is already a device called "${text.trim()}"`;
  return undefined;
}

/** Validates a programmatic or interactive entry and writes it to the settings. */
export async function saveNewDevice(entry: NewDevice, manager: DeviceManager): Promise<vscode.ConfigurationTarget> {
  const problem = checkName(entry.name, manager) ?? checkUri(entry.uri);
  if (problem) throw new Error(problem);
  const target = addTarget();
  await addDeviceSetting({ name: entry.name.trim(), uri: entry.uri.trim() }, target);
  return target;
}
