// Bundles the extension, the CLI and the acquisition worker with esbuild. The native addon is
// built by cmake-js at install time and loaded from build/native at run time.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { installFile } from './install-file.mjs';

const require = createRequire(import.meta.url);

/**
 * serialport's addon is found by node-gyp-build relative to its own package folder, which a
 * bundle does not have: the bundles load it from beside themselves (dist/serialport.node), and
 * the build copies this platform's prebuilt one there.
 */
const serialportAddon = {
  name: 'serialport-addon',
  setup(build) {
    build.onLoad({ filter: /@serialport[\\/]bindings-cpp[\\/]dist[\\/]serialport-bindings\.js$/ }, () => ({
      contents: "exports.binding = require(require('path').join(__dirname, 'serialport.node'));",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode'],
  // ES modules first: jsonc-parser's "main" is a UMD build whose require('./impl/…') calls esbuild
  // cannot follow (the bundle then fails at activation); its "module" build bundles cleanly.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  plugins: [serialportAddon],
};

await Promise.all([
  // The banner's timestamp lets activate() report activation time including loading the bundle.
  esbuild.build({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    banner: { js: 'var __labscopeLoadStart = performance.now();' },
  }),
  esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({ ...common, entryPoints: ['src/acquisition-worker.ts'], outfile: 'dist/acquisition-worker.js' }),
  // The webview pages run in Chromium: one self-contained script each, loaded under a nonce CSP
  // (the recording editor's page imports the scope's renderer).
  ...['scope', 'recording', 'add-device'].map((page) =>
    esbuild.build({
      entryPoints: [`webview/${page}/main.ts`],
      outfile: `dist/webview/${page}.js`,
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      minify: true,
      sourcemap: false,
      logLevel: 'warning',
    }),
  ),
]);
mkdirSync('dist/webview', { recursive: true });
// Replaced, not overwritten: a running `labscope record` has the old one mapped (see install-file.mjs).
installFile(
  require('node-gyp-build').path(require('path').dirname(require.resolve('@serialport/bindings-cpp/package.json'))),
  'dist/serialport.node',
);
// Each page's stylesheet: the shared base, then its own rules (one file, so one nonce'd <link>).
for (const page of ['scope', 'recording', 'add-device']) {
  writeFileSync(
    `dist/webview/${page}.css`,
    readFileSync('webview/shared/base.css', 'utf8') + readFileSync(`webview/${page}/${page}.css`, 'utf8'),
  );
}
chmodSync('dist/cli.js', 0o755);
// h5wasm (HDF5 and MAT v7.3 exports) is an ES module with top-level await, which a CommonJS bundle
// cannot hold: its Node build is copied beside the bundles and imported at run time
// (src/core/export/h5wasm.ts).
// Its package.json says "type": "module", or Node would load the copies as CommonJS.
mkdirSync('dist/h5wasm', { recursive: true });
for (const file of ['hdf5_hl.js', 'hdf5_util.js'])
  copyFileSync(path.join('node_modules', 'h5wasm', 'dist', 'node', file), `dist/h5wasm/${file}`);
writeFileSync('dist/h5wasm/package.json', `${JSON.stringify({ type: 'module', private: true })}\n`);
