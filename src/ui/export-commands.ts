// "Labscope: Export Recording…": the open recording (its edits as they stand, saved or not), whole,
// its selection or its crop marks, to another format, with a progress notification and Cancel.
// The questions are skipped when a caller passes them ({ format, out, range }), as tests and
// keybindings do.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { requireInsideWorkspace } from './workspace-files';
import { EXPORT_EXTENSIONS, exportRecording, exportSourceOf, type ExportFormat, type ExportSource } from '../core/export';
import type { RecordingDocument, RecordingEditorProvider } from './recording-editor';

type Range = 'whole' | 'selection' | 'crop';

export interface ExportArgs {
  uri?: vscode.Uri;
  format?: ExportFormat;
  out?: string;
  range?: Range;
}

const FORMATS: Array<vscode.QuickPickItem & { format: ExportFormat }> = [
  { label: 'EDF+', description: '16-bit, markers as annotations (MNE, EDFbrowser)', format: 'edf' },
  { label: 'BDF+', description: '24-bit, markers as annotations', format: 'bdf' },
  { label: 'BrainVision', description: '.vhdr/.vmrk/.eeg, float32, markers in the .vmrk', format: 'brainvision' },
  { label: 'NPY', description: 'numpy array, the file’s sample type', format: 'npy' },
  { label: 'CSV', description: 'text, a time column and one column per channel', format: 'csv' },
  { label: 'MAT', description: 'MATLAB: v5, or v7.3 (HDF5) past v5’s 4 GiB', format: 'mat' },
  { label: 'HDF5', description: 'data, channel names, units, rate and markers as datasets (h5py, HDFView)', format: 'hdf5' },
];

function sourceOf(doc: RecordingDocument): ExportSource {
  if (!doc.reader || !doc.model) throw new Error(doc.failure ?? `${doc.name} could not be read`);
  return exportSourceOf(doc.reader, doc.model.state());
}

/** Rows of the chosen range, or why it cannot be had. */
function rowsOf(doc: RecordingDocument, range: Range): { start: number; end: number } | undefined {
  if (range === 'whole') return undefined;
  const rows = range === 'selection' ? doc.selection : doc.model!.state().crop;
  if (!rows) throw new Error(range === 'selection' ? 'nothing is selected in the recording' : 'the recording has no crop marks');
  return rows;
}

function describeRows(doc: RecordingDocument, rows: { start: number; end: number }): string {
  const rate = doc.reader?.rate;
  return rate ? `${(rows.start / rate).toFixed(3)}–${(rows.end / rate).toFixed(3)} s` : `rows ${rows.start}–${rows.end}`;
}

export function registerExportCommands(recordings: RecordingEditorProvider, fail: (message: string) => void): vscode.Disposable[] {
  const run = async (given?: ExportArgs | vscode.Uri) => {
    const args: ExportArgs = given instanceof vscode.Uri ? { uri: given } : (given ?? {});
    const doc = args.uri ? recordings.find(args.uri) : recordings.active;
    if (!doc) throw new Error('Open a recording in the recording editor first');
    const source = sourceOf(doc);

    let range = args.range;
    if (!range) {
      const picks: Array<vscode.QuickPickItem & { range: Range }> = [{ label: 'Whole recording', range: 'whole' }];
      if (doc.selection) picks.push({ label: 'Selection', description: describeRows(doc, doc.selection), range: 'selection' });
      const crop = doc.model!.state().crop;
      if (crop) picks.push({ label: 'Between the crop marks', description: describeRows(doc, crop), range: 'crop' });
      range =
        picks.length === 1
          ? 'whole'
          : (await vscode.window.showQuickPick(picks, { title: `Export ${doc.name}: which part?`, ignoreFocusOut: true }))?.range;
      if (!range) return undefined;
    }
    const rows = rowsOf(doc, range);

    const format =
      args.format ?? (await vscode.window.showQuickPick(FORMATS, { title: `Export ${doc.name}: format`, ignoreFocusOut: true }))?.format;
    if (!format) return undefined;

    let out = args.out;
    if (!out) {
      // Never the recording's own name: take.csv beside take.npy would share its sidecar.
      const base = path.join(path.dirname(doc.uri.fsPath), `${path.parse(doc.uri.fsPath).name}-${range === 'whole' ? 'export' : range}`);
      const chosen = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(base + EXPORT_EXTENSIONS[format][0]),
        filters: { [format.toUpperCase()]: EXPORT_EXTENSIONS[format].map((e) => e.slice(1)) },
        title: `Export ${doc.name}`,
      });
      if (!chosen) return undefined;
      out = chosen.fsPath;
    }
    requireInsideWorkspace(out, 'exports');

    const files = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting ${doc.name} to ${path.basename(out)}`, cancellable: true },
      async (progress, token) => {
        const stop = new AbortController();
        token.onCancellationRequested(() => stop.abort());
        let reported = 0;
        return exportRecording(source, format, out!, rows ?? {}, {
          signal: stop.signal,
          onProgress: (done, total) => {
            const share = (100 * done) / total;
            progress.report({ increment: share - reported, message: `${Math.floor(share)} %` });
            reported = share;
          },
        });
      },
    );
    if (!args.out)
      void vscode.window.showInformationMessage(`Exported ${path.basename(files[0]!)}`, 'Reveal in Explorer').then((answer) => {
        if (answer) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(files[0]!));
      });
    return files;
  };
  return [
    vscode.commands.registerCommand('labscope.exportRecording', async (given?: ExportArgs | vscode.Uri) => {
      try {
        return await run(given);
      } catch (error) {
        const e = error as Error;
        if (e.name === 'AbortError') return undefined; // Cancel: nothing was written, nothing to say
        fail(`Export failed: ${e.message}`);
        if (given && !(given instanceof vscode.Uri)) throw error; // a caller with arguments hears why
        return undefined;
      }
    }),
  ];
}
