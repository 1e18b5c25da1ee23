/// <reference types="mocha" />
// The extension inside a real extension host: its commands, the Devices tree it builds from the
// workspace settings, a recording's whole lifecycle, and the errors a user can run into.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LabscopeApi } from '../../../src/extension';
import { api, until, workspaceRoot } from '../support/labscope';
import type { TreeNode } from '../../../src/ui/device-tree';
import type { RecordingSummary } from '../../../src/core/worker-protocol';

/** A row's tooltip as VS Code gets it: resolved when the pointer rests on the row. */
function tooltipOf(labscope: LabscopeApi, node: TreeNode): vscode.TreeItem['tooltip'] {
  const item = labscope.tree.getTreeItem(node);
  assert.equal(item.tooltip, undefined, 'rows come without a tooltip (it is resolved on hover)');
  return labscope.tree.resolveTreeItem(item, node).tooltip;
}

/** A device's row: at the top for the settings' devices, in the Simulators group for the built-in ones. */
function deviceNode(labscope: LabscopeApi, name: string): TreeNode | undefined {
  const root = labscope.tree.getChildren();
  const group = root.find((n) => n.kind === 'simulators');
  return [...root, ...(group ? labscope.tree.getChildren(group) : [])].find((n) => n.kind === 'device' && n.device.name === name);
}

describe('Labscope in the extension host', function () {
  this.timeout(60_000);

  it('activates, measures its activation, and registers every command', async () => {
    const labscope = await api();
    assert.ok(Number.isFinite(labscope.activationMs) && labscope.activationMs > 0, `activation time measured: ${labscope.activationMs} ms`);
    console.log(`      activation: ${labscope.activationMs.toFixed(1)} ms (bundle load + activate)`);
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'startRecording',
      'stopRecording',
      'connect',
      'disconnect',
      'addDevice',
      'removeDevice',
      'refresh',
      'showLog',
      'stopStream',
      'setBufferLength',
      'clearSessions',
    ]) {
      assert.ok(commands.includes(`labscope.${id}`), `labscope.${id} registered`);
    }
  });

  it('lists the workspace device and the simulators, with what a user needs at a glance', async () => {
    const labscope = await api();
    const root = await until('devices listed', () => {
      const list = labscope.tree.getChildren();
      return list.length >= 2 ? list : undefined;
    });
    // The workspace's device first, then the built-in simulators grouped apart, one per family.
    assert.equal(root[0].kind === 'device' && root[0].device.name, 'EEG sim');
    const group = root.find((n) => n.kind === 'simulators');
    assert.ok(group, 'a Simulators group');
    assert.equal(labscope.tree.getTreeItem(group).label, 'Simulators');
    assert.ok(
      root.every((n) => n.kind !== 'device' || n.device.origin !== 'simulator'),
      'no simulator at the top level',
    );
    const names = labscope.tree.getChildren(group).map((n) => (n.kind === 'device' ? n.device.name : ''));
    assert.equal(names[0], 'BrainVision RDA simulator');
    assert.ok(names.includes('Servomex gas analyser simulator'), names.join(', '));
    assert.equal(labscope.tree.getParent(deviceNode(labscope, 'BrainVision RDA simulator')!), group);
    const item = labscope.tree.getTreeItem(deviceNode(labscope, 'EEG sim')!);
    assert.equal(item.label, 'EEG sim');
    assert.equal(item.description, 'sim:rda?channels=8&rate=1000');
    assert.match(String(item.contextValue), /\bconnectable\b/);
    assert.match(String(item.contextValue), /\bremovable\b/);
    const simulator = labscope.tree.getTreeItem(deviceNode(labscope, 'BrainVision RDA simulator')!);
    assert.doesNotMatch(String(simulator.contextValue), /\bremovable\b/, 'a built-in simulator is not in the settings to remove');
  });

  it('records a session: connect, timed CSV, open-ended NPY stopped by command, disconnect', async () => {
    const labscope = await api();
    const root = workspaceRoot();
    await vscode.commands.executeCommand('labscope.connect', 'EEG sim');
    const device = labscope.devices.find('EEG sim')!;
    assert.equal(device.live?.state, 'active');

    const sessions = labscope.tree.getChildren(deviceNode(labscope, 'EEG sim'));
    assert.equal(sessions.length, 1);
    const channels = labscope.tree.getChildren(sessions[0]).map((n) => labscope.tree.getTreeItem(n));
    assert.deepEqual(
      channels.map((c) => `${c.label} ${c.description}`),
      Array.from({ length: 8 }, (_, i) => `Ch${i + 1} µV`),
    );
    assert.match(String(labscope.tree.getTreeItem(deviceNode(labscope, 'EEG sim')!).description), /^8 ch · 1 kHz · active$/);

    // A timed recording ends by itself with exactly rate × duration frames.
    const ended = new Promise<RecordingSummary>((resolve) =>
      labscope.devices.once('recording-ended', (_d, _s, summary) => resolve(summary)),
    );
    const csv = await vscode.commands.executeCommand<string>('labscope.startRecording', {
      device: 'EEG sim',
      format: 'csv',
      durationS: 0.5,
    });
    assert.ok(csv, 'startRecording returns the file it writes');
    assert.equal(path.dirname(csv), path.join(root, 'recordings'));
    assert.match(path.basename(csv), /^EEG-sim-\d{8}-\d{6}\.csv$/);
    const timed = await ended;
    assert.equal(timed.frames, 500);
    const lines = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'time_s,Ch1 [µV],Ch2 [µV],Ch3 [µV],Ch4 [µV],Ch5 [µV],Ch6 [µV],Ch7 [µV],Ch8 [µV]');
    assert.equal(lines.length, 501);

    // An open-ended one is stopped by the Stop Recording command, and the status bar text follows.
    const npy = await vscode.commands.executeCommand<string>('labscope.startRecording', { device: 'EEG sim', format: 'npy' });
    assert.ok(npy?.endsWith('.npy'));
    // The row's words stay put while it records (since when, gaps); the clock and size are in its tooltip.
    await until('a recording in the tree', () =>
      /^● REC since .+ · 0 gaps$/.test(String(labscope.tree.getTreeItem(deviceNode(labscope, 'EEG sim')!).description)),
    );
    const recordingRow = String(labscope.tree.getTreeItem(deviceNode(labscope, 'EEG sim')!).description);
    await new Promise((r) => setTimeout(r, 1200));
    const eegNode = deviceNode(labscope, 'EEG sim')!;
    assert.equal(String(labscope.tree.getTreeItem(eegNode).description), recordingRow, 'the row did not change with the clock');
    const tip = labscope.tree.resolveTreeItem(labscope.tree.getTreeItem(eegNode), eegNode).tooltip;
    assert.match(typeof tip === 'string' ? tip : (tip?.value ?? ''), /recording to .+npy: 00:0\d, \d+ frames, [\d.\\]+ KB, 0 gaps/);
    const stopped = await vscode.commands.executeCommand<RecordingSummary>('labscope.stopRecording', 'EEG sim');
    assert.ok(stopped && stopped.frames > 0, 'stopRecording returns the summary');
    assert.equal(stopped.reason, 'stopped by the user');
    const sidecar = JSON.parse(fs.readFileSync(stopped.sidecar, 'utf8'));
    assert.equal(sidecar.frames, stopped.frames);
    assert.equal(fs.statSync(npy).size, stopped.bytes);
    assert.equal(device.recording, undefined);

    await vscode.commands.executeCommand('labscope.disconnect', 'EEG sim');
    assert.equal(device.sessions.length, 0);
    assert.match(String(labscope.tree.getTreeItem(deviceNode(labscope, 'EEG sim')!).contextValue), /\bconnectable\b/);
  });

  it("sets a streaming session's buffer length, then stops its stream and keeps the session (done, stopped)", async () => {
    const labscope = await api();
    await vscode.commands.executeCommand('labscope.connect', 'EEG sim');
    const device = labscope.devices.find('EEG sim')!;
    const session = device.live!;
    assert.equal(await vscode.commands.executeCommand('labscope.setBufferLength', 'EEG sim', 2), 2);
    assert.equal(session.bufferSeconds, 2);
    const node = () => labscope.tree.getChildren(deviceNode(labscope, 'EEG sim'))[0];
    assert.match(String(tooltipOf(labscope, node())), /^buffer: 2 s$/m);
    await until('frames in the buffer', () => session.lastSample >= 20);
    await vscode.commands.executeCommand('labscope.stopStream', 'EEG sim');
    assert.equal(session.state, 'done');
    assert.equal(session.streamStatus, 'stopped');
    assert.ok(session.getData(0, 10) !== null, 'the buffer is still readable');
    assert.match(String(labscope.tree.getTreeItem(node()).description), /^done \(stopped\)/);
    await vscode.commands.executeCommand('labscope.disconnect', 'EEG sim');
  });

  it('adds a device from a validated entry, refuses a bad URI, and removes it again', async () => {
    const labscope = await api();
    const settings = () =>
      vscode.workspace.getConfiguration('labscope').inspect<Array<{ name: string; uri: string }>>('devices')?.workspaceValue ?? [];
    const before = settings().length;

    await vscode.commands.executeCommand('labscope.addDevice', { name: 'Typo', uri: 'rdb://10.0.0.1' });
    assert.equal(settings().length, before, 'a bad URI is not saved');
    // The parameters are the family's declared ones, as the CLI and sessions take them.
    await vscode.commands.executeCommand('labscope.addDevice', { name: 'Extra', uri: 'rda://127.0.0.1:1?foo=1' });
    assert.equal(settings().length, before, 'an unknown parameter is not saved');
    // The settings file is edited in place: its comments stay, and adding then removing gives back its very bytes.
    const file = path.join(workspaceRoot(), '.vscode', 'settings.json');
    const original = fs.readFileSync(file, 'utf8');
    assert.match(original, /\/\/ an 8-channel EEG simulator/);
    await vscode.commands.executeCommand('labscope.addDevice', {
      name: 'Fast RTU',
      uri: 'sim:servomex?mode=modbus-rtu&rate=5&baud=115200',
    });
    assert.deepEqual(settings().at(-1), { name: 'Fast RTU', uri: 'sim:servomex?mode=modbus-rtu&rate=5&baud=115200' });
    const added = fs.readFileSync(file, 'utf8');
    assert.ok(added.includes('// The test workspace') && added.includes('// an 8-channel EEG simulator'), added);
    assert.ok(added.includes('{ "name": "Fast RTU", "uri": "sim:servomex?mode=modbus-rtu&rate=5&baud=115200" }'), added);
    await vscode.commands.executeCommand('labscope.removeDevice', 'Fast RTU');
    assert.equal(settings().length, before);
    assert.equal(fs.readFileSync(file, 'utf8'), original);

    await vscode.commands.executeCommand('labscope.addDevice', { name: 'Nobody home', uri: 'rda://127.0.0.1:9' });
    assert.deepEqual(settings().at(-1), { name: 'Nobody home', uri: 'rda://127.0.0.1:9' });
    const device = await until('the new device in the tree', () => labscope.devices.find('Nobody home'));

    // Connecting to a port where nothing listens: an error the user can act on, and the tree says so.
    const session = await vscode.commands.executeCommand('labscope.connect', 'Nobody home');
    assert.equal(session, undefined);
    assert.equal(device.live, undefined, 'nothing is left half-open');
    assert.match(device.sessions.at(-1)?.error ?? '', /ECONNREFUSED/);
    const item = labscope.tree.getTreeItem(deviceNode(labscope, 'Nobody home')!);
    assert.equal(item.description, 'error');
    // The error with one next step: the transport's own, not a second in other words.
    const tooltip = (tooltipOf(labscope, deviceNode(labscope, 'Nobody home')!) as vscode.MarkdownString).value;
    assert.match(tooltip, /ECONNREFUSED \\?\(is the RDA server running and sending on that port\?\\?\)/);
    assert.doesNotMatch(tooltip, /running and listening/);
    // Its menu follows its state: Connect (to retry) and Clear Ended Sessions, not Disconnect or Start Recording.
    const flags = String(item.contextValue);
    assert.match(flags, /\bconnectable\b/);
    assert.match(flags, /\bended\b/);
    assert.doesNotMatch(flags, /\b(connected|recordable)\b/, flags);
    await vscode.commands.executeCommand('labscope.clearSessions', 'Nobody home');
    assert.equal(device.sessions.length, 0, 'the failed session is cleared');

    await vscode.commands.executeCommand('labscope.removeDevice', 'Nobody home');
    assert.equal(settings().length, before);
    await until('the device gone from the tree', () => !labscope.devices.find('Nobody home'));
  });

  it("shows a polled device's live acquisition summary in the tree and records it in the sidecar", async () => {
    const labscope = await api();
    await vscode.commands.executeCommand('labscope.addDevice', { name: 'Gas', uri: 'sim:servomex?mode=modbus-tcp&units=2&rate=20' });
    try {
      await until('the new device in the tree', () => labscope.devices.find('Gas'));
      await vscode.commands.executeCommand('labscope.connect', 'Gas');
      const device = labscope.devices.find('Gas')!;
      assert.equal(device.live?.state, 'active');
      const session = () => labscope.tree.getChildren(deviceNode(labscope, 'Gas')).find((n) => n.kind === 'session')!;
      // The seed's summary, live: late ticks, drift and disconnects in the line, all of it in the tooltip.
      const line = await until('the poll summary on the session', () => {
        const text = String(labscope.tree.getTreeItem(session()).description);
        return /\d+ late · tick drift ≤ \d+\.\d ms/.test(text) ? text : undefined;
      });
      assert.match(line, /^active · 14 ch · 20 Hz · /);
      assert.match(
        String(tooltipOf(labscope, session())),
        /polled: \d+ batches, \d+ late, max tick drift \d+\.\d\d ms, tick p50 \d+\.\d\d ms \/ p99/,
      );
      const file = await vscode.commands.executeCommand<string>('labscope.startRecording', {
        device: 'Gas',
        format: 'csv',
        durationS: 0.5,
      });
      assert.ok(file, 'a recording was started');
      const sidecar = file.replace(/\.csv$/, '.labscope.json');
      await until('the recording to finish', () => !device.recording && fs.existsSync(sidecar), 20_000);
      const summary = JSON.parse(fs.readFileSync(sidecar, 'utf8')).summary.source;
      assert.ok(summary.samples_emitted >= 10, JSON.stringify(summary));
      assert.equal(summary.disconnects, 0);
    } finally {
      await vscode.commands.executeCommand('labscope.disconnect', 'Gas');
      await vscode.commands.executeCommand('labscope.removeDevice', 'Gas');
    }
  });

  it('refuses a recordings folder outside the workspace and writes nothing there', async () => {
    const labscope = await api();
    const config = vscode.workspace.getConfiguration('labscope');
    await config.update('recordingsFolder', '../escaped', vscode.ConfigurationTarget.Workspace);
    try {
      await vscode.commands.executeCommand('labscope.connect', 'EEG sim');
      const file = await vscode.commands.executeCommand('labscope.startRecording', { device: 'EEG sim', format: 'npy', durationS: 0.2 });
      assert.equal(file, undefined);
      assert.equal(labscope.devices.find('EEG sim')?.recording, undefined);
      assert.equal(fs.existsSync(path.join(workspaceRoot(), '..', 'escaped')), false);
    } finally {
      await config.update('recordingsFolder', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('labscope.disconnect', 'EEG sim');
    }
  });
});

describe('scopes', function () {
  this.timeout(60_000);

  it('Open Scope connects the device if needed, opens a panel per call, and a tree click reveals instead', async () => {
    const labscope = await api();
    const device = labscope.devices.find('EEG sim')!;
    if (device.live) await vscode.commands.executeCommand('labscope.disconnect', 'EEG sim');
    assert.equal(await vscode.commands.executeCommand('labscope.openScope', 'EEG sim'), 1);
    assert.equal(device.live?.state, 'active', 'opening a scope connected the device');
    const [first] = labscope.scopes.open;
    assert.equal(first.device, 'EEG sim');
    assert.equal(first.panel.title, 'Scope: EEG sim');
    assert.equal(first.panel.viewType, 'labscope.scope');
    // What a click on the session in the tree sends: the open panel comes forward, no second one.
    assert.equal(await vscode.commands.executeCommand('labscope.openScope', { device: 'EEG sim', reveal: true }), 1);
    // The palette command always opens another panel: several may show the same session.
    assert.equal(await vscode.commands.executeCommand('labscope.openScope', 'EEG sim'), 2);
    const session = labscope.tree.getChildren(deviceNode(labscope, 'EEG sim')).find((n) => n.kind === 'session')!;
    assert.equal(labscope.tree.getTreeItem(session).command?.command, 'labscope.openScope');
    for (const p of [...labscope.scopes.open]) p.panel.dispose();
    assert.equal(labscope.scopes.open.length, 0);
    await vscode.commands.executeCommand('labscope.disconnect', 'EEG sim');
  });

  it('a scope on an unknown device is refused with its name', async () => {
    const labscope = await api();
    assert.equal(await vscode.commands.executeCommand('labscope.openScope', 'No such device'), undefined);
    assert.equal(labscope.scopes.open.length, 0);
  });
});
