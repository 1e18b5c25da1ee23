// The recording editor: VS Code's face of a recorded file (`labscope.recording`, an editable
// CustomEditorProvider). The document is src/core/recording-document's model (edits, undo, save,
// backup: no `vscode` there) over a RecordingReader that reads the file by pages; the traces are
// min/max columns from the reader's pyramid (src/core/reading/pyramid.ts). This file only adapts:
// each edit becomes a CustomDocumentEditEvent with the model's label, so undo/redo, dirty state,
// Save, Save As, Revert and hot exit are VS Code's own; webview messages are checked before use.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openRecording } from '../core/reading/reader';
import { RecordingColumns, type ColumnsAnswer } from '../core/reading/columns';
import type { MinMaxQuery, RecordingReader } from '../core/reading/types';
import { RecordingDocumentModel } from '../core/recording-document/index';
import {
  parseRecordingMessage,
  RECORDING_PROTOCOL,
  type HostToRecording,
  type RecordingCrop,
  type RecordingEditIntent,
} from '../../webview/shared/recording-protocol';
import { webviewHtml, webviewOptions } from './webview-html';

export const RECORDING_VIEW_TYPE = 'labscope.recording';
/**
 * The same editor for CSV, as an option: a CSV is text many people want in the text editor, while
 * NPY and MAT have no other view in VS Code, so this editor is their default (package.json).
 */
export const RECORDING_CSV_VIEW_TYPE = 'labscope.recordingCsv';
/** How often a recording still being written is looked at again for new rows. */
const FOLLOW_MS = 1000;

export class RecordingDocument implements vscode.CustomDocument {
  /** The rows the page has selected, for the export commands; null when none. */
  selection: RecordingCrop = null;
  /** Warnings from restoring a backup onto files that changed since (shown once in the page). */
  restoreWarnings: string[] = [];
  readonly panels = new Set<vscode.WebviewPanel>();
  /** The editor type it was opened as (NPY/MAT or CSV), set by the registration that opened it. */
  viewType = RECORDING_VIEW_TYPE;
  /** Edits brought back from a backup, not yet handed to the workbench (see resolveCustomEditor). */
  restored: string[] = [];
  /** Pages that have loaded and asked for their data (the workbench knows the document by then). */
  pagesReady = 0;
  private traces: RecordingColumns | undefined;
  private readonly building = new AbortController();
  private follow: NodeJS.Timeout | undefined;
  private disposed = false;

  private constructor(
    readonly uri: vscode.Uri,
    /** Undefined when the file could not be opened: `failure` says why, and the page shows it. */
    readonly reader: RecordingReader | undefined,
    readonly model: RecordingDocumentModel | undefined,
    readonly failure: string | undefined,
  ) {}

  static async open(uri: vscode.Uri, backupId: string | undefined): Promise<RecordingDocument> {
    let reader: RecordingReader | undefined;
    try {
      reader = await openRecording(uri.fsPath);
      const model = RecordingDocumentModel.open(uri.fsPath, {
        format: reader.format,
        channelCount: reader.channelCount,
        frames: reader.frames,
        rate: reader.rate,
        channels: reader.channels,
      });
      const doc = new RecordingDocument(uri, reader, model, undefined);
      if (backupId) {
        // Hot exit: the edits of the last window, reapplied; a backup that no longer fits is said, not fatal.
        try {
          doc.restoreWarnings = model.restore(RecordingDocumentModel.readBackup(vscode.Uri.parse(backupId).fsPath));
          doc.restored = [...model.history];
        } catch (error) {
          doc.restoreWarnings = [`the unsaved edits could not be restored: ${(error as Error).message}`];
        }
      }
      return doc;
    } catch (error) {
      // Never a blank editor: the page opens and says what is wrong with the file.
      await reader?.close();
      return new RecordingDocument(uri, undefined, undefined, `${path.basename(uri.fsPath)} cannot be shown: ${(error as Error).message}`);
    }
  }

  get name(): string {
    return path.basename(this.uri.fsPath);
  }

  /** The traces' source: exact or provisional answers at once, the pyramid's once built. */
  columns(): RecordingColumns {
    if (!this.reader) throw new Error(this.failure);
    if (!this.traces) {
      this.traces = new RecordingColumns(this.reader, {
        pyramid: {
          signal: this.building.signal,
          onProgress: (fraction) => this.broadcast({ type: 'progress', what: `Reading ${this.name}`, fraction }),
        },
      });
      this.traces.pyramid().catch((error: Error) => {
        if (!this.disposed) this.broadcast({ type: 'error', message: `${this.name} could not be read to the end: ${error.message}` });
      });
    }
    return this.traces;
  }

  query(q: MinMaxQuery): Promise<ColumnsAnswer> {
    return this.columns().query(q);
  }

  broadcast(message: HostToRecording): void {
    for (const panel of this.panels) void panel.webview.postMessage(message);
  }

  /** While the file is being recorded, looks for new rows every second and tells the pages. */
  followWhile(isRecording: () => boolean): void {
    if (this.follow || !this.reader) return;
    const tick = async () => {
      if (this.disposed || !this.reader) return;
      const still = isRecording();
      const before = this.reader.frames;
      const frames = await this.reader.refresh();
      if (frames !== before) {
        await this.columns().extend();
        this.broadcast({ type: 'grown', frames });
      }
      if (still && !this.disposed) this.follow = setTimeout(() => void tick().catch(() => undefined), FOLLOW_MS);
      else this.follow = undefined;
    };
    this.follow = setTimeout(() => void tick().catch(() => undefined), FOLLOW_MS);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.follow);
    this.building.abort();
    void this.reader?.close();
  }
}

export class RecordingEditorProvider implements vscode.CustomEditorProvider<RecordingDocument> {
  private readonly changed = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<RecordingDocument>>();
  readonly onDidChangeCustomDocument = this.changed.event;
  private readonly documents = new Set<RecordingDocument>();
  private badMessages = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    /** True while a session is writing this file (the editor then follows its end). */
    private readonly isRecording: (file: string) => boolean,
  ) {}

  static register(provider: RecordingEditorProvider): vscode.Disposable[] {
    // Hidden editors keep their page: a re-shown tab must not ask a 2 GB file for its overview again.
    const options = { webviewOptions: { retainContextWhenHidden: true }, supportsMultipleEditorsPerDocument: true };
    return [RECORDING_VIEW_TYPE, RECORDING_CSV_VIEW_TYPE].map((type) =>
      vscode.window.registerCustomEditorProvider(type, provider.forViewType(type), options),
    );
  }

  /**
   * The provider as one editor type sees it. VS Code looks up the document of every edit event
   * among those of the type the provider was registered for, and throws for any other; so each
   * registration hears only the edits of documents it opened.
   */
  private forViewType(type: string): vscode.CustomEditorProvider<RecordingDocument> {
    const onDidChangeCustomDocument: vscode.Event<vscode.CustomDocumentEditEvent<RecordingDocument>> = (listener, thisArgs, disposables) =>
      this.changed.event((e) => e.document.viewType === type && listener.call(thisArgs, e), undefined, disposables);
    return {
      onDidChangeCustomDocument,
      openCustomDocument: async (uri, context) => {
        const doc = await this.openCustomDocument(uri, context);
        doc.viewType = type;
        return doc;
      },
      resolveCustomEditor: (doc, panel) => this.resolveCustomEditor(doc, panel),
      saveCustomDocument: (doc) => this.saveCustomDocument(doc),
      saveCustomDocumentAs: (doc, destination, cancellation) => this.saveCustomDocumentAs(doc, destination, cancellation),
      revertCustomDocument: (doc) => this.revertCustomDocument(doc),
      backupCustomDocument: (doc, context) => this.backupCustomDocument(doc, context),
    };
  }

  /** The open document of a file, for the export commands. */
  find(uri: vscode.Uri): RecordingDocument | undefined {
    return [...this.documents].find((d) => d.uri.toString() === uri.toString());
  }

  /** The document of the active recording editor, if one is active. */
  get active(): RecordingDocument | undefined {
    return [...this.documents].find((d) => [...d.panels].some((p) => p.active));
  }

  async openCustomDocument(uri: vscode.Uri, context: vscode.CustomDocumentOpenContext): Promise<RecordingDocument> {
    if (uri.scheme !== 'file') throw new Error(`Labscope opens recordings on this machine's disk, not ${uri.scheme}: URIs`);
    const doc = await RecordingDocument.open(uri, context.backupId);
    if (doc.failure) this.log.warn(doc.failure);
    this.documents.add(doc);
    return doc;
  }

  resolveCustomEditor(doc: RecordingDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, { bundle: 'recording', title: doc.name });
    doc.panels.add(panel);
    const subscription = panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(doc, panel, m));
    panel.onDidDispose(() => {
      subscription.dispose();
      doc.panels.delete(panel);
      if (!doc.panels.size) this.documents.delete(doc);
    });
    // A document restored from a backup is one VS Code would show clean, and close without asking:
    // its edits are handed over as edits again, so it is dirty and each one can be undone.
    for (const label of doc.restored.splice(0)) this.announce(doc, label);
    if (doc.reader && this.isRecording(doc.uri.fsPath)) doc.followWhile(() => this.isRecording(doc.uri.fsPath));
  }

  private async onMessage(doc: RecordingDocument, panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    const post = (m: HostToRecording) => void panel.webview.postMessage(m);
    if (!doc.reader || !doc.model) {
      post({ type: 'error', message: doc.failure ?? 'the recording could not be opened' });
      return;
    }
    let message;
    try {
      message = parseRecordingMessage(raw, { channelCount: doc.reader.channelCount, frames: doc.reader.frames });
    } catch (error) {
      // A webview is a web page: a bad message is logged (a few, not a flood) and ignored.
      if (this.badMessages++ < 5) this.log.warn(`recording editor ${doc.name}: ${(error as Error).message}`);
      return;
    }
    const reader = doc.reader;
    try {
      switch (message.type) {
        case 'ready':
          doc.pagesReady++;
          post(this.init(doc));
          if (doc.restoreWarnings.length) post({ type: 'error', message: doc.restoreWarnings.join('; ') });
          return;
        case 'view':
        case 'overview': {
          const start = message.type === 'view' ? message.start : 0;
          const end = message.type === 'view' ? message.end : reader.frames;
          const answer = await doc.query({ start, end, columns: message.columns, channels: message.channels });
          post({
            type: message.type,
            id: message.id,
            start,
            end,
            columns: answer.columns,
            channels: message.channels,
            minmax: answer.minmax,
            provisional: answer.provisional === true,
          });
          return;
        }
        case 'edit':
          this.edit(doc, message.edit);
          return;
        case 'undo':
        case 'redo':
          // Through VS Code, so its undo stack and the model's stay one and the same.
          await vscode.commands.executeCommand(message.type);
          return;
        case 'selection':
          doc.selection = message.selection;
          return;
      }
    } catch (error) {
      const id = message.type === 'view' || message.type === 'overview' ? message.id : undefined;
      post({ type: 'error', message: (error as Error).message, ...(id !== undefined ? { id } : {}) });
    }
  }

  private init(doc: RecordingDocument): HostToRecording {
    const reader = doc.reader!;
    const s = reader.sidecar;
    const startFrame = s?.startFrame ?? 0;
    return {
      type: 'init',
      protocol: RECORDING_PROTOCOL,
      file: doc.name,
      format: reader.format,
      sampleType: reader.sampleType,
      frames: reader.frames,
      rate: reader.rate ?? 0,
      startTime: s?.startTime ?? null,
      anchors: (s?.anchors ?? []).map((a) => ({ row: a.frame - startFrame, time: a.time })),
      gaps: (s?.gaps ?? []).map((g) => ({ row: g.row, frames: g.frames, ...(g.cause ? { cause: g.cause } : {}) })),
      problems: [...reader.problems],
      growing: this.isRecording(doc.uri.fsPath),
      state: doc.model!.state(),
    };
  }

  /** Applies an edit to the model and hands VS Code its undo and redo. */
  edit(doc: RecordingDocument, intent: RecordingEditIntent): string {
    const model = doc.model;
    if (!model) throw new Error(doc.failure);
    const label = model.apply(intent);
    doc.broadcast({ type: 'state', state: model.state() });
    this.announce(doc, label);
    return label;
  }

  /** Tells the workbench of an edit the model has made, with the undo and redo that take it back. */
  private announce(doc: RecordingDocument, label: string): void {
    const model = doc.model!;
    const pushState = () => doc.broadcast({ type: 'state', state: model.state() });
    this.changed.fire({
      document: doc,
      label,
      undo: () => {
        model.undo();
        pushState();
      },
      redo: () => {
        model.redo();
        pushState();
      },
    });
  }

  async saveCustomDocument(doc: RecordingDocument): Promise<void> {
    if (!doc.model) throw new Error(doc.failure);
    doc.model.save();
    doc.broadcast({ type: 'state', state: doc.model.state() });
  }

  async saveCustomDocumentAs(doc: RecordingDocument, destination: vscode.Uri, cancellation: vscode.CancellationToken): Promise<void> {
    if (!doc.model) throw new Error(doc.failure);
    if (destination.scheme !== 'file') throw new Error('Save As writes recordings to this machine’s disk only');
    const abort = new AbortController();
    const sub = cancellation.onCancellationRequested(() => abort.abort());
    try {
      // Copying a 2 GB take takes a while: say so, with Cancel.
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Saving a copy as ${path.basename(destination.fsPath)}`,
          cancellable: true,
        },
        async (_progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          await doc.model!.saveAs(destination.fsPath, abort.signal);
        },
      );
    } finally {
      sub.dispose();
    }
  }

  async revertCustomDocument(doc: RecordingDocument): Promise<void> {
    if (!doc.model) return;
    doc.model.revert();
    doc.broadcast({ type: 'state', state: doc.model.state() });
  }

  async backupCustomDocument(doc: RecordingDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    const destination = context.destination;
    doc.model?.writeBackup(destination.fsPath);
    return {
      id: destination.toString(),
      delete: () => void vscode.workspace.fs.delete(destination).then(undefined, () => undefined),
    };
  }
}

/** Opens a recording in the recording editor (whatever the file's default editor is). */
export async function openInRecordingEditor(file: string): Promise<void> {
  const type = file.toLowerCase().endsWith('.csv') ? RECORDING_CSV_VIEW_TYPE : RECORDING_VIEW_TYPE;
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), type);
}
