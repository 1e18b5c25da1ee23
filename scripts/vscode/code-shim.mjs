#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }).
// No desktop VS Code can be downloaded here, so this takes the arguments test-electron passes,
// runs the same extension-host test suite in code-server's real Node extension host, with the web
// workbench in headless chromium, and exits with the suite's exit code.
//
//   code-shim.mjs [folder] --extensionDevelopmentPath=… --extensionTestsPath=… [--user-data-dir=…]
//                 [--extensions-dir=…] [--labscope-trust]
// Env: LABSCOPE_VSCODE_TIMEOUT_S (default 300), LABSCOPE_TRUST=1 (workspace trust on).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { collectConsoleErrors, isOfflineNoise, launchChromium } from './browser.mjs';
import { startCodeServer, tail } from './server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const screenshotFile = path.join(repo, '.test-tmp', 'vscode-suite-failure.png');
const log = (line) => console.log(`[code-shim] ${line}`);

const VALUE_FLAGS = ['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir'];
// Desktop (Electron) switches that mean nothing here: no sandbox, GPU, updater or welcome page to
// turn off; trust is chosen by --labscope-trust; other extensions are not installed anyway.
const IGNORED =
  /^--(no-sandbox|disable-gpu-sandbox|disable-gpu|disable-updates|skip-welcome|skip-release-notes|disable-workspace-trust|disable-extensions?|disable-telemetry|disable-chromium-sandbox|new-window|wait|verbose|crash-reporter-directory|logsPath|log)(=|$)/;

function parseArgs(argv) {
  const options = { extensionDevelopmentPath: [], trust: process.env.LABSCOPE_TRUST === '1', folder: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      if (options.folder) log(`ignoring extra path ${arg} (one folder or workspace is opened)`);
      else options.folder = path.resolve(arg);
      continue;
    }
    const [, name, inline] = match;
    if (name === 'labscope-trust') options.trust = true;
    else if (VALUE_FLAGS.includes(name)) {
      const value = path.resolve(inline ?? argv[++i]);
      if (name === 'extensionDevelopmentPath') options.extensionDevelopmentPath.push(value);
      else options[name] = value;
    } else if (!IGNORED.test(arg)) log(`ignoring unsupported argument ${arg}`);
  }
  if (!options.extensionTestsPath) throw new Error('--extensionTestsPath=… is required');
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const timeoutSeconds = Number(process.env.LABSCOPE_VSCODE_TIMEOUT_S ?? 300);
  let server;
  let browser;
  let page;
  let consoleErrors = [];

  // Every way out goes through here once: screenshot on failure, then no process left behind.
  let finishing;
  const finish = (code, reason, { interrupted = false } = {}) =>
    (finishing ??= (async () => {
      if (reason) console.error(`[code-shim] ${reason}`);
      if (code !== 0 && page && !interrupted) {
        try {
          mkdirSync(path.dirname(screenshotFile), { recursive: true });
          await page.screenshot({ path: screenshotFile, timeout: 10_000 });
          console.error(`[code-shim] screenshot of the workbench: ${path.relative(process.cwd(), screenshotFile)}`);
        } catch (error) {
          console.error(`[code-shim] no screenshot: ${error.message}`);
        }
        if (consoleErrors.length) console.error(`[code-shim] workbench console errors:\n  ${consoleErrors.join('\n  ')}`);
      }
      if (code !== 0 && server) console.error(tail(server.logFile));
      await browser?.close().catch(() => {});
      await server?.stop().catch((error) => console.error(`[code-shim] stopping code-server: ${error.message}`));
      process.exit(code);
    })());

  const timer = setTimeout(() => finish(1, `timed out after ${timeoutSeconds} s (LABSCOPE_VSCODE_TIMEOUT_S)`), timeoutSeconds * 1000);
  timer.unref();
  // test-electron forwards Ctrl+C as SIGINT to its "VS Code".
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => finish(1, `interrupted (${signal})`, { interrupted: true }));
  }

  try {
    const started = Date.now();
    server = await startCodeServer({
      trust: options.trust,
      userDataDir: options['user-data-dir'],
      extensionsDir: options['extensions-dir'],
    });
    // Our signal handlers close the browser (after a screenshot on failure), not playwright's.
    browser = await launchChromium({ handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    consoleErrors = collectConsoleErrors(page);
    page.on('crash', () => finish(1, 'the workbench page crashed'));

    // The web workbench reports the extension host's test run through these window functions;
    // they must exist before the page loads.
    let exitSuite;
    const suiteExit = new Promise((resolve) => {
      exitSuite = resolve;
    });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      // type is info / warn / error; args are printf-style console.* arguments, from the
      // extension host (the suite) and from the workbench itself (its startup chatter).
      const text = format(...(Array.isArray(args) ? args : [args]));
      if (!isOfflineNoise(text)) process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => exitSuite(Number(code) || 0));

    const url = server.workbenchUrl(options.folder, {
      extensionDevelopmentPath: options.extensionDevelopmentPath,
      extensionTestsPath: options.extensionTestsPath,
    });
    log(`code-server ${server.base} (trust ${options.trust ? 'on' : 'off'}), opening ${options.folder ?? 'an empty window'}`);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const code = await suiteExit;
    log(`suite exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await finish(code);
  } catch (error) {
    await finish(1, error.stack ?? String(error));
  }
}

main().catch((error) => {
  console.error(`[code-shim] ${error.message}`);
  process.exit(1);
});
