// The live scope in a real VS Code: opened from the device's context menu, it must show the
// simulator's signal (checked on the canvas's pixels, lane by lane), run under a nonce CSP with no
// console errors, keep its settings, and come back drawing after its tab was hidden and shown.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { SHOTS, Workbench } from './workbench';
import { laneCoverage, scopeDocument, tracesIn, type LaneCoverage } from './scope-pixels';

const CHANNELS = 4;

let vs: Workbench;
let page: Page;

before(async () => {
  vs = await Workbench.open({
    'labscope.devices': [{ name: 'EEG sim', uri: `sim:rda?channels=${CHANNELS}&rate=1000` }],
    'labscope.simulators': false,
  });
  page = vs.page;
});

after(async () => {
  await vs?.close();
});

function scope(): FrameLocator {
  return scopeDocument(page);
}

const coverage = (lanes: number): Promise<LaneCoverage> => laneCoverage(page, lanes);
const waitForTraces = (lanes: number): Promise<LaneCoverage> => tracesIn(page, lanes);

test('Open Scope draws the signal in one lane per channel, under a nonce CSP, and survives hide/show', async (t) => {
  try {
    await vs.openLabscope();
    await vs.contextMenu(page.getByRole('treeitem', { name: /EEG sim/ }), 'Open Scope');
    await scope().locator('canvas.traces').waitFor({ timeout: 30_000 });

    // The strict CSP: nothing by default, scripts only with this page's nonce.
    const csp = await scope().locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp ?? '', /default-src 'none'/);
    assert.match(csp ?? '', /script-src 'nonce-[A-Za-z0-9+/=]{16,}'(;|$)/);
    assert.doesNotMatch(csp ?? '', /unsafe-inline|unsafe-eval|\*;|http:/);
    // The only remote-looking origin is VS Code's own for the extension's local files (cspSource).
    for (const origin of (csp ?? '').match(/https:[^\s;]*/g) ?? []) assert.equal(origin, 'https://*.vscode-cdn.net');
    const scriptNonce = await scope()
      .locator('script[src]')
      .evaluate((s: HTMLScriptElement) => s.nonce);
    assert.ok(csp?.includes(`'nonce-${scriptNonce}'`), 'the script carries the CSP nonce');

    // A short window fills at once; choosing it also exercises the toolbar's select.
    await scope().locator('#window').click();
    // The list is the select's own (shadow DOM) list box, as a person sees it.
    await scope().locator('#window').getByRole('option', { name: '1 s', exact: true }).click();
    const first = await waitForTraces(CHANNELS);
    t.diagnostic(`lane coverage ${first.covered.map((c) => c.toFixed(2)).join(' ')}, colours ${first.colours.join(' | ')}`);
    for (const share of first.covered) assert.ok(share > 0.9, `every lane holds a trace across the plot: ${first.covered}`);
    assert.equal(new Set(first.colours).size, CHANNELS, 'each channel in its own colour');
    assert.match(
      await scope().locator('.stats').innerText(),
      /Hz · 0 gaps · clock drift [+-][\d.]+ ms · latency \d+ ms · \d+ fps · \d+ K?B\/frame/,
    );
    await vs.shot('scope');

    // Hide the scope behind another editor, then bring it back: it redraws with its settings kept.
    await vs.runCommand('File: New Untitled Text File');
    await scope()
      .locator('canvas.traces')
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => undefined);
    await page.getByRole('tab', { name: /Scope: EEG sim/ }).click();
    await scope().locator('canvas.traces').waitFor({ timeout: 15_000 });
    const again = await waitForTraces(CHANNELS);
    for (const share of again.covered) assert.ok(share > 0.9, `after hide/show: ${again.covered}`);
    assert.equal(
      await scope()
        .locator('#window')
        .evaluate((e: HTMLElement & { value: string }) => e.value),
      '1',
      'the window setting survived',
    );

    // Pause, then scroll back with the wheel through what the ring still holds.
    const axis = async () => scope().locator('.stats').innerText();
    await scope().locator('canvas.overlay').click();
    await page.keyboard.press('Space');
    await scope().locator('.stats', { hasText: 'paused' }).waitFor();
    const frozen = await scope().locator('#pause').innerText();
    assert.equal(frozen.trim(), 'Resume');
    const before = await coverage(CHANNELS);
    await scope().locator('.plot').hover();
    await page.mouse.wheel(0, -600);
    await page.waitForTimeout(500);
    const back = await coverage(CHANNELS);
    for (const share of back.covered) assert.ok(share > 0.5, `scrolled back, still drawn: ${back.covered}`);
    assert.ok(before.covered.length === back.covered.length && (await axis()).includes('paused'));

    // Overlaid: every channel in one lane spanning the plot.
    await scope().locator('#layout').click();
    await scope().locator('#layout').getByRole('option', { name: 'Overlaid', exact: true }).click();
    await scope().locator('canvas.overlay').click(); // off the select: Space there would open it
    await page.keyboard.press('Space'); // live again
    const overlaid = await waitForTraces(1);
    assert.ok(overlaid.covered[0] > 0.9, `overlaid traces: ${overlaid.covered}`);

    // Colours follow the theme: switching to a dark theme changes the series' colours.
    await scope().locator('#layout').click();
    await scope().locator('#layout').getByRole('option', { name: 'Stacked', exact: true }).click();
    const light = await waitForTraces(CHANNELS);
    await vs.runCommand('Preferences: Color Theme');
    await page.locator('.quick-input-widget .quick-input-box input').fill('Dark Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-workbench.vs-dark').waitFor();
    let dark = await waitForTraces(CHANNELS);
    for (let i = 0; i < 20 && dark.colours.join() === light.colours.join(); i++) {
      await page.waitForTimeout(250);
      dark = await waitForTraces(CHANNELS);
    }
    t.diagnostic(`light ${light.colours.join(' | ')} → dark ${dark.colours.join(' | ')}`);
    assert.notDeepEqual(dark.colours, light.colours, 'series colours come from the theme');
    await vs.shot('scope-dark');

    assert.deepEqual(await vs.errorNotifications(), [], 'no error notification');
    assert.deepEqual(vs.errors, [], 'no console errors (a CSP violation would be one)');
  } catch (error) {
    await vs.shot('scope-failure').catch(() => undefined);
    t.diagnostic(`screenshot: ${path.join(SHOTS, 'scope-failure.png')}; code-server log: ${vs.server.logFile}`);
    throw error;
  }
});
