// Add Device…: family → address → options → name, each step checked as the user types by the
// same parser the session uses, so what is saved is a URI that will connect.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { paramsFor, type Family, type Param } from '../core/family';
import { families } from '../core/registry';
import type { DeviceManager } from '../core/device-manager';
import { addDeviceSetting, addTarget } from './device-config';

export interface NewDevice {
  name: string;
  uri: string;
}

/**
 * What is wrong with `uri` (as a device of `family`, when given), or undefined when it is fine:
 * the same check a session makes, parameters and all, so what is saved will connect.
 */
export function checkUri(uri: string, family?: Family): string | undefined {
  try {
    const resolved = families().resolve(uri);
    if (family && resolved.family !== family) return `that is a ${resolved.family.label} URI, not ${family.label}`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Add Device's hint for the options step: each parameter, what it does, and its default. */
export function optionsPrompt(params: readonly Param[]): string {
  return `Optional, as key=value separated by &: ${params.map((p) => `${p.key} (${p.description}${p.default !== undefined ? `; default ${p.default}` : ''})`).join('; ')}`;
}

export async function askNewDevice(manager: DeviceManager): Promise<NewDevice | undefined> {
  const picks = families().list.flatMap((family) => [
    { label: family.label, description: family.example, family, simulator: false },
    { label: `${family.label} simulator`, description: `sim:${family.id}`, family, simulator: true },
  ]);
  const picked = await vscode.window.showQuickPick(picks, { title: 'Add Device (1/4): family', placeHolder: 'Which kind of instrument?' });
  if (!picked) return undefined;
  const { family, simulator } = picked;

  let base = `sim:${family.id}`;
  if (!simulator) {
    const address = await vscode.window.showInputBox({
      title: 'Add Device (2/4): address',
      prompt: `The device's URI, e.g. ${family.example}`,
      value: family.example,
      validateInput: (text) => checkUri(text.split('?')[0], family),
    });
    if (address === undefined) return undefined;
    base = address.trim().split('?')[0];
  }

  let uri = base;
  // The scheme of the address says which of the family's parameters apply (serial or Modbus, …).
  const options = paramsFor(family, simulator ? { scheme: 'sim' } : families().resolve(base).uri);
  if (options.length) {
    const query = await vscode.window.showInputBox({
      title: 'Add Device (3/4): options',
      prompt: optionsPrompt(options),
      placeHolder: options
        .map((o) => `${o.key}=${o.example}`)
        .slice(0, 3)
        .join('&'),
      validateInput: (text) => checkUri(withQuery(base, text), family),
    });
    if (query === undefined) return undefined;
    uri = withQuery(base, query);
  }

  // A file or a serial port has no host: its file name says which device it is.
  const where = families().resolve(uri).uri;
  const suggested = simulator
    ? `${family.label} simulator (${uri.slice(4)})`
    : `${family.label} ${where.host || path.basename(where.path)}`;
  const name = await vscode.window.showInputBox({
    title: 'Add Device (4/4): name',
    prompt: 'How the device is called in the tree and in recording file names',
    value: suggested,
    validateInput: (text) => checkName(text, manager),
  });
  if (name === undefined) return undefined;
  return { name: name.trim(), uri };
}

export function checkName(text: string, manager: DeviceManager): string | undefined {
  if (!text.trim()) return 'a name is needed';
  if (manager.devices.some((d) => d.name === text.trim())) return `there is already a device called "${text.trim()}"`;
  return undefined;
}

function withQuery(base: string, query: string): string {
  const q = query.trim().replace(/^\?/, '');
  return q ? `${base}?${q}` : base;
}

/** Validates a programmatic or interactive entry and writes it to the settings. */
export async function saveNewDevice(entry: NewDevice, manager: DeviceManager): Promise<vscode.ConfigurationTarget> {
  const problem = checkName(entry.name, manager) ?? checkUri(entry.uri);
  if (problem) throw new Error(problem);
  const target = addTarget();
  await addDeviceSetting({ name: entry.name.trim(), uri: entry.uri.trim() }, target);
  return target;
}
