// The recording editor as a person uses it, in a real VS Code (issue 14): a recording opened from
// the Explorer shows its traces; renaming a channel and adding a marker are edits that undo and
// redo; Save writes the sidecar; a window reloaded with unsaved edits finds them restored; and no
// edit ever changes a byte of the data file.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { SHOTS, Workbench } from './workbench';
import { RECORDING_LAYOUT, scopeDocument, tracesIn } from './scope-pixels';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { sha256 as sha, writeRecordingFixture } from '../helpers/recording-fixture';

let vs: Workbench;
let page: Page;
let file: string;

const CHANNELS = ['Fp1', 'Fp2', 'C3', 'C4'];
const RATE = 250;
const FRAMES = 60 * RATE;
let seed = 7;
const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 10;

/** A minute of four EEG-like channels (a sine each, and noise) with a marker. */
const makeRecording = (target: string) =>
  writeRecordingFixture(target, {
    channels: CHANNELS,
    rate: RATE,
    frames: FRAMES,
    sample: (i, c) => 30 * Math.sin((2 * Math.PI * (8 + c) * i) / RATE) + noise(),
    markers: [{ frame: 5000, row: 5000, type: 'Stimulus', text: 'S  1', channel: null }],
  });

before(async () => {
  // VS Code in a browser saves after a second by default (the desktop does not): off, as on the
  // desktop, so dirty state, Save and the hot-exit backup are the user's to see.
  vs = await Workbench.open({ 'labscope.simulators': false, 'files.autoSave': 'off' });
  page = vs.page;
  file = path.join(vs.workspace, 'recordings', 'take.npy');
  makeRecording(file);
});

after(async () => {
  await vs?.close();
});

const editor = () => scopeDocument(page);

async function openFromExplorer(): Promise<void> {
  await vs.runCommand('View: Show Explorer');
  // The file was written after the window opened; the Explorer's watcher may not have told it yet.
  await page.getByRole('button', { name: 'Refresh Explorer' }).click();
  const folder = page.getByRole('treeitem', { name: 'recordings' });
  await folder.waitFor({ timeout: 20_000 });
  if ((await folder.getAttribute('aria-expanded')) !== 'true') await folder.click();
  await page.getByRole('treeitem', { name: 'take.npy' }).dblclick();
  await editor().locator('.plot canvas.traces').waitFor({ timeout: 30_000 });
}

/** Right-click on lane `i`'s name → the page's own menu → `item`. */
async function laneMenu(i: number, item: RegExp): Promise<void> {
  const plot = editor().locator('.plot');
  const box = await plot.boundingBox();
  assert.ok(box, 'the plot has a box');
  const laneHeight = (box.height - RECORDING_LAYOUT.axis) / CHANNELS.length;
  await plot.click({ button: 'right', position: { x: 40, y: laneHeight * (i + 0.5) } });
  await editor().locator('.menu button', { hasText: item }).click();
}

async function markersListed(): Promise<string[]> {
  return editor()
    .locator('ul.markers li')
    .evaluateAll((els) => els.map((e) => e.textContent ?? ''));
}

test('open from the Explorer, see the traces, rename and mark with undo/redo, save, reload with unsaved edits restored', async (t) => {
  const dataHash = sha(file);
  try {
    await openFromExplorer();
    const coverage = await tracesIn(page, CHANNELS.length, 20_000, RECORDING_LAYOUT);
    assert.ok(
      coverage.covered.every((share) => share > 0.9),
      `every lane is drawn across the plot: ${coverage.covered.map((s) => s.toFixed(2)).join(', ')}`,
    );
    assert.deepEqual((await markersListed()).filter((m) => m.includes('S  1')).length, 1, 'the recorded marker is listed');

    // Rename C3 (lane 2) through the lane's menu and the page's prompt.
    await laneMenu(2, /^Rename C3/);
    await editor().locator('form.prompt input').fill('C3-ref');
    await editor().locator('form.prompt input').press('Enter');
    // Add a marker with M (at the middle of the window).
    await editor()
      .locator('.plot')
      .click({ position: { x: 400, y: 40 } });
    await editor().locator('.plot').press('m');
    await editor().locator('form.prompt input').fill('eyes closed');
    await editor().locator('form.prompt input').press('Enter');
    await editor().locator('ul.markers li', { hasText: 'eyes closed' }).waitFor({ timeout: 10_000 });
    await page.locator('.tab.dirty', { hasText: 'take.npy' }).waitFor({ timeout: 10_000 });
    await vs.shot('recording-editor');

    // Undo (the page's button, which is VS Code's undo) takes the marker back; redo brings it again.
    await editor().getByRole('button', { name: 'Undo' }).click();
    await editor().locator('ul.markers li', { hasText: 'eyes closed' }).waitFor({ state: 'detached', timeout: 10_000 });
    await editor().getByRole('button', { name: 'Redo' }).click();
    await editor().locator('ul.markers li', { hasText: 'eyes closed' }).waitFor({ timeout: 10_000 });

    // Save: the sidecar has both edits, the data file is as it was.
    await editor().locator('.plot').press('Control+s');
    await page.locator('.tab.dirty', { hasText: 'take.npy' }).waitFor({ state: 'detached', timeout: 10_000 });
    const saved = readSidecar(sidecarPathFor(file));
    assert.deepEqual(
      saved.channels.map((c) => c.name),
      ['Fp1', 'Fp2', 'C3-ref', 'C4'],
    );
    assert.ok(
      saved.markers.some((m) => m.text === 'eyes closed'),
      JSON.stringify(saved.markers),
    );
    assert.equal(sha(file), dataHash, 'saving wrote the sidecar only');

    // An unsaved edit, then a reload: VS Code's backup brings it back, still unsaved.
    await laneMenu(3, /^Rename C4/);
    await editor().locator('form.prompt input').fill('C4-ref');
    await editor().locator('form.prompt input').press('Enter');
    await page.locator('.tab.dirty', { hasText: 'take.npy' }).waitFor({ timeout: 10_000 });
    // The backup is written a moment after the edit (VS Code's working-copy backup delay).
    await page.waitForTimeout(2500);
    await vs.runCommand('Developer: Reload Window');
    await page.locator('.tab.dirty', { hasText: 'take.npy' }).waitFor({ timeout: 60_000 });
    await editor().locator('.plot canvas.traces').waitFor({ timeout: 30_000 });
    await laneMenu(3, /^Rename C4-ref/);
    await editor().locator('form.prompt input').press('Escape');
    assert.equal(readSidecar(sidecarPathFor(file)).channels[3].name, 'C4', 'the restored edit is not saved until the user saves');
    assert.equal(sha(file), dataHash, 'no edit touched the data file');
    assert.deepEqual(await vs.errorNotifications(), []);
  } catch (error) {
    await vs.shot('recording-editor-failure').then(
      (shot) => t.diagnostic(`screenshot: ${shot}`),
      () => undefined,
    );
    throw error;
  }
  t.diagnostic(`screenshots in ${SHOTS}`);
});
