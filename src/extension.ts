// The VS Code face of Labscope: the device explorer, the recording commands and the status bar,
// over the same core the CLI uses. Acquisition runs in one worker thread per session; nothing
// here touches samples, so the extension host's main thread only sees state and stats.
import * as vscode from 'vscode';
import { registry } from './devices/index';
import { DeviceManager } from './core/device-manager';
import { DeviceTree, type TreeNode } from './ui/device-tree';
import { Commands } from './ui/commands';
import { StreamCommands } from './ui/stream-commands';
import { RecordingStatusBar } from './ui/status-bar';
import { readDeviceSettings } from './ui/device-config';
import { Scopes, SCOPE_VIEW_TYPE } from './ui/scope-panel';
import { SETTING_VARIABLE as MOKUCLI_SETTING } from './devices/moku/mokucli';
import { RecordingEditorProvider } from './ui/recording-editor';
import { registerExportCommands } from './ui/export-commands';

/** Set by the bundle's first line (scripts/build.mjs), so activation time includes loading it. */
declare const __labscopeLoadStart: number | undefined;

/** What tests (and other extensions) can reach through `extension.exports`. */
export interface LabscopeApi {
  devices: DeviceManager;
  tree: DeviceTree;
  scopes: Scopes;
  recordings: RecordingEditorProvider;
  /** Milliseconds from loading the bundle to the end of activate(). */
  activationMs: number;
}

let manager: DeviceManager | undefined;

export function activate(context: vscode.ExtensionContext): LabscopeApi {
  const started = typeof __labscopeLoadStart === 'number' ? __labscopeLoadStart : performance.now();
  const log = vscode.window.createOutputChannel('Labscope', { log: true });
  // Relative file paths in device URIs mean the workspace's files, as everywhere in VS Code.
  const devices = (manager = new DeviceManager({}, (uri) => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return folder ? registry.resolvePaths(uri, folder) : uri;
  }));
  const tree = new DeviceTree(devices);
  const view = vscode.window.createTreeView<TreeNode>('labscope.devices', { treeDataProvider: tree, showCollapseAll: true });
  const commands = new Commands(
    devices,
    log,
    (device) => void view.reveal(tree.deviceNode(device), { select: true }).then(undefined, () => undefined),
  );
  const statusBar = new RecordingStatusBar(devices);
  const scopes = new Scopes(context.extensionUri, devices, log);
  const recordings = new RecordingEditorProvider(
    context.extensionUri,
    log,
    (file) => devices.sessions((s) => s.recording?.path === file).length > 0,
  );
  commands.scopes = scopes;
  commands.extensionUri = context.extensionUri;
  const streamCommands = new StreamCommands(
    devices,
    log,
    (message) => commands.fail(message),
    (batch) => {
      void view.reveal(tree.batchNode(batch), { expand: true }).then(undefined, () => undefined);
    },
  );

  devices.on('log', (level, text) => log[level](text));
  devices.on('session-error', (device, _session, message) => commands.fail(`${device.name} stopped: ${message}`));
  devices.on('recording-ended', (device, _session, summary) => void commands.recordingEnded(device, summary));
  devices.on('recording-failed', (device, _session, error) => commands.fail(`Recording from ${device.name} failed: ${error.message}`));

  // Session workers start with a copy of this process's environment: the setting reaches Moku
  // sources as a variable (read after mokucli= and before MOKU_CLI_PATH, devices/moku/mokucli.ts).
  const applyMokucliPath = () => {
    const setting = vscode.workspace.getConfiguration('labscope').get<string>('mokucliPath', '').trim();
    if (setting) process.env[MOKUCLI_SETTING] = setting;
    else delete process.env[MOKUCLI_SETTING];
  };
  applyMokucliPath();

  const load = () => {
    const { devices: configs, problems } = readDeviceSettings();
    for (const problem of problems) log.warn(problem);
    return devices
      .update(configs, vscode.workspace.isTrusted)
      .then(undefined, (error: Error) => log.error(`updating devices: ${error.message}`));
  };
  void load();
  if (!vscode.workspace.isTrusted) {
    log.info('the workspace is not trusted: devices from its settings are listed but not connected');
  }

  context.subscriptions.push(
    log,
    tree,
    view,
    statusBar,
    scopes,
    vscode.window.registerWebviewPanelSerializer(SCOPE_VIEW_TYPE, scopes),
    ...RecordingEditorProvider.register(recordings),
    ...registerExportCommands(recordings, (message) => commands.fail(message)),
    ...commands.register(),
    ...streamCommands.register(),
    vscode.commands.registerCommand('labscope.refresh', () => load().then(() => tree.refresh())),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('labscope.mokucliPath')) applyMokucliPath();
      if (e.affectsConfiguration('labscope.devices') || e.affectsConfiguration('labscope.simulators')) void load();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('the workspace is now trusted: its devices can be connected');
      void load();
    }),
  );
  const activationMs = performance.now() - started;
  log.info(`Labscope activated in ${activationMs.toFixed(1)} ms`);
  return { devices, tree, scopes, recordings, activationMs };
}

/** Recordings are finished (files closed, sidecars final) before the extension host goes. */
export async function deactivate(): Promise<void> {
  await manager?.dispose();
  manager = undefined;
}
