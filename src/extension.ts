// The VS Code face of Labscope. The device explorer, recording commands and scopes arrive in
// later issues; today the extension offers its log, where the core's messages will go.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Labscope', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('labscope.showLog', () => log.show()),
  );
  log.info('Labscope activated');
}

export function deactivate(): void {
  // Nothing to release: every session is disposed through context.subscriptions.
}
