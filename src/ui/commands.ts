// The Labscope commands. Each takes what the tree passes (a node), a device name (keybindings,
// other extensions, tests), or nothing (the command palette), and asks only what it still needs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openInRecordingEditor } from './recording-editor';
import { guardedCommand } from './guarded-command';
import { Device, type DeviceManager } from '../core/device-manager';
import type { Session } from '../core/session';
import type { RecordingFormat } from '../core/writers/types';
import type { RecordingSummary } from '../core/worker-protocol';
import { recordingPath, recordingsFolder } from '../core/recording-path';
import { families } from '../core/registry';
import { withAdvice } from '../core/advice';
import * as human from '../core/human';
import type { TreeNode } from './device-tree';
import { saveNewDevice, type NewDevice } from './add-device';
import { openAddDeviceForm } from './add-device-form';
import { editDeviceSetting, removeDeviceSetting } from './device-config';
import type { Scopes } from './scope-panel';

/** What a command may be handed: a tree node, a device name, or a `{ device, … }` object. */
type Target = TreeNode | Device | string | { device?: string } | undefined;

export interface RecordArgs {
  device?: string;
  format?: RecordingFormat;
  durationS?: number;
}

export class Commands {
  /** Set once the scopes exist (they need the extension's URI). */
  scopes?: Scopes;
  /** The extension's folder, for the webviews a command opens (Add Device's form). */
  extensionUri?: vscode.Uri;

  constructor(
    private readonly manager: DeviceManager,
    private readonly log: vscode.LogOutputChannel,
    private readonly reveal: (device: Device) => void,
  ) {}

  register(): vscode.Disposable[] {
    const guard = <A extends unknown[]>(name: string, run: (...args: A) => Promise<unknown>) =>
      guardedCommand(name, (message) => this.fail(message), run);
    return [
      guard('connect', (target?: Target) => this.connect(target)),
      guard('disconnect', (target?: Target) => this.disconnect(target)),
      guard('clearSessions', (target?: Target) => this.clearSessions(target)),
      guard('startRecording', (target?: Target | RecordArgs) => this.startRecording(target)),
      guard('stopRecording', (target?: Target) => this.stopRecording(target)),
      guard('addDevice', (entry?: unknown) => this.addDevice(entry)),
      guard('removeDevice', (target?: Target) => this.removeDevice(target)),
      guard('openScope', (target?: Target) => this.openScope(target)),
      vscode.commands.registerCommand('labscope.showLog', () => this.log.show()),
    ];
  }

  async connect(target?: Target): Promise<Session | undefined> {
    const device = await this.pickDevice(target, (d) => !d.live && !d.problem, 'Connect which device?', 'connect');
    if (!device) return undefined;
    if (!device.trusted) {
      const manage = 'Manage Workspace Trust';
      // Not awaited: the command is over (nothing connected) whether or not the user answers.
      void vscode.window
        .showWarningMessage(
          `"${device.name}" comes from this workspace's settings and the workspace is not trusted, so Labscope will not connect to it. Trust the workspace if you know where its settings come from.`,
          manage,
        )
        .then((choice) => choice === manage && vscode.commands.executeCommand('workbench.trust.manage'));
      return undefined;
    }
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Connecting to ${device.name}…` },
        async () => {
          const session = await this.manager.connect(device);
          this.log.info(`${device.name}: streaming ${human.plural(session.channels.length, 'channel')} at ${human.rate(session.rate)}`);
          return session;
        },
      );
    } catch (error) {
      // The address once (the transport's own words repeat it), the next step once, and the ways on from here.
      const why = (error as Error).message.replace(/^cannot connect to \S+: /, '');
      const text = withAdvice(`Could not connect to ${device.name} (${device.uri}): ${why}`);
      this.log.error(text);
      const retry = 'Retry';
      const editDevice = 'Edit Device';
      const actions = device.origin === 'simulator' ? [retry, 'Show Log'] : [retry, editDevice, 'Show Log'];
      // Not awaited: the command has failed and returns now; the buttons act later.
      void vscode.window.showErrorMessage(text, ...actions).then((choice) => {
        if (choice === retry) void vscode.commands.executeCommand('labscope.connect', device.name);
        else if (choice === editDevice) void editDeviceSetting(device);
        else if (choice) this.log.show();
      });
      return undefined;
    }
  }

  async disconnect(target?: Target): Promise<void> {
    const device = await this.pickDevice(target, (d) => d.sessions.length > 0, 'Disconnect which device?', 'disconnect');
    if (device) await this.manager.disconnect(device);
  }

  /** Forgets a device's ended sessions (a failed connection's among them); a live one is left alone. */
  async clearSessions(target?: Target): Promise<void> {
    const device = await this.pickDevice(
      target,
      (d) => !d.live && d.sessions.length > 0,
      'Clear the ended sessions of which device?',
      'clear',
    );
    if (!device) return;
    if (device.live) throw new Error(`${device.name} is connected: Disconnect it first`);
    await this.manager.disconnect(device);
  }

  async startRecording(target?: Target | RecordArgs): Promise<string | undefined> {
    const args = recordArgs(target);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') {
      throw new Error('Open a folder first: recordings are written inside the workspace folder');
    }
    const found = await this.pickSession(target, args);
    if (!found) return undefined;
    const { device, session } = found;
    if (session.recording) throw new Error(`${device.name} is already recording to ${session.recording.path}`);

    const format = args.format ?? (await pickFormat());
    if (!format) return undefined;
    let durationS = args.durationS;
    const programmatic = typeof target === 'object' && !(target instanceof Device) && !('kind' in target);
    if (durationS === undefined && !programmatic) {
      const answer = await vscode.window.showInputBox({
        title: `Record ${device.name}: duration`,
        prompt: 'Seconds to record; leave empty to record until you stop it',
        // The questions are one flow: when the format pick closes, the workbench hands focus back
        // to what had it (a scope's webview, which takes it a moment later); a box that closed on
        // losing focus would then vanish and the recording never start.
        ignoreFocusOut: true,
        validateInput: (text) => (text.trim() === '' || Number(text) > 0 ? undefined : 'a number of seconds greater than 0, or empty'),
      });
      if (answer === undefined) return undefined;
      durationS = answer.trim() ? Number(answer) : undefined;
    }

    const setting = vscode.workspace.getConfiguration('labscope').get<string>('recordingsFolder', 'recordings');
    const dir = recordingsFolder(folder.uri.fsPath, setting);
    const when = new Date();
    const file = recordingPath(dir, device.name, format, when, fs.existsSync, familyName(device.uri, when));
    await this.manager.startRecording(device, session, file, { format, durationS });
    return file;
  }

  async stopRecording(target?: Target): Promise<RecordingSummary | undefined> {
    const recording = this.manager.sessions((s) => s.recording !== undefined);
    let chosen = recording.find(({ device, session }) => matches(target, device, session));
    if (!chosen && target !== undefined && typeof target !== 'object') throw new Error(`${String(target)} is not recording`);
    if (!chosen && recording.length <= 1) chosen = recording[0];
    if (!chosen) {
      const pick = await vscode.window.showQuickPick(
        recording.map((r) => ({ label: r.device.name, description: r.session.recording!.path, r })),
        { title: 'Stop which recording?' },
      );
      chosen = pick?.r;
    }
    if (!chosen) {
      if (!recording.length) void vscode.window.showInformationMessage('Nothing is recording.');
      return undefined;
    }
    return this.manager.stopRecording(chosen.session);
  }

  async addDevice(entry?: unknown): Promise<void> {
    // A `{ name, uri }` from a keybinding or another extension skips the questions; anything else
    // (the view title passes its own arguments) starts the interactive flow.
    const given = entry as Partial<NewDevice> | undefined;
    const chosen =
      typeof given?.name === 'string' && typeof given.uri === 'string'
        ? { name: given.name, uri: given.uri }
        : this.extensionUri
          ? await openAddDeviceForm(this.extensionUri, this.manager, this.log)
          : undefined;
    if (!chosen) return;
    const target = await saveNewDevice(chosen, this.manager);
    const where = target === vscode.ConfigurationTarget.Workspace ? 'workspace' : 'user';
    this.log.info(`added ${chosen.name} (${chosen.uri}) to the ${where} settings`);
    const added = this.manager.find(chosen.name);
    if (added) this.reveal(added);
  }

  /** A new scope panel on a device (connecting it first when it is not). */
  async openScope(target?: Target | { device: string; reveal?: boolean }): Promise<number | undefined> {
    if (!this.scopes) return undefined;
    const live = this.manager.devices.filter((d) => d.live);
    const device =
      deviceOf(target, this.manager) ??
      (live.length === 1
        ? live[0]
        : await this.pickDevice(target, (d) => !d.problem && d.trusted, 'Open a scope on which device?', 'show'));
    if (!device) return undefined;
    if (typeof target === 'string' && !deviceOf(target, this.manager)) throw new Error(`no device called "${target}"`);
    if (!device.live && !(await this.connect(device))) return undefined;
    const reveal = typeof target === 'object' && target !== null && 'reveal' in target && target.reveal === true;
    const open = reveal ? this.scopes.open.find((p) => p.device === device.name) : undefined;
    if (open) open.panel.reveal();
    else this.scopes.show(device);
    return this.scopes.open.length;
  }

  async removeDevice(target?: Target): Promise<void> {
    const device = await this.pickDevice(target, (d) => d.origin !== 'simulator', 'Remove which device?', 'remove');
    if (!device) return;
    if (typeof target !== 'string') {
      const remove = 'Remove';
      const choice = await vscode.window.showWarningMessage(
        `Remove "${device.name}" from your ${device.origin} settings?${device.live ? ' It is connected: it will be disconnected.' : ''} Its recordings stay.`,
        { modal: true },
        remove,
      );
      if (choice !== remove) return;
    }
    if (!(await removeDeviceSetting(device.config))) throw new Error(`"${device.name}" is not in the ${device.origin} settings any more`);
  }

  /** Tells the user what the recording made, with the two things one does next. */
  async recordingEnded(device: Device, summary: RecordingSummary): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const shown = folder ? path.relative(folder, summary.path) : summary.path;
    const text = `Recorded ${summary.elapsedS.toFixed(1)} s from ${device.name} to ${shown} (${human.bytes(summary.bytes)}, ${human.plural(summary.gaps, 'gap')}; ${summary.reason}).`;
    this.log.info(text);
    const open = 'Open';
    const reveal = 'Reveal in Explorer';
    const choice = await vscode.window.showInformationMessage(text, open, reveal);
    if (choice === open) await openInRecordingEditor(summary.path);
    if (choice === reveal) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(summary.path));
  }

  fail(message: string): void {
    const text = withAdvice(message);
    this.log.error(text);
    void vscode.window.showErrorMessage(text, 'Show Log').then((choice) => {
      if (choice) this.log.show();
    });
  }

  private async pickDevice(target: Target, eligible: (d: Device) => boolean, title: string, verb: string): Promise<Device | undefined> {
    const named = deviceOf(target, this.manager);
    if (named) return named;
    if (typeof target === 'string') throw new Error(`no device called "${target}" (see the Devices view or the setting labscope.devices)`);
    const candidates = this.manager.devices.filter(eligible);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`No device to ${verb}. Add one with "Labscope: Add Device…".`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      candidates.map((device) => ({
        label: device.name,
        description: device.uri,
        detail: device.trusted ? undefined : 'untrusted workspace: will not connect',
        device,
      })),
      { title },
    );
    return pick?.device;
  }

  /** The session to record: the one named, the only one streaming, a pick, or a new connection. */
  private async pickSession(target: Target | RecordArgs, args: RecordArgs): Promise<{ device: Device; session: Session } | undefined> {
    const named = deviceOf(target, this.manager) ?? (args.device ? this.manager.find(args.device) : undefined);
    if (args.device && !named) throw new Error(`no device called "${args.device}"`);
    if (named) {
      const session = named.live ?? (await this.connect(named));
      return session ? { device: named, session } : undefined;
    }
    const streaming = this.manager.sessions((s) => (s.state === 'active' || s.state === 'paused') && !s.recording);
    if (streaming.length === 1) return streaming[0];
    if (streaming.length > 1) {
      const pick = await vscode.window.showQuickPick(
        streaming.map((s) => ({ label: s.device.name, description: `${s.session.channels.length} ch · ${human.rate(s.session.rate)}`, s })),
        { title: 'Record which session?' },
      );
      return pick?.s;
    }
    const device = await this.pickDevice(
      undefined,
      (d) => !d.live && !d.problem && d.trusted,
      'No device is streaming. Connect one and record it:',
      'connect',
    );
    if (!device) return undefined;
    const session = await this.connect(device);
    return session ? { device, session } : undefined;
  }
}

function deviceOf(target: Target | RecordArgs, manager: DeviceManager): Device | undefined {
  if (typeof target === 'string') return manager.find(target);
  if (target instanceof Device) return target;
  if (target && 'kind' in target) return 'device' in target ? target.device : undefined;
  if (target && typeof target.device === 'string') return manager.find(target.device);
  return undefined;
}

function matches(target: Target, device: Device, session: Session): boolean {
  if (typeof target === 'string') return device.name === target || device.id === target;
  if (target instanceof Device) return target === device;
  if (target && 'kind' in target)
    return target.kind === 'device' ? target.device === device : 'session' in target && target.session === session;
  return false;
}

/** Arguments from a keybinding or another extension are checked, not trusted. */
function recordArgs(target: Target | RecordArgs): RecordArgs {
  if (!target || typeof target !== 'object' || target instanceof Device || 'kind' in target) return {};
  const args = target as RecordArgs;
  if (args.device !== undefined && typeof args.device !== 'string') throw new Error('startRecording: "device" must be a device name');
  if (args.format !== undefined && !['npy', 'csv', 'mat'].includes(args.format))
    throw new Error(`startRecording: format "${String(args.format)}" is not npy, csv or mat`);
  if (args.durationS !== undefined && !(typeof args.durationS === 'number' && args.durationS > 0))
    throw new Error('startRecording: "durationS" must be a number of seconds > 0');
  return args;
}

async function pickFormat(): Promise<RecordingFormat | undefined> {
  const picks: Array<vscode.QuickPickItem & { format: RecordingFormat }> = [
    { label: 'NPY', description: 'numpy array, float32, one column per channel', format: 'npy' },
    { label: 'CSV', description: 'text, one row per frame with a time column', format: 'csv' },
    { label: 'MAT', description: 'MATLAB v5, written when the recording ends', format: 'mat' },
  ];
  return (await vscode.window.showQuickPick(picks, { title: 'Recording format', placeHolder: 'NPY', ignoreFocusOut: true }))?.format;
}

/** The file name the device's family gives a recording (Family.recordingName), if it has its own. */
function familyName(uri: string, when: Date): string | undefined {
  try {
    return families().resolve(uri).family.recordingName?.(when);
  } catch {
    return undefined;
  }
}
