// The scope's bench-scope tools in a real VS Code (issue 15): a trigger that makes a periodic
// trace stand still (normal) or holds one capture (single), two measurement cursors, the visible
// range exported to CSV and NPY (read back by numpy) and the plot to PNG, the spectrum view (its
// peak where the simulator's sine is) and the XY view.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { SHOTS, Workbench } from './workbench';
import { canvasPixels, laneProfile, scopeDocument, tracesIn } from './scope-pixels';
import { pythonJson } from '../helpers/python';

let vs: Workbench;
let page: Page;

before(async () => {
  // Two sines: 2 Hz and 3.5 Hz, 50 µV, with 5 µV of noise (src/devices/rda/synthetic.ts).
  vs = await Workbench.open({
    'labscope.devices': [{ name: 'Amp', uri: 'sim:rda?channels=2&rate=1000' }],
    'labscope.simulators': false,
  });
  page = vs.page;
});

after(async () => {
  await vs?.close();
});

const scope = () => scopeDocument(page);

/** Lane 0 of 2: the trace's shape. */
const profile = () => laneProfile(page, 0, 2);

/** Mean distance in pixels between two profiles, over the columns both have. */
function distance(a: number[], b: number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (!Number.isNaN(a[i]) && !Number.isNaN(b[i])) {
      sum += Math.abs(a[i] - b[i]);
      n++;
    }
  return n ? sum / n : Infinity;
}

async function choose(select: string, option: string): Promise<void> {
  await scope().locator(select).click();
  await scope().locator(select).getByRole('option', { name: option, exact: true }).click();
}

/** Clicks a toolbar button whose save dialog (VS Code's own, in code-server) is accepted as offered. */
async function saveVia(button: string, ext: string): Promise<string> {
  const dir = path.join(vs.workspace, 'recordings');
  const before = new Set(fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  await scope().locator(button).click();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  // Offered inside the workspace's recordings folder, named for the device and the time.
  const offered = page.locator('.quick-input-widget .quick-input-box input');
  await page.waitForFunction((el) => (el as HTMLInputElement).value.length > 0, await offered.elementHandle(), { timeout: 5000 });
  assert.match(await input.inputValue(), new RegExp(`/recordings/Amp-scope-\\d{8}-\\d{6}\\.${ext}$`));
  await input.press('Enter');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const made = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => !before.has(f) && f.endsWith(`.${ext}`));
    if (made.length) return path.join(dir, made[0]);
    if (Date.now() > deadline) throw new Error(`no .${ext} appeared in ${dir}`);
    await page.waitForTimeout(200);
  }
}

test('trigger, cursors, exports, spectrum and XY in a live scope', async (t) => {
  try {
    await vs.openLabscope();
    await vs.contextMenu(page.getByRole('treeitem', { name: /Amp/ }), 'Open Scope');
    await scope().locator('canvas.traces').waitFor({ timeout: 30_000 });
    await choose('#window', '1 s');
    await tracesIn(page, 2, 20_000);

    // Free-running, a 2 Hz sine moves across a 1 s window: over 1.5 s, each profile is compared
    // with the first (a busy machine may draw few frames, so it is the largest change that counts).
    const spread = async () => {
      const first = await profile();
      let most = 0;
      for (let i = 0; i < 8; i++) {
        await page.waitForTimeout(190);
        most = Math.max(most, distance(first, await profile()));
      }
      return most;
    };
    const moving = await spread();

    // Normal trigger, rising through 0: each window starts at the same phase, so the trace stands still.
    await choose('#trigger-mode', 'Trigger normal');
    await scope().locator('.trigger-state', { hasText: 'Triggered' }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(300);
    const still = await spread();
    t.diagnostic(`trace movement over 1.5 s: free-running ${moving.toFixed(1)} px, triggered ${still.toFixed(1)} px`);
    assert.ok(moving > 40, `a free-running trace moves (${moving} px)`);
    // Not 0: the simulator's noise differs from capture to capture, and it moves the crossing by a
    // few frames (±5 µV on a 630 µV/s edge). A trace that scrolled would move half a period.
    assert.ok(still < moving / 4, `a triggered trace stands still (${still} px, free-running ${moving} px)`);
    assert.match(await scope().locator('.stats').innerText(), /Triggered/);
    await vs.shot('scope-trigger');

    // Single: one capture, held; Arm takes another.
    await choose('#trigger-mode', 'Trigger single');
    await scope().locator('.trigger-state', { hasText: 'Stopped: single capture' }).waitFor({ timeout: 15_000 });
    const capture = await profile();
    await page.waitForTimeout(1000);
    assert.equal(distance(capture, await profile()), 0, 'a single capture does not change');
    await scope().locator('#arm').click();
    // A new capture: the same phase, other noise, so not the same pixels.
    const deadline = Date.now() + 10_000;
    while (distance(capture, await profile()) === 0 && Date.now() < deadline) await page.waitForTimeout(200);
    assert.ok(distance(capture, await profile()) > 0, 'Arm took a new capture');
    await scope().locator('.trigger-state', { hasText: 'Stopped: single capture' }).waitFor({ timeout: 15_000 });
    await choose('#trigger-mode', 'Trigger off');
    await scope().locator('#trigger-options').waitFor({ state: 'hidden' });

    // The visible range to CSV and NPY, read back by numpy; the plot to PNG.
    await scope().locator('#pause').click(); // a still window, so its frames are known
    const csv = await saveVia('#export-csv', 'csv');
    const npy = await saveVia('#export-npy', 'npy');
    const png = await saveVia('#export-png', 'png');
    const read = pythonJson<{ csv: number[]; header: string; npy: number[]; dtype: string; same: boolean; png: number[]; sidecar: number }>(
      `import sys,json,struct,numpy as np
c=np.loadtxt(sys.argv[1],delimiter=',',skiprows=1); n=np.load(sys.argv[2])
hdr=open(sys.argv[1]).readline().strip()
p=open(sys.argv[3],'rb').read(32)
assert p[:8]==b'\\x89PNG\\r\\n\\x1a\\n'
side=json.load(open(sys.argv[2][:-4]+'.labscope.json'))
print(json.dumps({'csv':list(c.shape),'header':hdr,'npy':list(n.shape),'dtype':str(n.dtype),
 'same':bool(np.allclose(c[:,1:],n,atol=1e-3)),'png':list(struct.unpack('>II',p[16:24])),'sidecar':side['frames']}))`,
      csv,
      npy,
      png,
    );
    t.diagnostic(JSON.stringify(read));
    // The window shown: 1 s, snapped to whole frames per pixel column (942 frames on a 942-pixel plot).
    const frames = read.npy[0];
    assert.ok(frames >= 900 && frames <= 1000, `the window's frames: ${frames}`);
    assert.deepEqual(read.npy, [frames, 2], 'the visible window × 2 channels');
    assert.deepEqual(read.csv, [frames, 3], 'a time column and the two channels');
    assert.equal(read.dtype, 'float32');
    assert.ok(read.same, 'the CSV and the NPY hold the same samples');
    assert.match(read.header, /^time_s,Ch1 \[µV\],Ch2 \[µV\]$/);
    assert.equal(read.sidecar, frames);
    const size = await scope()
      .locator('canvas.traces')
      .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    assert.deepEqual(read.png, size, 'the PNG is the plot, pixel for pixel');

    // Two cursors, 40 % of the plot apart: Δt is 40 % of the window exported above.
    const canvas = scope().locator('canvas.overlay');
    const box = (await canvas.boundingBox())!;
    const plotWidth = box.width - 110;
    await canvas.click({ position: { x: 110 + plotWidth * 0.2, y: box.height / 4 } });
    await canvas.click({ position: { x: 110 + plotWidth * 0.6, y: box.height / 4 } });
    const measured = await scope().locator('.measure').innerText();
    t.diagnostic(measured.replace(/\n/g, ' | '));
    const dt = Number(/Δt ([\d.]+) ms/.exec(measured)?.[1]);
    // Within a pixel each (a click lands on whole pixels; a pixel is about a frame here).
    const pixelMs = frames / plotWidth;
    assert.ok(Math.abs(dt - 0.4 * frames) <= 2 * pixelMs, `Δt ${dt} ms for 40 % of ${frames} frames at 1 kHz`);
    assert.ok(Math.abs(Number(/1\/Δt ([\d.]+) Hz/.exec(measured)?.[1]) - 1000 / dt) < 0.01, measured);
    assert.match(measured, /Ch1: Δ -?[\d.]+(e[+-]\d+)? µV/);
    await vs.runCommand('Notifications: Clear All Notifications'); // the three "Saved …" would cover the readout
    await vs.shot('scope-cursors');
    await page.keyboard.press('Escape');
    await scope().locator('.measure').waitFor({ state: 'hidden' });
    await scope().locator('#pause').click();

    // Spectrum: each lane's peak is at its sine's frequency (2 and 3.5 Hz of 500 Hz: the left edge).
    await choose('#view', 'Spectrum');
    await scope().locator('.stats', { hasText: '4096-point FFT' }).waitFor({ timeout: 15_000 });
    await tracesIn(page, 2, 15_000);
    const spectrum = await profile();
    const top = spectrum.reduce(
      (best, y, i) => (!Number.isNaN(y) && y < spectrum[best] ? i : best),
      spectrum.findIndex((y) => !Number.isNaN(y)),
    );
    t.diagnostic(`spectrum peak at column ${top} of ${spectrum.length}`);
    assert.ok(top / spectrum.length < 0.02, `the peak is at a few Hz (column ${top} of ${spectrum.length})`);
    assert.match(await scope().locator('.stats').innerText(), /Δf 0\.244 Hz · \d+ averaged/);
    await vs.shot('scope-spectrum');

    // XY: Ch2 against Ch1, a Lissajous figure drawn over the plot.
    await choose('#view', 'XY');
    await scope()
      .locator('.stats', { hasText: /XY: \d+ points/ })
      .waitFor({ timeout: 15_000 });
    const overlay = await canvasPixels(page, 'canvas.overlay');
    let lit = 0;
    for (let y = 0; y < overlay.height; y++)
      for (let x = Math.round(120 * overlay.dpr); x < overlay.width; x++) if (overlay.data[(y * overlay.width + x) * 4 + 3] > 128) lit++;
    assert.ok(lit > 2000, `the XY figure is drawn (${lit} pixels)`);
    await vs.shot('scope-xy');

    assert.deepEqual(await vs.errorNotifications(), [], 'no error notification');
    assert.deepEqual(vs.errors, [], 'no console errors (a CSP violation would be one)');
  } catch (error) {
    await vs.shot('scope-views-failure').catch(() => undefined);
    t.diagnostic(`screenshot: ${path.join(SHOTS, 'scope-views-failure.png')}; code-server log: ${vs.server.logFile}`);
    throw error;
  }
});
