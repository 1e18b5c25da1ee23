// Bundles the extension, the CLI and the acquisition worker with esbuild. The native addon is
// built by cmake-js at install time and loaded from build/native at run time.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'warning',
};

await Promise.all([
  // The banner's timestamp lets activate() report activation time including loading the bundle.
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', banner: { js: 'var __labscopeLoadStart = performance.now();' } }),
  esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({ ...common, entryPoints: ['src/core/acquisition-worker.ts'], outfile: 'dist/acquisition-worker.js' }),
  // The scope runs in a webview (Chromium): one self-contained script, loaded under a nonce CSP.
  esbuild.build({
    entryPoints: ['webview/scope/main.ts'], outfile: 'dist/webview/scope.js', bundle: true, platform: 'browser',
    format: 'iife', target: 'chrome120', minify: true, sourcemap: false, logLevel: 'warning',
  }),
]);
mkdirSync('dist/webview', { recursive: true });
copyFileSync('webview/scope/scope.css', 'dist/webview/scope.css');
chmodSync('dist/cli.js', 0o755);
