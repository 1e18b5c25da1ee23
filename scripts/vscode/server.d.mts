// Types for server.mjs (plain ESM, no build step), for TypeScript tests that import it.
export interface StartCodeServerOptions {
  /** Merged over the defaults into <user-data-dir>/User/settings.json. */
  userSettings?: Record<string, unknown>;
  /** Workspace trust on (folders open in restricted mode); default off: everything trusted. */
  trust?: boolean;
  /** Use this profile dir instead of a temp one (left in place by stop()). */
  userDataDir?: string;
  /** Use this extensions dir instead of a temp one (left in place by stop()). */
  extensionsDir?: string;
}
export interface WorkbenchUrlOptions {
  extensionDevelopmentPath?: string | string[];
  extensionTestsPath?: string;
}
export interface CodeServer {
  port: number;
  /** http://127.0.0.1:PORT */
  base: string;
  /** code-server's stdout and stderr (removed by stop()). */
  logFile: string;
  userDataDir: string;
  extensionsDir: string;
  /** Workbench URL opening `folder` (or a .code-workspace file), optionally as an Extension Development Host. */
  workbenchUrl(folder?: string, options?: WorkbenchUrlOptions): string;
  /** `code-server --install-extension <vsix>` into this server's profile; resolves to its output. */
  installExtension(vsixPath: string): Promise<string>;
  /** Ends every process of the server and removes its temp dirs. */
  stop(): Promise<void>;
}
export declare function startCodeServer(options?: StartCodeServerOptions): Promise<CodeServer>;
/** The last lines of a log file, headed by its path ('' if it does not exist). */
export declare function tail(file: string, lines?: number): string;
/** The live processes (zombies left out), from Linux's /proc. */
export declare function processTable(): Array<{ pid: number; ppid: number; pgrp: number }>;
