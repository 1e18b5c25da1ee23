// Tree items for the lifecycle every session shares: an icon per state, the context flags the
// Pause / Resume / Close / Delete menus key on, and the nodes of a played folder (a batch of
// streams, one per file).
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Session, SessionState } from '../core/session';
import type { StreamBatch } from '../core/stream-batch';
import { adviceFor } from '../core/advice';
import * as human from '../core/human';

export const STATE_ICONS: Record<SessionState, [string, string?]> = {
  queued: ['clock'],
  connecting: ['loading~spin'],
  active: ['pulse', 'charts.green'],
  paused: ['debug-pause'],
  done: ['pass'],
  error: ['error', 'errorForeground'],
  closed: ['circle-slash'],
  deleted: ['trash'],
};

export function stateIcon(session: Session): vscode.ThemeIcon {
  const [icon, color] = session.recording ? ['record', 'charts.red'] : STATE_ICONS[session.state];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

/** Which lifecycle actions apply now, as contextValue words (package.json's menus match them). */
export function lifecycleFlags(session: Session): string[] {
  const flags: string[] = [];
  if (session.isActive()) flags.push('pausable');
  if (session.isPaused()) flags.push('resumable');
  if (!session.isDone()) flags.push('closable');
  if (!session.isDeleted()) flags.push('deletable');
  return flags;
}

/** `3 done · 1 active · 2 queued`, in lifecycle order. */
export function batchSummary(batch: StreamBatch): string {
  const counts = batch.counts();
  return (Object.keys(STATE_ICONS) as SessionState[])
    .filter((state) => counts[state])
    .map((state) => `${counts[state]} ${state}`)
    .join(' · ');
}

export function batchItem(batch: StreamBatch): vscode.TreeItem {
  // Two runs of one folder look alike but for when they started.
  const item = new vscode.TreeItem(`${batch.label} · ${batch.createdAt.toLocaleTimeString()}`, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `batch/${batch.id}`;
  item.iconPath = new vscode.ThemeIcon(batch.finished ? 'folder' : 'folder-active');
  item.description = batchSummary(batch);
  item.contextValue = ['streamBatch', batch.finished ? 'finished' : 'running'].join(' ');
  const lines = [`${batch.sessions.length} files from ${batch.folder}`];
  if (batch.recordingsDir) lines.push(`recorded into ${batch.recordingsDir}`);
  item.tooltip = lines.join('\n');
  item.accessibilityInformation = { label: `${batch.label}, ${item.description}` };
  return item;
}

export function streamItem(batch: StreamBatch, session: Session): vscode.TreeItem {
  const item = new vscode.TreeItem(batch.nameOf(session), vscode.TreeItemCollapsibleState.None);
  item.id = `stream/${batch.id}/${session.uri}`;
  item.iconPath = stateIcon(session);
  const seconds = session.sourceSeconds();
  const stats = session.isQueued() ? undefined : session.stats();
  item.description = [
    session.state,
    seconds === undefined ? '' : `${seconds.toFixed(1)} s`,
    stats?.errors ? human.plural(stats.errors, 'bad input') : '',
    stats?.gaps ? human.plural(stats.gaps, 'gap') : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const recorded = batch.recordingOf(session);
  // A finished stream's recording can be opened or shown in the Explorer from its row.
  const openable = recorded !== undefined && session.isDone() && !session.isDeleted() && fs.existsSync(recorded);
  item.contextValue = ['stream', session.state, ...lifecycleFlags(session), openable ? 'recorded' : ''].filter(Boolean).join(' ');
  const lines = [session.uri];
  if (session.start) lines.push(`started ${session.start.toLocaleString()}`);
  if (session.end) lines.push(`${session.state} ${session.end.toLocaleString()}`);
  if (session.pausedAt) lines.push(`paused at ${session.pausedAt.toLocaleTimeString()} (frame ${session.pausePoint})`);
  if (stats) lines.push(`${stats.frames} frames, ${human.bytes(stats.bytes)} read, ${human.plural(stats.errors, 'bad input')}`);
  const recording = batch.recordingOf(session);
  if (recording && session.start) lines.push(`${session.isDeleted() ? 'its recording was deleted: ' : 'recorded to '}${recording}`);
  if (session.error) lines.push(`error: ${session.error}`, adviceFor(session.error) ?? '');
  item.tooltip = lines.filter(Boolean).join('\n');
  item.accessibilityInformation = { label: `${item.label}, ${item.description}` };
  return item;
}
