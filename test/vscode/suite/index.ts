// Entry point the extension host loads for --extensionTestsPath: runs every *.test.js compiled
// next to this file (test/vscode/run.mjs bundles them into out/test/vscode/suite/) with mocha.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // bdd: describe()/it(), as globals (with `/// <reference types="mocha" />`) or imported from
  // 'mocha'; both reach this instance because mocha is loaded once, from node_modules.
  // LABSCOPE_TEST_GREP=pattern runs only matching tests (the env reaches the extension host).
  const grep = process.env.LABSCOPE_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, ...(grep ? { grep } : {}) });
  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (error) {
      reject(error);
    }
  });
}
