// Types for preflight.mjs (plain ESM, no build step), for the TypeScript test that imports it.
export interface Check {
  package: string;
  for: string;
  note?: string;
  command?: string;
  file?: string;
  env?: string;
  python?: string;
  runtime?: string;
  gcclib?: string;
}
export interface Missing {
  check: Check;
  reason: string;
}
export interface Result {
  missing: Missing[];
  packages: string[];
}
export declare const PACKAGES_FILE: string;
export declare const PYTHON: string;
export declare const CHECKS: Check[];
/** The architecture in clang runtime names (libclang_rt.tsan-x86_64.a). */
export declare const RUNTIME_ARCH: string;
export declare function parsePackages(text: string): string[];
export declare function readPackages(file?: string): string[];
export declare function which(command: string, searchPath: string | undefined): string | null;
export declare function checkMachine(options?: {
  env?: NodeJS.ProcessEnv;
  root?: string;
  checks?: Check[];
  packageList?: string[];
}): Promise<Result>;
export declare function aptLine(packages: string[]): string;
export declare function report(result: Result): string;
export declare function drift(packageList?: string[], checks?: Check[]): { unchecked: string[]; unlisted: string[] };
