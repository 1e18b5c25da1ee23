// Slow instruments in the live scope, in a real VS Code (issue 15): a 10 Hz gas analyser's
// readings must be a line across the plot (joined, not one-pixel dots), its window chosen from its
// rate, each lane's latest value readable with its unit, a delta frame a few bytes; a REC badge
// while it records; and after a disconnect the traces stay, frozen, with a banner and Reconnect.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { SHOTS, Workbench } from './workbench';
import { laneCoverage, scopeDocument, tracesIn } from './scope-pixels';

let vs: Workbench;
let page: Page;

before(async () => {
  vs = await Workbench.open({
    'labscope.devices': [{ name: 'Gas', uri: 'sim:servomex?mode=modbus-tcp&rate=10' }],
    'labscope.simulators': false,
  });
  page = vs.page;
});

after(async () => {
  await vs?.close();
});

const scope = () => scopeDocument(page);
const NUMBER = /^-?\d[\d.]*(e[+-]\d+)?( \S+)?$/;

/** The latest values the lanes show, as text. */
async function values(): Promise<string[]> {
  return scope()
    .locator('.values .lane-value:not([hidden])')
    .evaluateAll((els) => els.map((e) => e.textContent ?? ''));
}

test('a 10 Hz analyser: a joined trace in a window chosen from its rate, latest values, REC, and frozen traces after a disconnect', async (t) => {
  try {
    await vs.openLabscope();
    await vs.contextMenu(page.getByRole('treeitem', { name: /Gas/ }), 'Open Scope');
    await scope().locator('canvas.traces').waitFor({ timeout: 30_000 });

    // The window follows the rate: a minute at 10 Hz.
    await scope().locator('.stats', { hasText: 'Hz' }).waitFor({ timeout: 15_000 });
    assert.equal(
      await scope()
        .locator('#window')
        .evaluate((e: HTMLElement & { value: string }) => e.value),
      'auto',
    );
    await scope()
      .locator('#window vscode-option[value="auto"]', { hasText: 'Auto (60 s)' })
      .waitFor({ state: 'attached', timeout: 10_000 });

    // 5 s fill in 5 s: 50 readings over the plot's ~1200 pixels. Drawn as they came, they were
    // 50 one-pixel dots (4 % of the columns); joined, every lane is a line across the plot.
    await scope().locator('#window').click();
    await scope().locator('#window').getByRole('option', { name: '5 s', exact: true }).click();
    const lanes = await scope().locator('.values .lane-value').count();
    assert.ok(lanes >= 1, `a value per lane (${lanes})`);
    const joined = await tracesIn(page, lanes, 25_000);
    t.diagnostic(`${lanes} lanes, coverage ${joined.covered.map((c) => c.toFixed(2)).join(' ')}`);
    for (const share of joined.covered) assert.ok(share > 0.9, `every lane is a line across the plot: ${joined.covered}`);

    // Each lane's latest reading as a number with its unit.
    const shown = await values();
    t.diagnostic(`latest values: ${shown.join(' | ')}`);
    assert.ok(shown.length >= 1);
    // A number, with the channel's unit when it has one (the status channels have none).
    for (const text of shown) assert.match(text, NUMBER, 'a number and its unit');
    assert.ok(
      shown.some((text) => / %$/.test(text)),
      'the gas readings in %',
    );

    // Only new readings cross: at 10 Hz a frame is a few bytes, or none.
    const stats = await scope().locator('.stats').innerText();
    assert.match(stats, / \d+ B\/frame/, stats);
    const bytes = Number(/ (\d+) B\/frame/.exec(stats)![1]);
    assert.ok(bytes <= lanes * 8 * 3, `${bytes} bytes for at most a few readings of ${lanes} channels`);
    await vs.shot('scope-slow');

    // Recording: a REC badge naming the file, gone once it stops.
    assert.equal(await scope().locator('.rec').isVisible(), false);
    await vs.runCommand('Labscope: Start Recording');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'NPY' }).first().click();
    await page.locator('.quick-input-widget', { hasText: 'duration' }).waitFor();
    // Enter on the input itself: a key pressed while focus is still on its way from the list (or
    // in the scope's frame) would answer nothing, and the recording would never start.
    await page.locator('.quick-input-widget .quick-input-box input').press('Enter');
    // The host's word first (the status bar), then the page's: a failure says which one lagged.
    await page.locator('.statusbar-item', { hasText: '● REC' }).waitFor({ timeout: 15_000 });
    await scope().locator('.rec', { hasText: 'REC' }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await scope().locator('.rec').getAttribute('title')) ?? '', /^Recording to Gas-.*\.npy$/);
    await vs.shot('scope-recording');
    await vs.runCommand('Labscope: Stop Recording');
    await scope().locator('.rec').waitFor({ state: 'hidden', timeout: 15_000 });

    // Disconnect: the traces stay as they were, under a banner with Reconnect; no Pause.
    await vs.contextMenu(page.getByRole('treeitem', { name: /Gas/ }).first(), 'Disconnect Device');
    await scope().locator('.banner', { hasText: 'Disconnected' }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await scope().locator('#pause').isVisible(), false, 'nothing to pause');
    const frozen = await laneCoverage(page, lanes);
    for (const share of frozen.covered) assert.ok(share > 0.9, `the traces stay: ${frozen.covered}`);
    assert.equal((await values()).length, shown.length, 'values still shown');
    for (const text of await values()) assert.match(text, NUMBER, 'the last readings stay');
    await page.waitForTimeout(1500);
    assert.deepEqual((await laneCoverage(page, lanes)).covered, frozen.covered, 'frozen: nothing moves');
    assert.match(await scope().locator('.stats').innerText(), /frozen/);
    await vs.shot('scope-disconnected');

    // Hidden and shown again, the page is built anew: the host's frozen feed gives the traces back
    // from the columns it kept (the session's ring is freed by now).
    await vs.runCommand('File: New Untitled Text File');
    await scope()
      .locator('canvas.traces')
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => undefined);
    await page.getByRole('tab', { name: /Scope: Gas/ }).click();
    await scope().locator('.banner', { hasText: 'Disconnected' }).waitFor({ state: 'visible', timeout: 15_000 });
    const restored = await tracesIn(page, lanes, 10_000);
    for (const share of restored.covered) assert.ok(share > 0.9, `the frozen traces after hide/show: ${restored.covered}`);
    for (const text of await values()) assert.match(text, NUMBER, 'and the last readings');

    // Reconnect: a new session, drawing again, the banner gone.
    await scope().locator('#reconnect').click();
    await scope().locator('.banner').waitFor({ state: 'hidden', timeout: 30_000 });
    await scope().locator('#pause').waitFor({ state: 'visible' });
    const again = await tracesIn(page, lanes, 25_000);
    for (const share of again.covered) assert.ok(share > 0.9, `drawing again after Reconnect: ${again.covered}`);

    assert.deepEqual(await vs.errorNotifications(), [], 'no error notification');
    assert.deepEqual(vs.errors, [], 'no console errors (a CSP violation would be one)');
  } catch (error) {
    await vs.shot('scope-slow-failure').catch(() => undefined);
    t.diagnostic(`screenshot: ${path.join(SHOTS, 'scope-slow-failure.png')}; code-server log: ${vs.server.logFile}`);
    throw error;
  }
});
