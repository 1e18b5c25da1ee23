// (j) The recording editor on a 2 GB take: 64 ch × 25 kHz × 5 min float32 NPY.
// Host, ours: open (paged reader), first traces (the whole-take view the page asks for first, a
// preview sampled from the file while the pyramid is built), final traces (the pyramid's one pass
// done, the same view from it), then view queries as scrolling and zooming ask for them (a
// 1200-column window moved by a tenth, at 1 s, 10 s, 60 s and the whole take), and the host's
// memory over all of it. Baseline, in the same run: what the NPY viewer peers do, the whole file
// read into memory (fs.readFile) and the same columns computed from it.
// Webview (chromium, editor-page.ts): each of those answers drawn as the page draws it, and the
// page's memory; baseline: a page holding the samples of the 1 s and 10 s windows (a whole take
// does not fit in one) that makes its columns from them, as a peer's page does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { native } from '../src/core/native';
import { RecordingColumns } from '../src/core/reading/columns';
import { openRecording } from '../src/core/reading/reader';
import { bundlePage, launchBenchChromium } from './scope';
import { openWriter } from '../src/core/writers';
import type { Row } from './report';

const CHANNELS = 64;
const RATE = 25_000;
const SECONDS = Number(process.env.EDITOR_BENCH_SECONDS ?? 300);
const COLUMNS = 1200;

/** Writes the take in 1 s blocks (a sine per channel and a ramp, so columns differ). */
function makeTake(file: string): void {
  const w = openWriter(file, 'npy', {
    channels: Array.from({ length: CHANNELS }, (_, c) => `ch${c + 1}`),
    units: Array.from({ length: CHANNELS }, () => 'µV'),
    rate: RATE,
  });
  const block = new Float32Array(RATE * CHANNELS);
  for (let s = 0; s < SECONDS; s++) {
    for (let i = 0; i < RATE; i++)
      for (let c = 0; c < CHANNELS; c++) block[i * CHANNELS + c] = Math.sin(((s * RATE + i) * (c + 1)) / 5000) * 100 + (i % 97);
    w.append(block, s * RATE);
  }
  w.close();
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const rssMb = () => process.memoryUsage().rss / 1e6;

/** Windows a person's scrolling and zooming asks for: each zoom level, stepped by a tenth. */
function windows(frames: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const span of [RATE, 10 * RATE, 60 * RATE, frames]) {
    const width = Math.min(span, frames);
    for (let k = 0; k < 30; k++) {
      const start = Math.min(frames - width, Math.floor((k * width) / 10) % Math.max(1, frames - width + 1));
      out.push([start, start + width]);
    }
  }
  return out;
}

/**
 * The peers' way: the columns from the whole array in memory, with the same native min/max kernel
 * the pyramid uses, so the two sides differ only in how the samples reach it.
 */
function columnsFrom(x: Float32Array, start: number, end: number): Float32Array {
  const out = new Float32Array(CHANNELS * COLUMNS * 2);
  native().minMaxColumns(x.subarray(start * CHANNELS, end * CHANNELS), CHANNELS, COLUMNS, out);
  return out;
}

/**
 * The page's side in chromium: every scroll/zoom answer the host gives, drawn as the recording
 * page draws it; the baseline page holds the samples of the 1 s and 10 s windows (a whole take
 * does not fit in a page) and makes its columns from them.
 */
async function webview(traces: RecordingColumns, x: Float32Array, frames: number, channels: number[]) {
  const script = await bundlePage('editor-page.ts');
  const browser = await launchBenchChromium();
  try {
    const tab = await browser.newPage({ viewport: { width: COLUMNS, height: 800 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.setContent(`<!doctype html><meta charset="utf-8"><body><script>${script.replace(/<\/script/gi, '<\\/script')}</script>`);
    const renderer = await tab.evaluate(([w, h]) => window.editorBench.setup(w!, h!), [COLUMNS, 800]);
    const cdp = await tab.context().newCDPSession(tab);
    // The JS heap and the typed arrays' backing stores (samples live there, outside the heap).
    const heapMb = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
      return (usage.usedSize + (usage.backingStorageSize ?? 0)) / 1e6;
    };
    const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

    const ours: number[] = [];
    for (const [start, end] of windows(frames)) {
      const answer = await traces.query({ start, end, columns: COLUMNS, channels });
      const args = [b64(answer.minmax), COLUMNS, CHANNELS] as const;
      ours.push(await tab.evaluate(([data, columns, n]) => window.editorBench.drawColumns(data, columns, n), args));
    }
    const oursMb = await heapMb();

    const small = windows(frames).filter(([s, e]) => e - s <= 10 * RATE);
    const heldRows = Math.max(...small.map(([, e]) => e));
    // Sent in slices (a CDP message has a size limit), appended in the page.
    await tab.evaluate(() => window.editorBench.release());
    const slice = 4 * RATE;
    for (let r = 0; r < heldRows; r += slice)
      await tab.evaluate(([data, at, total]) => window.editorBench.hold(data, at, total), [
        b64(x.subarray(r * CHANNELS, Math.min(heldRows, r + slice) * CHANNELS)),
        r * CHANNELS,
        heldRows * CHANNELS,
      ] as const);
    const baseMb = await heapMb();
    const base: number[] = [];
    for (const [start, end] of small)
      base.push(
        await tab.evaluate(([s, e, columns, n]) => window.editorBench.drawFromSamples(s, e, columns, n), [
          start,
          end,
          COLUMNS,
          CHANNELS,
        ] as const),
      );
    if (errors.length) throw new Error(`the editor bench page failed: ${errors.join('; ')}`);
    return { renderer, ours, base, oursMb, baseMb, heldS: heldRows / RATE };
  } finally {
    await browser.close();
  }
}

export async function benchEditor(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-bench-editor-'));
  const file = path.join(dir, 'take.npy');
  try {
    makeTake(file);
    const bytes = fs.statSync(file).size;
    const channels = [...Array(CHANNELS).keys()];
    const rssBefore = rssMb();

    // Ours.
    let peakRss = rssMb();
    const t0 = process.hrtime.bigint();
    const reader = await openRecording(file);
    const traces = new RecordingColumns(reader, { pyramid: { onProgress: () => (peakRss = Math.max(peakRss, rssMb())) } });
    const whole = { start: 0, end: reader.frames, columns: COLUMNS, channels };
    const first = await traces.query(whole);
    const firstOurs = ms(t0);
    if (!first.provisional) throw new Error('the first whole-take view was expected to be a preview');
    const pyramid = await traces.pyramid();
    await traces.query(whole);
    const finalOurs = ms(t0);
    const costs: number[] = [];
    for (const [start, end] of windows(reader.frames)) {
      const t = process.hrtime.bigint();
      await pyramid.query({ start, end, columns: COLUMNS, channels });
      costs.push(ms(t));
      peakRss = Math.max(peakRss, rssMb());
    }
    const oursMb = peakRss - rssBefore;

    // Baseline: the whole file in memory.
    const t1 = process.hrtime.bigint();
    const all = await fs.promises.readFile(file);
    const offset = all.length - reader.frames * CHANNELS * 4;
    const x = new Float32Array(all.buffer, all.byteOffset + offset, reader.frames * CHANNELS);
    columnsFrom(x, 0, reader.frames);
    const firstBase = ms(t1);
    const baseCosts: number[] = [];
    for (const [start, end] of windows(reader.frames)) {
      const t = process.hrtime.bigint();
      columnsFrom(x, start, end);
      baseCosts.push(ms(t));
    }
    const baseMb = rssMb() - rssBefore;
    const page = await webview(traces, x, reader.frames, channels);
    await reader.close();

    const size = `${(bytes / 1e9).toFixed(2)} GB`;
    return [
      {
        name: `first traces (open, whole-take view sampled while the pyramid builds), ${size}`,
        ours: firstOurs,
        baseline: firstBase,
        baselineName: 'readFile whole + columns',
        unit: 'ms',
      },
      {
        name: 'final traces (open, pyramid built, whole-take view from it)',
        ours: finalOurs,
        baseline: firstBase,
        baselineName: 'readFile whole + columns',
        unit: 'ms',
      },
      {
        name: 'view query p50 (scroll/zoom, 1200 columns × 64 ch)',
        ours: percentile(costs, 0.5),
        baseline: percentile(baseCosts, 0.5),
        baselineName: 'from memory',
        unit: 'ms',
      },
      {
        name: 'view query p95',
        ours: percentile(costs, 0.95),
        baseline: percentile(baseCosts, 0.95),
        baselineName: 'from memory',
        unit: 'ms',
      },
      {
        name: `webview frame p50 (fit lanes, draw, flush; ${page.renderer})`,
        ours: percentile(page.ours, 0.5),
        baseline: percentile(page.base, 0.5),
        baselineName: 'samples in the page (1 s, 10 s windows)',
        unit: 'ms',
      },
      {
        name: 'webview frame p95',
        ours: percentile(page.ours, 0.95),
        baseline: percentile(page.base, 0.95),
        baselineName: 'samples in the page (1 s, 10 s windows)',
        unit: 'ms',
      },
      {
        name: `webview memory (JS heap + arrays; whole take: ${(bytes / 1e6).toFixed(0)} MB, which a peer's page would hold)`,
        ours: page.oursMb,
        baseline: page.baseMb,
        baselineName: `${page.heldS} s of samples held`,
        unit: 'MB',
      },
      {
        name: `host memory added (peak RSS − before; pyramid ${(pyramid.bytes / 1e6).toFixed(1)} MB)`,
        ours: oursMb,
        baseline: baseMb,
        baselineName: 'whole file held',
        unit: 'MB',
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
