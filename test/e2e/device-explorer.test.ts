// A person's first recording, in a real VS Code (code-server in headless chromium): open the
// Labscope view, connect the simulated amplifier from the tree's context menu, start a recording
// from the command palette, stop it, and then check the file with numpy against the signal the
// simulator sent. Screenshots land in .test-tmp/e2e (and in LABSCOPE_SCREENSHOTS, for the README).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { SyntheticSignal } from '../../src/devices/rda/synthetic';
import { pythonJson } from '../helpers/python';
import { SHOTS, Workbench } from './workbench';

const CHANNELS = 8;
const RATE = 1000;

let vs: Workbench;
let page: Page;
let errors: string[];
let workspace: string;
const shot = (name: string) => vs.shot(name);
const deviceRow = (name: string) => vs.row(name);

before(async () => {
  vs = await Workbench.open({
    'labscope.devices': [{ name: 'EEG sim', uri: `sim:rda?channels=${CHANNELS}&rate=${RATE}` }],
    'labscope.simulators': false,
  });
  ({ page, errors, workspace } = vs);
});

after(async () => {
  await vs?.close();
});

test('connect from the tree, record from the palette, stop: numpy reads the signal the simulator sent', async (t) => {
  try {
    await page.getByRole('tab', { name: /^Labscope/ }).click();
    await page.getByRole('treeitem', { name: /EEG sim/ }).waitFor({ timeout: 30_000 });
    await vs.widenSideBar();
    await shot('tree');

    await vs.contextMenu(page.getByRole('treeitem', { name: /EEG sim/ }), 'Connect Device');
    await deviceRow('EEG sim')
      .filter({ hasText: `${CHANNELS} ch · 1 kHz · active` })
      .waitFor({ timeout: 20_000 });
    // A live row's tooltip shows when the pointer rests on it and stays while its figures change
    // (the row is re-rendered only when it looks different; the tooltip is made when asked for).
    await deviceRow('EEG sim').hover();
    const hover = page.locator('.workbench-hover', { hasText: /active, 8 ch/ });
    await hover.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1600);
    assert.ok(await hover.isVisible(), 'the tooltip is still there after three refreshes of the stats');
    await page.mouse.move(700, 700);

    await vs.runCommand('Labscope: Start Recording');
    // Only one session streams, so it is not asked for: format (NPY first), then duration (empty).
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'NPY' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'duration' }).waitFor();
    await page.locator('.quick-input-widget .quick-input-box input').press('Enter');

    const rec = page.locator('.statusbar-item', { hasText: '● REC' });
    await rec.waitFor({ timeout: 10_000 });
    await page.locator('.statusbar-item', { hasText: /● REC 00:0[2-9] · [\d.]+ KB · 0 gaps/ }).waitFor({ timeout: 15_000 });
    await deviceRow('EEG sim').filter({ hasText: '● REC' }).waitFor();
    // Open the session and its channels, as one looks at them while recording.
    const session = page.getByRole('treeitem', { name: /^Session .*● REC/ });
    if ((await session.count()) === 0) await page.getByRole('treeitem', { name: /^EEG sim/ }).click();
    // The twistie: a click on the row itself opens the session's scope (its command).
    await session.locator('.monaco-tl-twistie').click();
    await page.getByRole('treeitem', { name: /^Ch8/ }).waitFor();
    await shot('recording');

    await vs.runCommand('Labscope: Stop Recording');
    await rec.waitFor({ state: 'hidden', timeout: 10_000 });
    const toast = page.locator('.notification-toast', { hasText: 'Recorded' });
    await toast.waitFor({ timeout: 10_000 });
    const ended = await toast.innerText();
    assert.match(
      ended,
      /Recorded [\d.]+ s from EEG sim to recordings[/\\]EEG-sim-\d{8}-\d{6}\.npy \([\d.]+ KB, 0 gaps; stopped by the user\)/,
    );
    assert.match(ended, /Open/);
    assert.match(ended, /Reveal in Explorer/);
    await deviceRow('EEG sim').filter({ hasText: '8 ch · 1 kHz · active' }).waitFor();
    await page.waitForTimeout(400); // the toast's fade-in
    await shot('recorded');

    const files = fs.readdirSync(path.join(workspace, 'recordings'));
    const npy = files.find((f) => f.endsWith('.npy'));
    assert.ok(npy, `an .npy in recordings/, found ${files.join(', ')}`);
    const file = path.join(workspace, 'recordings', npy);
    const sidecar = JSON.parse(fs.readFileSync(file.replace(/\.npy$/, '.labscope.json'), 'utf8'));
    assert.equal(sidecar.file, npy);
    assert.equal(sidecar.device.uri, `sim:rda?channels=${CHANNELS}&rate=${RATE}`);
    assert.equal(sidecar.rate, RATE);
    assert.deepEqual(
      sidecar.channels.map((c: { name: string; unit: string }) => `${c.name} ${c.unit}`),
      Array.from({ length: CHANNELS }, (_, i) => `Ch${i + 1} µV`),
    );
    assert.deepEqual(sidecar.gaps, []);

    const py = pythonJson<{ shape: number[]; dtype: string; data: number[][] }>(
      'import sys, json, numpy as np\n' +
        'a = np.load(sys.argv[1])\n' +
        'print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "data": a.astype(float).tolist()}))',
      file,
    );
    assert.equal(py.dtype, 'float32');
    assert.equal(py.shape[1], CHANNELS);
    assert.equal(py.shape[0], sidecar.frames);
    assert.ok(py.shape[0] >= 2 * RATE, `at least 2 s recorded, got ${py.shape[0]} frames`);
    // Every sample is the simulator's: the frames the sidecar says the file starts at, in order.
    const expected = new SyntheticSignal({ channels: CHANNELS, rate: RATE }).fill(sidecar.startFrame, py.shape[0]);
    let worst = 0;
    py.data.forEach((row, f) => row.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - expected[f * CHANNELS + c])))));
    assert.ok(worst < 1e-4, `largest difference from the simulator's signal: ${worst} µV`);
    // The simulator marks every second; the markers in the file fall on those frames.
    assert.ok(sidecar.markers.length >= 1, 'markers recorded');
    for (const m of sidecar.markers) {
      assert.equal(m.frame % RATE, 0, `marker at frame ${m.frame}`);
      assert.equal(m.row, m.frame - sidecar.startFrame);
    }

    const bad = await vs.errorNotifications();
    assert.deepEqual(bad, [], 'no error notification');
    assert.deepEqual(errors, [], 'no console errors');
  } catch (error) {
    await shot('failure').catch(() => undefined);
    t.diagnostic(`screenshot: ${path.join(SHOTS, 'failure.png')}; code-server log: ${vs.server.logFile}`);
    throw error;
  }
});

test('Add Device is a form: connections, address fields, parameters checked as typed, a working entry saved', async (t) => {
  try {
    // The settings file has a comment: Add Device edits the list in place and keeps it.
    const settingsFile = path.join(workspace, '.vscode/settings.json');
    const before = fs.readFileSync(settingsFile, 'utf8');
    fs.writeFileSync(settingsFile, before.replace('{', '{\n  // the lab bench, by hand'));
    await page.getByRole('toolbar').getByRole('button', { name: 'Add Device…' }).click();
    await page.getByRole('tab', { name: 'Add Device' }).waitFor({ timeout: 15_000 });
    const form = await vs.webviewWith('#family');
    const problem = (field: string) => form.locator(`#problem-${field}`);
    const choose = async (select: string, option: string | RegExp) => {
      await form.locator(select).click();
      await form.locator(select).getByRole('option', { name: option }).first().click();
    };

    // BrainVision RDA first: host and port as fields, the default port filled in.
    await form.locator('#host').waitFor();
    assert.equal(await form.locator('#port').evaluate((e: HTMLElement & { value: string }) => e.value), '51244');
    await problem('host').filter({ hasText: 'a host name or an IP address is needed' }).waitFor();
    assert.equal(await form.locator('#add').getAttribute('disabled'), '', 'nothing to add yet');
    await form.locator('#host').locator('input').fill('127.0.0.1');
    await form.locator('#port').locator('input').fill('70000');
    await problem('host').filter({ hasText: 'port "70000" is not a whole number from 1 to 65535' }).waitFor();
    await form.locator('#port').locator('input').fill('51299');
    await form.locator('#uri', { hasText: 'rda://127.0.0.1:51299' }).waitFor();

    // Servomex over Modbus TCP: its own parameters, each checked as typed at its own field.
    await choose('#family', 'Servomex gas analyser');
    await choose('#scheme', 'servomex+modbus-tcp');
    await form.locator('#param-unit').waitFor();
    await form.locator('#host').locator('input').fill('gas.lab');
    await form.locator('#param-rate').locator('input').fill('fast');
    await problem('param-rate').filter({ hasText: /rate/ }).waitFor();
    await form.locator('#param-rate').locator('input').fill('2');
    await problem('param-rate')
      .filter({ hasText: /./ })
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    assert.equal(await problem('param-rate').innerText(), '');

    // Serial: the ports the system lists (none in CI's container), a path typed, a baud rate chosen.
    await choose('#scheme', 'servomex+serial');
    await form.locator('#serial-ports').waitFor();
    await form.locator('#param-baud').waitFor();
    await problem('path').filter({ hasText: 'choose or type a serial port' }).waitFor();
    await form.locator('#path').locator('input').fill('/dev/ttyUSB7');
    await choose('#param-baud', '9600 baud');
    await form.locator('#uri', { hasText: 'servomex+serial:///dev/ttyUSB7?baud=9600' }).waitFor();
    assert.equal(await form.locator('#name').getAttribute('placeholder'), 'Servomex gas analyser ttyUSB7');
    await form.locator('#name').locator('input').fill('EEG sim');
    await problem('name').filter({ hasText: 'there is already a device called "EEG sim"' }).waitFor();
    await form.locator('#name').locator('input').fill('Bench O2');
    await vs.shot('add-device-form');
    await form.locator('#add:not([disabled])').click();

    await page.getByRole('tab', { name: 'Add Device' }).waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByRole('treeitem', { name: /^Bench O2/ }).waitFor({ timeout: 10_000 });
    const text = fs.readFileSync(settingsFile, 'utf8');
    assert.match(text, /\/\/ the lab bench, by hand/, 'the comment is kept');
    const settings = JSON.parse(text.replace(/^\s*\/\/.*$/m, ''));
    assert.deepEqual(settings['labscope.devices'].at(-1), { name: 'Bench O2', uri: 'servomex+serial:///dev/ttyUSB7?baud=9600' });
    assert.deepEqual(errors, [], 'no console errors (a CSP violation would be one)');
  } catch (error) {
    await shot('failure-add-device').catch(() => undefined);
    t.diagnostic('ERRS ' + JSON.stringify(errors));
    t.diagnostic(`screenshot: ${path.join(SHOTS, 'failure-add-device.png')}`);
    throw error;
  }
});
