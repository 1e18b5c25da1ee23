// h5wasm (the HDF5 C library compiled to WebAssembly, by NIST) writes HDF5 and MAT v7.3 exports.
// Its Node build is an ES module with top-level await, which esbuild cannot fold into our
// CommonJS bundles, so it is loaded at run time with a real import(): from dist/h5wasm/ beside
// the bundle (scripts/build.mjs copies it there; the .vsix ships no node_modules) or, when the
// sources run directly (tests, tsx), from node_modules. Loaded on the first HDF5 export only:
// its 4 MB of wasm cost nothing to a session that never asks for one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as H5 from 'h5wasm';

export type H5Wasm = typeof H5;

function modulePath(): string {
  const beside = path.join(__dirname, 'h5wasm', 'hdf5_hl.js');
  if (fs.existsSync(beside)) return beside;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`the HDF5 library (h5wasm) is missing: it belongs in ${path.dirname(beside)}; reinstall the extension`);
}

let loading: Promise<H5Wasm> | undefined;

/** The h5wasm module, ready to open files (its filesystem is the real one: NODERAWFS). */
export function h5wasm(): Promise<H5Wasm> {
  loading ??= (async () => {
    // A literal import() would be rewritten to require() by the CommonJS build; this one stays.
    const url = pathToFileURL(modulePath()).href;
    const mod = (await import(url)) as H5Wasm & { default?: H5Wasm };
    const lib = mod.default ?? mod;
    await lib.ready;
    return lib;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
