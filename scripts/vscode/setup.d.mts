// Types for setup.mjs (plain ESM, no build step), for TypeScript tests that import it.
export declare const CODE_SERVER_VERSION: string;
/** Absolute path of <repo>/.code-server/node_modules/code-server, installing it on first use. */
export declare function ensureCodeServer(): Promise<string>;
