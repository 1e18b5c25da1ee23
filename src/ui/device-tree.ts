// The "Devices" tree: configured devices → their sessions → channels, then played folders →
// their streams. Nodes are cached per device, session and folder so a refresh names the one node
// that changed, and expansion survives it.
import * as vscode from 'vscode';
import type { Device, DeviceManager } from '../core/device-manager';
import type { Session } from '../core/session';
import type { StreamBatch } from '../core/stream-batch';
import { adviceFor } from '../core/advice';
import * as human from '../core/human';
import { families } from '../core/registry';
import type { AcquisitionStats } from '../core/worker-protocol';
import { batchItem, lifecycleFlags, STATE_ICONS, stateIcon, streamItem } from './stream-tree';

export type TreeNode =
  | { kind: 'device'; device: Device }
  | { kind: 'session'; device: Device; session: Session }
  | { kind: 'channel'; device: Device; session: Session; index: number }
  | { kind: 'batch'; batch: StreamBatch }
  | { kind: 'stream'; batch: StreamBatch; session: Session }
  /** The built-in simulators, grouped apart from the devices of the settings. */
  | { kind: 'simulators' };

/** Tree updates are coalesced to this period: sessions report stats four times a second. */
const REFRESH_MS = 500;

export class DeviceTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly deviceNodes = new WeakMap<Device, TreeNode>();
  private readonly sessionNodes = new WeakMap<Session, TreeNode>();
  private readonly batchNodes = new WeakMap<StreamBatch, TreeNode>();
  private readonly pending = new Set<Device>();
  private readonly simulatorsNode: TreeNode = { kind: 'simulators' };
  /** Each device's rows as last shown (see looks). */
  private shown = new WeakMap<Device, string>();
  private everything = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly manager: DeviceManager) {
    manager.on('changed', (device) => this.schedule(device));
  }

  refresh(): void {
    this.schedule(undefined);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      const configured = this.manager.devices.filter((d) => d.origin !== 'simulator');
      const simulated = this.manager.devices.length > configured.length;
      return [
        ...configured.map((device) => this.deviceNode(device)),
        ...(simulated ? [this.simulatorsNode] : []),
        ...this.manager.batches.map((batch) => this.batchNode(batch)),
      ];
    }
    if (node.kind === 'simulators')
      return this.manager.devices.filter((d) => d.origin === 'simulator').map((device) => this.deviceNode(device));
    if (node.kind === 'device') return node.device.sessions.map((session) => this.sessionNode(node.device, session));
    if (node.kind === 'session')
      return node.session.channels.map((_, index) => ({ kind: 'channel', device: node.device, session: node.session, index }));
    if (node.kind === 'batch') return node.batch.sessions.map((session) => this.streamNode(node.batch, session));
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'device') return node.device.origin === 'simulator' ? this.simulatorsNode : undefined;
    if (node.kind === 'batch' || node.kind === 'simulators') return undefined;
    if (node.kind === 'session') return this.deviceNode(node.device);
    if (node.kind === 'stream') return this.batchNode(node.batch);
    return this.sessionNode(node.device, node.session);
  }

  /**
   * The row without its tooltip, which VS Code asks resolveTreeItem for when the pointer rests on
   * the row: it is made then, as things are, instead of for every row at every refresh. A row is
   * re-rendered only when it looks different (flush), since a re-render cancels a pending hover:
   * a row whose text changes every second (a recording's clock) still shows no tooltip.
   */
  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = this.buildItem(node);
    item.tooltip = undefined;
    return item;
  }

  /** The tooltip as things are when it is asked for (the pointer rests on the row). */
  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    item.tooltip = this.buildItem(node).tooltip;
    return item;
  }

  private buildItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'simulators') return simulatorsItem(this.manager.devices.filter((d) => d.origin === 'simulator'));
    if (node.kind === 'device') return deviceItem(node.device);
    if (node.kind === 'session') return sessionItem(node.device, node.session);
    if (node.kind === 'batch') return batchItem(node.batch);
    if (node.kind === 'stream') return streamItem(node.batch, node.session);
    return channelItem(node.device, node.session, node.index);
  }

  batchNode(batch: StreamBatch): TreeNode {
    let node = this.batchNodes.get(batch);
    if (!node) this.batchNodes.set(batch, (node = { kind: 'batch', batch }));
    return node;
  }

  private streamNode(batch: StreamBatch, session: Session): TreeNode {
    let node = this.sessionNodes.get(session);
    if (!node) this.sessionNodes.set(session, (node = { kind: 'stream', batch, session }));
    return node;
  }

  deviceNode(device: Device): TreeNode {
    let node = this.deviceNodes.get(device);
    if (!node) this.deviceNodes.set(device, (node = { kind: 'device', device }));
    return node;
  }

  private sessionNode(device: Device, session: Session): TreeNode {
    let node = this.sessionNodes.get(session);
    if (!node) this.sessionNodes.set(session, (node = { kind: 'session', device, session }));
    return node;
  }

  private schedule(device: Device | undefined): void {
    if (device) this.pending.add(device);
    else this.everything = true;
    this.timer ??= setTimeout(() => this.flush(), REFRESH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.everything) {
      this.shown = new WeakMap();
      this.changed.fire(undefined);
    } else {
      for (const device of this.pending) {
        if (!this.manager.devices.includes(device)) continue;
        // Only when a row would look different: a re-rendered row cancels its pending hover, so a
        // device whose rows read the same (an active session, figures in the tooltip) keeps its tooltip.
        const looks = this.looks(device);
        if (this.shown.get(device) === looks) continue;
        this.shown.set(device, looks);
        this.changed.fire(this.deviceNode(device));
      }
    }
    this.everything = false;
    this.pending.clear();
  }

  /** What a device's rows show (labels, descriptions, icons, menus), to tell whether a refresh changes anything. */
  private looks(device: Device): string {
    const rows = [this.deviceNode(device), ...device.sessions.map((s) => this.sessionNode(device, s))].map((node) => {
      const item = this.buildItem(node);
      return [
        item.label,
        item.description,
        item.contextValue,
        item.collapsibleState,
        JSON.stringify(item.iconPath ?? null),
        device.sessions.length,
      ];
    });
    return JSON.stringify(rows);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

/** `8 ch · 1 kHz`, once the device has said its format. */
function shape(session: Session): string {
  return session.channels.length ? `${session.channels.length} ch · ${human.rate(session.rate)}` : '';
}

/** `● REC 00:12 · 3.1 MB · 0 gaps`: the status bar's words, with the running clock. */
export function recordingText(session: Session): string {
  const r = session.recording;
  if (!r) return '';
  return `● REC ${human.clock(r.elapsedS)} · ${human.bytes(r.bytes)} · ${human.plural(r.gaps, 'gap')}`;
}

/** When each session's current recording began (by path), as first seen: a stable row text. */
const recordingSince = new WeakMap<Session, { path: string; since: Date }>();

/**
 * A tree row's words for a recording: `● REC since 14:02:11 · 0 gaps`. The running clock and
 * size stay out of the row (they are in its tooltip, made when hovered, and in the status bar):
 * a row whose text changes every second is re-rendered every second, and each re-render cancels
 * the hover, so its tooltip could never show. Gaps change rarely, and a new one is worth seeing.
 */
function recordingRowText(session: Session): string {
  const r = session.recording;
  if (!r) return '';
  let known = recordingSince.get(session);
  if (known?.path !== r.path) {
    known = { path: r.path, since: new Date(Date.now() - r.elapsedS * 1000) };
    recordingSince.set(session, known);
  }
  return `● REC since ${known.since.toLocaleTimeString()} · ${human.plural(r.gaps, 'gap')}`;
}

/** The tooltip's line for a recording: the figures the row leaves out. */
function recordingDetail(session: Session): string {
  const r = session.recording;
  if (!r) return '';
  return `recording to ${r.path}: ${human.clock(r.elapsedS)}, ${human.plural(r.frames, 'frame')}, ${human.bytes(r.bytes)}, ${human.plural(r.gaps, 'gap')}`;
}

function contextFlags(device: Device): string[] {
  const flags = ['device'];
  const live = device.live;
  if (device.problem) flags.push('invalid');
  else if (!device.trusted) flags.push('untrusted');
  else if (!live) flags.push('connectable');
  if (live) flags.push('connected', live.state === 'active' || live.state === 'paused' ? 'streaming' : 'starting');
  // Start Recording connects a device first, but not one whose last try failed: Connect (a retry) says why again.
  const failed = !live && device.sessions.at(-1)?.state === 'error';
  if (live?.recording) flags.push('recording');
  else if (!device.problem && device.trusted && (live ? live.state === 'active' || live.state === 'paused' : !failed))
    flags.push('recordable');
  if (device.sessions.length && !live) flags.push('ended');
  if (device.origin !== 'simulator') flags.push('removable');
  return flags;
}

function deviceItem(device: Device): vscode.TreeItem {
  const item = new vscode.TreeItem(
    device.name,
    device.sessions.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
  );
  item.id = `device/${device.id}`;
  item.contextValue = contextFlags(device).join(' ');
  const live = device.live;
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${escape(device.name)}**  \n\`${device.uri.replace(/`/g, "'")}\``);
  tooltip.appendMarkdown(`  \nfrom ${device.origin === 'simulator' ? 'the built-in simulators' : `${device.origin} settings`}`);
  if (device.problem) {
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.description = 'invalid URI';
    tooltip.appendMarkdown(`\n\n$(warning) ${escape(device.problem)}`);
  } else if (!device.trusted) {
    item.iconPath = new vscode.ThemeIcon('shield');
    item.description = 'untrusted workspace: not connected';
    tooltip.appendMarkdown(
      '\n\n$(shield) This device comes from the workspace settings of a workspace you have not trusted, so Labscope does not connect to it. Trust the workspace to use it.',
    );
  } else if (live) {
    const [icon, color] = live.recording ? ['record', 'charts.red'] : STATE_ICONS[live.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.description = live.recording ? recordingRowText(live) : [shape(live), live.state].filter(Boolean).join(' · ');
    tooltip.appendMarkdown(`\n\n${live.state}${live.channels.length ? `, ${shape(live)}` : ''}`);
    if (live.recording) tooltip.appendMarkdown(`  \n${escape(recordingDetail(live))}`);
  } else {
    const last = device.sessions.at(-1);
    // A failed session is closed (its thread and simulator freed) but keeps its error to show.
    item.iconPath = last?.error ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('plug');
    item.description = last?.error ? 'error' : device.uri;
    if (last?.error)
      tooltip.appendMarkdown(`\n\n$(error) ${escape(last.error)}${adviceFor(last.error) ? `  \n${escape(adviceFor(last.error)!)}` : ''}`);
  }
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: `${device.name}, ${item.description}` };
  return item;
}

function sessionItem(device: Device, session: Session): vscode.TreeItem {
  const item = new vscode.TreeItem(
    `Session ${session.createdAt.toLocaleTimeString()}`,
    session.channels.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = `session/${device.id}/${session.createdAt.getTime()}`;
  item.iconPath = stateIcon(session);
  // A queued session has no figures yet: all zeros would say it received nothing.
  const stats = session.isQueued() ? undefined : session.stats();
  item.description = session.recording
    ? recordingRowText(session)
    : [
        stateText(session),
        human.silence(stats),
        shape(session),
        stats && stats.gaps ? human.plural(stats.gaps, 'gap') : '',
        familySummary(session, stats),
      ]
        .filter(Boolean)
        .join(' · ');
  const live = session === device.live;
  const streaming = live && (session.state === 'active' || session.state === 'paused');
  item.contextValue = [
    'session',
    live ? 'connected' : 'ended',
    session.recording ? 'recording' : streaming ? 'recordable' : '',
    streaming ? 'streaming' : '',
    ...lifecycleFlags(session),
  ]
    .filter(Boolean)
    .join(' ');
  const lines = [`${session.state} since ${session.createdAt.toLocaleString()}`];
  if (stats)
    lines.push(
      `${stats.frames} frames, ${human.bytes(stats.bytes)} received, ${human.plural(stats.gaps, 'gap')}, ${human.plural(stats.reconnects, 'reconnect')}, clock drift ${stats.driftMs.toFixed(1)} ms (the device's frames against host time)`,
    );
  if (stats?.silentS) lines.push(`${human.silence(stats)}: nothing has arrived from the device since`);
  if (stats?.errors) lines.push(`${human.plural(stats.errors, 'bad input')} rejected (checksums, malformed frames)`);
  lines.push(human.pollSummaryDetail(stats?.source) ?? '');
  if (session.recording) lines.push(recordingDetail(session));
  if (session.bufferSeconds !== undefined && streaming) lines.push(`buffer: ${+session.bufferSeconds.toFixed(3)} s`);
  if (session.endReason) lines.push(session.endReason);
  if (session.error) lines.push(`error: ${session.error}`, adviceFor(session.error) ?? '');
  item.tooltip = lines.filter(Boolean).join('\n');
  item.accessibilityInformation = { label: `${item.label}, ${item.description}` };
  // Selecting a live session shows its scope (an open one is brought forward, not duplicated).
  if (streaming) item.command = { command: 'labscope.openScope', title: 'Open Scope', arguments: [{ device: device.name, reveal: true }] };
  return item;
}

function channelItem(device: Device, session: Session, index: number): vscode.TreeItem {
  const channel = session.channels[index];
  const item = new vscode.TreeItem(channel.name || `channel ${index + 1}`, vscode.TreeItemCollapsibleState.None);
  item.id = `channel/${device.id}/${session.createdAt.getTime()}/${index}`;
  const detail = families().byId(session.family)?.channelDetail?.(session.sourceFormat, index);
  item.description = [channel.unit, detail].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon('symbol-number');
  item.contextValue = 'channel';
  return item;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The family's own one-line summary of its source (a polled analyser's late ticks and drift). */
function familySummary(session: Session, stats: AcquisitionStats | undefined): string {
  if (!stats?.source) return '';
  return families().byId(session.family)?.summaryLine?.(stats.source) ?? '';
}

/** The state, and for a finished stream how it ended in the seed's Streamer words (finished, stopped, interrupted). */
function stateText(session: Session): string {
  return session.state === 'done' && session.streamStatus && session.streamStatus !== 'started'
    ? `done (${session.streamStatus})`
    : session.state;
}

/** The group of built-in simulators: collapsed, so the devices a lab configured come first. */
function simulatorsItem(devices: Device[]): vscode.TreeItem {
  const item = new vscode.TreeItem('Simulators', vscode.TreeItemCollapsibleState.Collapsed);
  item.id = 'simulators';
  item.iconPath = new vscode.ThemeIcon('beaker');
  // Nothing live in the group's own row: it is not refreshed with its simulators.
  item.description = human.plural(devices.length, 'family', 'families');
  item.contextValue = 'simulators';
  item.tooltip = 'One simulated device per instrument family (setting labscope.simulators): try everything without hardware.';
  return item;
}
