// The live scope in a real VS Code: opened from the device's context menu, it must show the
// simulator's signal (checked on the canvas's pixels, lane by lane), run under a nonce CSP with no
// console errors, keep its settings, and come back drawing after its tab was hidden and shown.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { SHOTS, Workbench } from './workbench';

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

/** The scope's document: the webview's outer iframe, then its active content frame. */
function scope(): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

interface LaneCoverage {
  lanes: number;
  /** Per lane: the share of plot columns with at least one pixel unlike the background. */
  covered: number[];
  colours: string[];
}

/**
 * Reads the traces canvas back (copied onto a 2D canvas, so any renderer can be read) and
 * measures, lane by lane, how many plot columns hold a trace pixel.
 */
async function coverage(lanes: number): Promise<LaneCoverage> {
  return scope()
    .locator('canvas.traces')
    .evaluate((canvas: HTMLCanvasElement, n: number) => {
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d')!;
      ctx.drawImage(canvas, 0, 0);
      const { data, width, height } = ctx.getImageData(0, 0, copy.width, copy.height);
      const left = Math.round(110 * devicePixelRatio) + 2;
      const plotHeight = height - Math.round(18 * devicePixelRatio);
      const covered: number[] = [];
      const colours: string[] = [];
      for (let lane = 0; lane < n; lane++) {
        const top = Math.floor((lane * plotHeight) / n) + 1;
        const bottom = Math.floor(((lane + 1) * plotHeight) / n) - 1;
        let columns = 0;
        const seen = new Map<string, number>();
        for (let x = left; x < width - 2; x++) {
          let hit = false;
          for (let y = top; y < bottom; y++) {
            const i = (y * width + x) * 4;
            if (data[i + 3] > 128) {
              hit = true;
              const key = `${data[i]},${data[i + 1]},${data[i + 2]}`;
              seen.set(key, (seen.get(key) ?? 0) + 1);
            }
          }
          if (hit) columns++;
        }
        covered.push(columns / (width - 2 - left));
        colours.push([...seen.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none');
      }
      return { lanes: n, covered, colours };
    }, lanes);
}

async function waitForTraces(lanes: number): Promise<LaneCoverage> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const c = await coverage(lanes);
    if (c.covered.every((share) => share > 0.9) || Date.now() > deadline) return c;
    await page.waitForTimeout(250);
  }
}

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
      /Hz · 0 gaps · drift [+-][\d.]+ ms · latency \d+ ms · \d+ fps · \d+ K?B\/frame/,
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
