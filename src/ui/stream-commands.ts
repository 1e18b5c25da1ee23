// The lifecycle commands every session in the tree has (Pause, Resume, Resume at Live, Close,
// Delete…), and Open Audio Folder…, which plays each audio file of a folder as a stream of its
// own, a few at a time, recording each one whole into the workspace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openInRecordingEditor } from './recording-editor';
import { guardedCommand } from './guarded-command';
import type { DeviceManager } from '../core/device-manager';
import { Session } from '../core/session';
import { DEFAULT_CONCURRENCY, removeEmptyFolders, StreamBatch } from '../core/stream-batch';
import { createStreams, findStreamFiles, streamFileExtensions } from '../core/streams';
import { fileSlug, recordingsFolder, timestamp } from '../core/recording-path';
import type { RecordingFormat } from '../core/writers/types';
import * as human from '../core/human';
import type { TreeNode } from './device-tree';
import { batchSummary } from './stream-tree';

/** What a keybinding, another extension or a test may pass instead of answering a dialog. */
export interface OpenAudioFolderArgs {
  folder?: string;
  /** Default: the file family's extensions (the seed's default of every file would play notes and images). */
  exts?: string[];
  filters?: string[];
  recursive?: boolean;
  format?: RecordingFormat;
  concurrency?: number;
}

export interface OpenedFolder {
  folder: string;
  files: string[];
  recordings: string;
}

/** A tree node, a session, or a device name (its newest session). */
type SessionTarget = TreeNode | Session | string | undefined;

/** Files listed by name in Delete's confirmation before the rest are counted. */
const LISTED = 15;

export class StreamCommands {
  constructor(
    private readonly manager: DeviceManager,
    private readonly log: vscode.LogOutputChannel,
    private readonly fail: (message: string) => void,
    private readonly reveal: (batch: StreamBatch) => void,
  ) {}

  register(): vscode.Disposable[] {
    const guard = <A extends unknown[]>(name: string, run: (...args: A) => Promise<unknown>) =>
      guardedCommand(name, (message) => this.fail(message), run);
    return [
      guard('openAudioFolder', (arg?: unknown, selected?: unknown) => this.openAudioFolder(arg, selected)),
      guard('pauseSession', (target?: SessionTarget) => this.pause(target)),
      guard('resumeSession', (target?: SessionTarget) => this.resume(target, undefined)),
      guard('resumeSessionLive', (target?: SessionTarget) => this.resume(target, -1)),
      guard('stopStream', (target?: SessionTarget) => this.stopStream(target)),
      guard('openStreamRecording', (target?: SessionTarget) => this.openRecording(target, false)),
      guard('revealStreamRecording', (target?: SessionTarget) => this.openRecording(target, true)),
      guard('setBufferLength', (target?: SessionTarget, seconds?: number) => this.setBufferLength(target, seconds)),
      guard('closeSession', (target?: SessionTarget) => this.close(target)),
      guard('deleteSession', (target?: SessionTarget, options?: { confirmed?: boolean }) => this.delete(target, options)),
    ];
  }

  /**
   * From the Explorer (a folder, or several selected), the palette (a folder picker that starts
   * in the workspace) or with `{ folder, … }`: one batch per folder, shown in the tree at once
   * and played in the background with a progress notification. Resolves once they are queued.
   */
  async openAudioFolder(arg?: unknown, selected?: unknown): Promise<OpenedFolder[] | undefined> {
    const args = folderArgs(arg);
    let folders = explorerFolders(arg, selected) ?? (args.folder ? [args.folder] : undefined);
    const workspace = vscode.workspace.workspaceFolders?.[0];
    if (!workspace || workspace.uri.scheme !== 'file') {
      throw new Error('Open a folder first: each file played is recorded inside the workspace folder');
    }
    if (!folders) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Open Audio Folder',
        openLabel: 'Play Audio Files',
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: true,
        defaultUri: workspace.uri,
      });
      if (!picked?.length) return undefined;
      folders = picked.map((uri) => uri.fsPath);
    }
    const setting = vscode.workspace.getConfiguration('labscope').get<string>('recordingsFolder', 'recordings');
    const recordings = recordingsFolder(workspace.uri.fsPath, setting);
    const exts = args.exts ?? [...streamFileExtensions()];
    const opened: OpenedFolder[] = [];
    for (const folder of folders.map((f) => path.resolve(f))) {
      // Earlier recordings are not material to play again (they would be with exts of everything).
      const files = findStreamFiles(folder, { exts, filters: args.filters, recursive: args.recursive }).filter(
        (f) => !inside(f, recordings),
      );
      if (!files.length) {
        void vscode.window.showInformationMessage(`No audio files (${exts.join(', ')}) in ${folder}.`);
        continue;
      }
      const sessions = createStreams(files);
      const dir = unusedFolder(path.join(recordings, `${fileSlug(path.basename(folder))}-${timestamp(new Date())}`));
      const batch = new StreamBatch(path.basename(folder), folder, sessions, {
        concurrency: args.concurrency ?? DEFAULT_CONCURRENCY,
        record: { dir, format: args.format ?? 'npy' },
      });
      this.manager.addBatch(batch);
      this.log.info(`${batch.label}: ${human.plural(files.length, 'file')} from ${folder} queued; recordings go to ${dir}`);
      this.reveal(batch);
      this.play(batch);
      opened.push({ folder, files, recordings: dir });
    }
    return opened;
  }

  async pause(target?: SessionTarget): Promise<Session | undefined> {
    const session = await this.pick(target, (s) => s.isActive(), 'Pause which session?', 'active');
    if (session) await session.pause();
    return session;
  }

  async resume(target: SessionTarget, from: -1 | undefined): Promise<Session | undefined> {
    const session = await this.pick(target, (s) => s.isPaused(), 'Resume which session?', 'paused');
    if (!session) return undefined;
    const { skipped } = await session.resume(from);
    if (skipped > 0)
      this.log.info(
        `${session.uri}: resumed at live, skipping ${skipped} frames (${(skipped / (session.rate || 1)).toFixed(2)} s; recorded as a gap)`,
      );
    return session;
  }

  /** Ends the stream but keeps the session, its buffer readable and its recording finished (Bela: unwatch; the board's program runs on). */
  async stopStream(target?: SessionTarget): Promise<Session | undefined> {
    const session = await this.pick(target, (s) => s.isStreaming, 'Stop streaming which session?', 'streaming');
    if (!session) return undefined;
    await session.stopStream();
    this.log.info(`${session.uri}: ${session.endReason ?? 'stopped'}`);
    return session;
  }

  /**
   * A finished stream's recording: opened (a CSV as text; NPY and MAT, binary, by their sidecar,
   * as the notification after a recording does) or shown in the Explorer.
   */
  async openRecording(target: SessionTarget, reveal: boolean): Promise<string | undefined> {
    if (!target || typeof target !== 'object' || target instanceof Session || target.kind !== 'stream')
      throw new Error('open a recording from a stream of a played folder (its row in the Devices view)');
    const file = target.batch.recordingOf(target.session);
    if (!file || !fs.existsSync(file)) throw new Error(`${target.batch.nameOf(target.session)} has no recording on disk`);
    if (reveal) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(file));
    else await openInRecordingEditor(file);
    return file;
  }

  /** How many seconds a streaming session's buffer holds (getData, recording from the past), asked for when not given. */
  async setBufferLength(target?: SessionTarget, seconds?: number): Promise<number | undefined> {
    const session = await this.pick(target, (s) => s.isStreaming, 'Set the buffer of which session?', 'streaming');
    if (!session) return undefined;
    if (seconds === undefined) {
      const now = session.bufferSeconds;
      const text = await vscode.window.showInputBox({
        title: `Buffer of ${session.uri}`,
        prompt: `Seconds of the stream the session keeps${now !== undefined ? ` (now ${+now.toFixed(3)} s)` : ''}`,
        value: now !== undefined ? String(+now.toFixed(3)) : '',
        validateInput: (v) => (Number(v) > 0 && Number.isFinite(Number(v)) ? undefined : 'a number of seconds > 0'),
      });
      if (text === undefined) return undefined;
      seconds = Number(text);
    }
    const held = await session.setBufferSeconds(seconds);
    this.log.info(`${session.uri}: the buffer now holds ${+held.toFixed(3)} s`);
    return held;
  }

  /** A stream or session is closed; a played folder is closed whole and leaves the tree. */
  async close(target?: SessionTarget): Promise<void> {
    if (isBatchNode(target)) return this.manager.removeBatch(target.batch);
    const session = await this.pick(target, (s) => !s.isDone(), 'Close which session?', 'open');
    await session?.close();
  }

  /**
   * Closes and removes what a session (or each stream of a played folder) wrote, after a modal
   * that names the files; `{ confirmed: true }` skips it (tests, other extensions).
   */
  async delete(target?: SessionTarget, options: { confirmed?: boolean } = {}): Promise<string[] | undefined> {
    const batch = isBatchNode(target) ? target.batch : undefined;
    const picked = batch ? undefined : await this.pick(target, (s) => !s.isDeleted(), 'Delete which session?', 'to delete');
    const sessions = batch ? batch.sessions.filter((s) => !s.isDeleted()) : picked ? [picked] : [];
    if (!batch && !sessions.length) return undefined;
    const files = sessions.flatMap((s) => s.artifacts());
    const what = batch
      ? `the ${human.plural(batch.sessions.length, 'stream')} played from ${batch.label}`
      : `the session ${label(sessions[0])}`;
    if (!options.confirmed && !(await confirmDelete(what, files))) return undefined;
    const removed = (await Promise.all(sessions.map((s) => s.delete()))).flat();
    if (batch) {
      if (batch.recordingsDir) removeEmptyFolders(batch.recordingsDir);
      await this.manager.removeBatch(batch);
    }
    this.log.info(
      `deleted ${batch ? batch.label : label(sessions[0])}: ${removed.length ? removed.join(', ') : 'it had written no files'}`,
    );
    return removed;
  }

  /** Plays a batch in the background under a cancellable progress notification. */
  private play(batch: StreamBatch): void {
    const total = batch.sessions.length;
    void vscode.window
      .withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Playing ${human.plural(total, 'audio file')} from ${batch.label}`,
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => void batch.close());
          let reported = 0;
          const update = () => {
            const finished = batch.sessions.filter((s) => s.isDone()).length;
            progress.report({ message: batchSummary(batch), increment: ((finished - reported) / total) * 100 });
            reported = finished;
          };
          batch.on('changed', update);
          try {
            await batch.run();
          } finally {
            batch.off('changed', update);
          }
        },
      )
      .then(() => this.finished(batch));
  }

  private finished(batch: StreamBatch): void {
    const text = `${batch.label}: ${batchSummary(batch)}.${batch.recordingsDir ? ` Recordings in ${batch.recordingsDir}.` : ''}`;
    this.log.info(text);
    const failed = batch.counts().error ?? 0;
    const reveal = 'Reveal in Explorer';
    const shown = failed ? vscode.window.showWarningMessage(text, 'Show Log', reveal) : vscode.window.showInformationMessage(text, reveal);
    void shown.then((choice) => {
      if (choice === 'Show Log') this.log.show();
      if (choice === reveal && batch.recordingsDir && fs.existsSync(batch.recordingsDir)) {
        void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(batch.recordingsDir));
      }
    });
  }

  /** The session a command is about: the one given, else a pick among those it applies to. */
  private async pick(target: SessionTarget, eligible: (s: Session) => boolean, title: string, what: string): Promise<Session | undefined> {
    if (target instanceof Session) return target;
    if (target && typeof target === 'object' && 'session' in target) return target.session;
    if (typeof target === 'string') {
      const device = this.manager.find(target);
      const session = device?.live ?? device?.sessions.at(-1);
      if (!session) throw new Error(device ? `${device.name} has no session` : `no device called "${target}"`);
      return session;
    }
    const candidates = [
      ...this.manager.sessions(eligible).map(({ device, session }) => ({ label: device.name, description: session.state, session })),
      ...this.manager.batches.flatMap((b) =>
        b.sessions.filter(eligible).map((session) => ({ label: b.nameOf(session), description: `${b.label} · ${session.state}`, session })),
      ),
    ];
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`No session is ${what}.`);
      return undefined;
    }
    if (candidates.length === 1) return candidates[0].session;
    return (await vscode.window.showQuickPick(candidates, { title }))?.session;
  }
}

function isBatchNode(target: SessionTarget): target is Extract<TreeNode, { kind: 'batch' }> {
  return typeof target === 'object' && target !== null && !(target instanceof Session) && target.kind === 'batch';
}

function label(session: Session): string {
  return session.sourceName();
}

async function confirmDelete(what: string, files: string[]): Promise<boolean> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const shown = files.map((f) => (root && inside(f, root) ? path.relative(root, f) : f));
  const list = shown.length > LISTED ? [...shown.slice(0, LISTED), `… and ${shown.length - LISTED} more`] : shown;
  const detail = files.length
    ? `It is closed, and these ${human.plural(files.length, 'file')} are removed:\n${list.join('\n')}`
    : 'It is closed; it wrote no files, so none are removed.';
  const remove = 'Delete';
  return (await vscode.window.showWarningMessage(`Delete ${what}?`, { modal: true, detail }, remove)) === remove;
}

/**
 * The Explorer passes the clicked folder and, with several selected, all of them: files among
 * the selection are left out (the menu item shows on folders only, but a selection can mix).
 */
function explorerFolders(arg: unknown, selected: unknown): string[] | undefined {
  const clicked = arg instanceof vscode.Uri ? [arg.fsPath] : [];
  const chosen = (Array.isArray(selected) ? selected : [])
    .filter((u): u is vscode.Uri => u instanceof vscode.Uri)
    .map((u) => u.fsPath)
    .filter(isFolder);
  const folders = chosen.length ? chosen : clicked;
  return folders.length ? folders : undefined;
}

function isFolder(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Arguments from a keybinding or another extension are checked, not trusted. */
function folderArgs(arg: unknown): OpenAudioFolderArgs {
  if (!arg || typeof arg !== 'object' || arg instanceof vscode.Uri) return {};
  const a = arg as OpenAudioFolderArgs;
  const strings = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (a.folder !== undefined && typeof a.folder !== 'string') throw new Error('openAudioFolder: "folder" must be a path');
  if (!strings(a.exts) || !strings(a.filters)) throw new Error('openAudioFolder: "exts" and "filters" must be lists of strings');
  if (a.format !== undefined && !['npy', 'csv', 'mat'].includes(a.format))
    throw new Error(`openAudioFolder: format "${String(a.format)}" is not npy, csv or mat`);
  if (a.concurrency !== undefined && !(Number.isInteger(a.concurrency) && a.concurrency >= 1))
    throw new Error('openAudioFolder: "concurrency" must be a whole number ≥ 1');
  return a;
}

function inside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** `dir`, or `dir-2`, `dir-3`… when a batch in the same second took it; made now, to claim it. */
function unusedFolder(dir: string): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? dir : `${dir}-${n}`;
    if (fs.existsSync(candidate)) continue;
    fs.mkdirSync(candidate, { recursive: true });
    return candidate;
  }
}
