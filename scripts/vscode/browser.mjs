// Debian's chromium driven by playwright-core (no browser download), and the few workbench
// interactions every UI test needs. Selectors are the ones verified in /work/shared/VSCODE-E2E.md.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.LABSCOPE_CHROMIUM ?? '/usr/bin/chromium';

/** @param {import('playwright-core').LaunchOptions} [options] extra launch options */
export async function launchChromium(options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    ...options,
    args: [
      '--headless=new',
      '--no-sandbox', // we run as root in CI; the sandbox refuses to start there
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // No calls home, updates or sync: offline they only add delays and console noise.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage', // small /dev/shm in containers crashes tabs
      ...(options.args ?? []),
    ],
  });
}

/** Opens a workbench URL and waits until the workbench is usable (a few seconds). */
export async function openWorkbench(page, url, { timeout = 60_000 } = {}) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout });
}

/**
 * Runs a command by its palette title, as a person would: F1, type, pick the row.
 * @param {string} title as shown in the palette, e.g. "Labscope: Show Log"
 */
export async function runCommand(page, title, { timeout = 30_000 } = {}) {
  const widget = page.locator('.quick-input-widget');
  // The bare `.quick-input-widget input` would also match row checkboxes.
  const input = widget.locator('.quick-input-box input');
  const row = widget.locator('.monaco-list-row').filter({ hasText: title }).first();
  const deadline = Date.now() + timeout;
  // The palette lists the commands known when it opens, and an extension's contributions arrive
  // a few seconds after the workbench shows: reopen it until the command is there.
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: Math.min(3000, Math.max(1, deadline - Date.now())) });
      break;
    } catch (error) {
      await page.keyboard.press('Escape');
      if (Date.now() >= deadline)
        throw new Error(`command "${title}" not in the command palette after ${timeout / 1000} s`, { cause: error });
    }
  }
  // Enter runs the focused row; a fuzzy match may rank another command first, then click ours.
  const focused = widget.locator('.monaco-list-row.focused');
  const focusedText = (await focused.count()) ? await focused.first().innerText() : '';
  if (focusedText.includes(title)) await input.press('Enter');
  else await row.click();
  await widget.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
}

/**
 * The content frame of the webview whose page holds `selector`: webviews are nested iframes, and
 * several may be open (a scope, a form), so each frame is asked in turn until one has it.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @returns {Promise<import('playwright-core').Frame>}
 */
export async function webviewFrame(page, selector, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames())
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await page.waitForTimeout(200);
  }
}

/**
 * Visible notification toasts, newest first as the workbench stacks them.
 * @returns {Promise<{ severity: 'error' | 'warning' | 'info' | 'unknown', message: string }[]>}
 */
export async function notifications(page) {
  return page.locator('.notifications-toasts .notification-toast:visible').evaluateAll((toasts) =>
    toasts.map((toast) => {
      // The icon carries the severity as a codicon class (codicon-error / -warning / -info).
      const icon = toast.querySelector('.notification-list-item-icon')?.className ?? '';
      const severity = /\bcodicon-(?:notifications-)?error\b/.test(icon)
        ? 'error'
        : /\bcodicon-(?:notifications-)?warning\b/.test(icon)
          ? 'warning'
          : /\bcodicon-(?:notifications-)?info\b/.test(icon)
            ? 'info'
            : 'unknown';
      const message = toast.querySelector('.notification-list-item-message')?.textContent?.trim() ?? '';
      return { severity, message };
    }),
  );
}

/**
 * Collects console errors and uncaught page errors from now on. Only offline noise that the
 * workbench always produces here is dropped; anything else is for the test to judge.
 * @returns {string[]} filled as errors arrive
 */
export function collectConsoleErrors(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    const url = message.location()?.url ?? '';
    if (isOfflineNoise(text, url)) return;
    errors.push(url ? `${text} (${url})` : text);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.stack ?? error.message}`));
  return errors;
}

/** Errors the workbench always logs here because it is offline; `url` is the console location. */
export function isOfflineNoise(text, url = '') {
  // The extension gallery (open-vsx.org) is unreachable offline; the workbench logs each attempt.
  if (text.includes('open-vsx.org') || url.includes('open-vsx.org')) return true;
  // vsda (Microsoft's closed-source handshake module: vsda.js, vsda_bg.wasm) does not ship with
  // code-server, so the workbench's attempts to load it end in 404s.
  if (/\/static\/node_modules\/vsda\//.test(url) && text.includes('404')) return true;
  return false;
}
