// Files Labscope writes go inside the workspace, never elsewhere (a settings file or a webview
// cannot steer a write outside it).
import * as path from 'node:path';
import * as vscode from 'vscode';

/** True when `file` lies inside one of the workspace's folders on disk (not the folder itself). */
export function insideWorkspace(file: string): boolean {
  return (
    vscode.workspace.workspaceFolders?.some((f) => {
      const rel = path.relative(f.uri.fsPath, path.resolve(file));
      return f.uri.scheme === 'file' && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    }) ?? false
  );
}

/** Throws, naming the file, unless it lies inside the workspace. */
export function requireInsideWorkspace(file: string, what: string): void {
  if (!insideWorkspace(file)) throw new Error(`${file} is outside the workspace: ${what} are written inside it`);
}
