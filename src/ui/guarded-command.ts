// Registers a Labscope command whose failures reach the user as one message (with the next step),
// never as an unhandled rejection in the extension host: every command goes through here.
import * as vscode from 'vscode';

export function guardedCommand<A extends unknown[]>(
  name: string,
  fail: (message: string) => void,
  run: (...args: A) => Promise<unknown>,
): vscode.Disposable {
  return vscode.commands.registerCommand(`labscope.${name}`, async (...args: A) => {
    try {
      return await run(...args);
    } catch (error) {
      fail((error as Error).message);
      return undefined;
    }
  });
}
