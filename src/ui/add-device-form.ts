// Add Device…, as a form in an editor tab: family, connection, the address as fields (serial
// ports listed with what the system knows of them, baud rates offered, host and port apart), each
// declared parameter, and a name. The page sends what was typed; the host makes the URI, checks it
// with the session's own parser and answers with the problems field by field.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeviceManager } from '../core/device-manager';
import { checkUri, draftUri, fieldOf, formShape, type DeviceDraft, type DraftField, type FormShape } from '../core/device-draft';
import { families } from '../core/registry';
import { serialPorts } from '../transports/serial-ports';
import { parseFormMessage, type HostToForm } from '../../webview/shared/add-device-protocol';
import { checkName, type NewDevice } from './add-device';
import { webviewHtml, webviewOptions } from './webview-html';

export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

/** What is wrong with a draft, field by field, and its URI when one could be made. */
export function checkDraft(
  draft: DeviceDraft,
  manager: DeviceManager,
): { shape: FormShape; uri: string | null; problems: Partial<Record<DraftField, string>>; suggestedName: string } {
  const family = families().list.find((f) => f.id === draft.family);
  if (!family)
    return {
      shape: formShape(families().list[0]!, false, ''),
      uri: null,
      problems: { family: `no instrument family "${draft.family}"` },
      suggestedName: '',
    };
  const shape = formShape(family, draft.simulator, draft.scheme);
  const problems: Partial<Record<DraftField, string>> = {};
  const made = draftUri(draft, family, shape);
  let uri: string | null = null;
  if ('field' in made) problems[made.field] = made.problem;
  else {
    uri = made.uri;
    const problem = checkUri(uri, family);
    if (problem) problems[fieldOf(problem, shape)] = problem;
  }
  // The name offered comes from the address (its host, or its file's or port's name), read from
  // the URI without its parameters, so a parameter still wrong does not take the offer away.
  let where: { host: string; path: string } | undefined;
  try {
    where = uri && !problems.host && !problems.port && !problems.path ? families().resolve(uri.split('?')[0]!).uri : undefined;
  } catch {
    where = undefined;
  }
  const suggestedName = draft.simulator
    ? `${family.label} simulator`
    : `${family.label} ${where ? where.host || path.basename(where.path) : ''}`.trim();
  const name = draft.name.trim() || suggestedName;
  const nameProblem = checkName(name, manager);
  if (nameProblem) problems.name = nameProblem;
  return { shape, uri, problems, suggestedName };
}

/**
 * Opens the form; resolves with the device once Add was pressed on a draft without problems, or
 * undefined when the tab was closed or Cancel pressed.
 */
export function openAddDeviceForm(
  extensionUri: vscode.Uri,
  manager: DeviceManager,
  log: vscode.LogOutputChannel,
): Promise<NewDevice | undefined> {
  const panel = vscode.window.createWebviewPanel('labscope.addDevice', 'Add Device', vscode.ViewColumn.Active, {
    ...webviewOptions(extensionUri),
    retainContextWhenHidden: true,
  });
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'labscope.svg');
  panel.webview.html = webviewHtml(panel.webview, extensionUri, { bundle: 'add-device', title: 'Add Device' });
  const post = (m: HostToForm) => void panel.webview.postMessage(m);
  const first = families().list[0]!;
  const draft: DeviceDraft = {
    family: first.id,
    simulator: false,
    scheme: first.schemes[0]!,
    host: '',
    port: '',
    path: '',
    params: {},
    name: '',
  };
  let bad = 0;
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: NewDevice | undefined) => {
      if (done) return;
      done = true;
      resolve(result);
      panel.dispose();
    };
    const answer = (seq: number, d: DeviceDraft, refused = false) =>
      post({ type: 'checked', seq, ...checkDraft(d, manager), ...(refused ? { refused } : {}) });
    const ports = () =>
      serialPorts().then(
        (list) => post({ type: 'ports', ports: list }),
        (error: Error) => post({ type: 'ports', ports: [], error: `the serial ports could not be listed: ${error.message}` }),
      );
    panel.onDidDispose(() => finish(undefined));
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      let m;
      try {
        m = parseFormMessage(raw);
      } catch (error) {
        if (bad++ < 5) log.warn((error as Error).message);
        return;
      }
      switch (m.type) {
        case 'ready':
          post({ type: 'init', families: families().list.map((f) => ({ id: f.id, label: f.label })), draft, baudRates: BAUD_RATES });
          answer(0, draft);
          void ports();
          break;
        case 'ports':
          void ports();
          break;
        case 'draft':
          answer(m.seq, m.draft);
          break;
        case 'save': {
          const checked = checkDraft(m.draft, manager);
          if (checked.uri && Object.keys(checked.problems).length === 0)
            finish({ name: m.draft.name.trim() || checked.suggestedName, uri: checked.uri });
          else answer(m.seq, m.draft, true);
          break;
        }
        case 'cancel':
          finish(undefined);
          break;
      }
    });
  });
}
