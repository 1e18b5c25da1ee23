// (e3) The live scope where users see it: a scope panel in a real VS Code (code-server in headless
// chromium), the extension in its own extension host with the in-process RDA simulator at 64 ch ×
// 25 kHz, a 10 s window on a 1200-pixel plot. Each frame's cost (receiving it and drawing it, in the
// page), the frames drawn per second and wire-to-pixel latency (the simulator's send time of the
// window's newest frame to the moment it is on the canvas) are read from the page's own log of its
// last frames. Ours: frames pushed as their columns are snapped (labscope.scope.push, the default).
// Baseline, same run: the page asking for every frame (labscope.scope.push off), as before.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Row } from './report';

const REPO = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.SCOPE_VSCODE_SECONDS ?? 10);
const PLOT_WIDTH = 1200;
const LABEL_WIDTH = 110;

type Server = typeof import('../scripts/vscode/server.mjs');
type Driver = typeof import('../scripts/vscode/browser.mjs');
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(REPO, file)).href);

interface Timing {
  at: number;
  costMs: number;
  latencyMs: number | null;
  bytes: number;
  pushed: boolean;
}

interface Figures {
  costP50: number;
  costP95: number;
  fps: number;
  latencyP50: number;
  latencyP99: number;
  bytes: number;
  frames: number;
  pushed: boolean;
  plotWidth: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function measure(push: boolean): Promise<Figures> {
  const { startCodeServer } = await load<Server>('scripts/vscode/server.mjs');
  const driver = await load<Driver>('scripts/vscode/browser.mjs');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-bench-ws-'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(
    path.join(workspace, '.vscode/settings.json'),
    JSON.stringify({
      'labscope.devices': [{ name: 'Fast', uri: 'sim:rda?channels=64&rate=25000' }],
      'labscope.simulators': false,
      'labscope.scope.push': push,
    }),
  );
  const server = await startCodeServer();
  const browser = await driver.launchChromium();
  try {
    // The activity bar (48 px) and the plot's label column beside a 1200-pixel plot; the side bar closed.
    const page = await browser.newPage({ viewport: { width: PLOT_WIDTH + LABEL_WIDTH + 48, height: 900 } });
    await driver.openWorkbench(page, server.workbenchUrl(workspace, { extensionDevelopmentPath: REPO }));
    await driver.runCommand(page, 'Labscope: Open Scope');
    // One device, not yet connected: Open Scope asks which, and connects it.
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Fast' }).first();
    await pick.waitFor({ timeout: 30_000 });
    await pick.click();
    const scope = await driver.webviewFrame(page, 'canvas.traces', { timeout: 60_000 });
    await driver.runCommand(page, 'View: Close Primary Side Bar');
    await scope.locator('#window').click();
    await scope.locator('#window').getByRole('option', { name: '10 s', exact: true }).click();
    await scope.locator('.stats', { hasText: 'fps' }).waitFor({ timeout: 30_000 });
    const plotWidth = await scope.locator('canvas.traces').evaluate((c: HTMLCanvasElement, left: number) => c.width - left, LABEL_WIDTH);
    await page.waitForTimeout(3000); // the window fills, autoscale settles, the JIT warms
    await scope.evaluate(() => ((globalThis as unknown as { labscopeTimings: unknown[] }).labscopeTimings.length = 0));
    await page.waitForTimeout(SECONDS * 1000);
    const log = await scope.evaluate(() => (globalThis as unknown as { labscopeTimings: Timing[] }).labscopeTimings.slice());
    if (log.length < 2) throw new Error(`the scope drew ${log.length} frames in ${SECONDS} s`);
    const latencies = log.flatMap((t) => (t.latencyMs === null ? [] : [t.latencyMs]));
    return {
      costP50: quantile(
        log.map((t) => t.costMs),
        0.5,
      ),
      costP95: quantile(
        log.map((t) => t.costMs),
        0.95,
      ),
      fps: ((log.length - 1) * 1000) / (log.at(-1)!.at - log[0]!.at),
      latencyP50: quantile(latencies, 0.5),
      latencyP99: quantile(latencies, 0.99),
      bytes: quantile(
        log.map((t) => t.bytes),
        0.5,
      ),
      frames: log.length,
      pushed: log.every((t) => t.pushed),
      plotWidth,
    };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

export async function benchScopeVscode(): Promise<Row[]> {
  const pulled = await measure(false);
  const pushed = await measure(true);
  if (!pushed.pushed || pulled.pushed) throw new Error('the panel did not push (or pulled) as its setting said');
  const note = `${pushed.plotWidth}-px plot, ${SECONDS} s: ${pushed.frames} frames pushed, ${pulled.frames} pulled`;
  const base = 'the page asking for each frame';
  return [
    { name: 'frame cost p50 (receive + draw, page)', ours: pushed.costP50, baseline: pulled.costP50, baselineName: base, unit: 'ms', note },
    { name: 'frame cost p95', ours: pushed.costP95, baseline: pulled.costP95, baselineName: base, unit: 'ms', note: 'target 8 ms' },
    { name: 'frames drawn per second', ours: pushed.fps, baseline: pulled.fps, baselineName: base, unit: 'fps' },
    { name: 'wire-to-pixel latency p50', ours: pushed.latencyP50, baseline: pulled.latencyP50, baselineName: base, unit: 'ms' },
    {
      name: 'wire-to-pixel latency p99',
      ours: pushed.latencyP99,
      baseline: pulled.latencyP99,
      baselineName: base,
      unit: 'ms',
      note: 'target 30 ms',
    },
    { name: 'bytes per frame p50', ours: pushed.bytes, baseline: pulled.bytes, baselineName: base, unit: 'B' },
  ];
}
