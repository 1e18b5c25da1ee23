// The scope web app: a toolbar, the traces (a renderer on one canvas) and an overlay (grid,
// markers, cursor) on another. It pulls one frame per animation frame while live; paused, it asks
// again only when the view changes (scroll, resize, settings), so a paused scope costs nothing.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { SCOPE_PROTOCOL, type HostToScope, type ScopeFrame, type ScopeToHost } from '../shared/protocol';
import { createRenderer, DEFAULT_RENDERER } from './render/index';
import { plotBox } from './render/geometry';
import { isSparse, toPixelColumns } from './render/sparse';
import type { Lane, ScopeRenderer } from './render/types';
import { AutoRange, extent, type Range } from './scale';
import { drawOverlay, xOfFrame } from './overlay';
import { measurement, niceStep, xyExtent } from './measure';
import { readPalette, onThemeChange, type Palette } from './theme';
import { restore, WINDOWS_S, windowLabel, windowOf, type ScopeSettings } from './settings';
import { buildDom, type Dom } from './dom';
import { ColumnStore } from './columns';
import { valueWithUnit } from './format';

interface VsCodeApi {
  postMessage(message: ScopeToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type SessionInfo = Extract<HostToScope, { type: 'session' }>;

const LABEL_WIDTH = 110;

/**
 * The last frames' figures (when drawn, what receiving and drawing cost, wire to pixel), read by
 * `npm run bench -- scope-vscode` from the page in a real VS Code; bounded, nothing else reads it.
 */
const TIMINGS: Array<{ at: number; costMs: number; latencyMs: number | null; bytes: number; pushed: boolean }> = [];
(globalThis as { labscopeTimings?: typeof TIMINGS }).labscopeTimings = TIMINGS;
const AXIS_HEIGHT = 18;

class Scope {
  private readonly vscode = acquireVsCodeApi();
  private readonly dom: Dom;
  private readonly renderer: ScopeRenderer;
  private readonly overlay: CanvasRenderingContext2D;
  private settings: ScopeSettings;
  private palette: Palette = readPalette();
  private session?: SessionInfo;
  private frame?: ScopeFrame;
  private minmax: Float32Array = new Float32Array(0);
  /** A slow window's samples joined into pixel columns (reused from frame to frame). */
  private pixels?: Float32Array;
  private readonly store = new ColumnStore();
  private seq = 0;
  private waiting = false;
  private again = false;
  private ranges: AutoRange[] = [];
  private cursorX?: number;
  private dpr = window.devicePixelRatio || 1;
  private fps = { frames: 0, since: performance.now(), value: 0 };
  private latencyMs?: number;
  /** Bumped by Arm: the host takes a single trigger again. */
  private armed = 0;

  constructor() {
    const device = JSON.parse(document.body.dataset.device ?? '{}') as { device?: string };
    this.settings = restore(this.vscode.getState(), device.device ?? '');
    this.dom = buildDom(document.getElementById('app')!, this.settings, {
      pause: () => this.setPaused(!this.settings.paused),
      reconnect: () => this.post({ type: 'reconnect' }),
      window: (s) => this.update({ windowS: s }),
      layout: (l) => this.update({ layout: l }),
      autoscale: (on) => this.update({ autoscale: on }),
      range: (lo, hi) => this.update({ lo, hi }),
      visible: (name, shown) =>
        this.update({ hidden: shown ? this.settings.hidden.filter((h) => h !== name) : [...this.settings.hidden, name] }),
      view: (view) => this.update({ view, cursors: { a: null, b: null } }),
      trigger: (change) => this.update({ trigger: { ...this.settings.trigger, ...change } }),
      arm: () => {
        this.armed++;
        this.request();
      },
      spectrum: (change) => this.update({ spectrum: { ...this.settings.spectrum, ...change } }),
      xy: (change) => this.update({ xy: { ...this.settings.xy, ...change } }),
      export: (format) => this.exportView(format),
      clearCursors: () => this.update({ cursors: { a: null, b: null } }),
    });
    this.renderer = createRenderer(this.dom.traces, DEFAULT_RENDERER);
    this.overlay = this.dom.overlay.getContext('2d')!;
    this.save();

    window.addEventListener('message', (event: MessageEvent<HostToScope>) => this.onMessage(event.data));
    new ResizeObserver(() => this.resize()).observe(this.dom.plot);
    onThemeChange(() => {
      this.palette = readPalette();
      this.draw();
    });
    this.dom.plot.addEventListener('pointermove', (e) => this.pointer(e));
    this.dom.plot.addEventListener('pointerleave', () => this.pointer());
    this.dom.plot.addEventListener('wheel', (e) => this.scroll(e), { passive: false });
    this.dom.plot.addEventListener('click', (e) => this.place(e));
    window.addEventListener('keydown', (e) => {
      // Space belongs to a focused control (it opens a select, ticks a box); elsewhere it pauses.
      if (
        e.key === ' ' &&
        !(e.target instanceof HTMLElement && e.target.closest('vscode-textfield, vscode-single-select, vscode-checkbox, vscode-button'))
      ) {
        e.preventDefault();
        this.setPaused(!this.settings.paused);
      }
      if (e.key === 'Escape' && (this.settings.cursors.a !== null || this.settings.cursors.b !== null))
        this.update({ cursors: { a: null, b: null } });
    });
    this.resize();
    this.post({ type: 'ready', protocol: SCOPE_PROTOCOL });
  }

  private post(message: ScopeToHost): void {
    this.vscode.postMessage(message);
  }

  private save(): void {
    this.vscode.setState(this.settings);
  }

  private update(change: Partial<ScopeSettings>): void {
    this.settings = { ...this.settings, ...change };
    if ('layout' in change || 'hidden' in change || 'autoscale' in change || 'view' in change || 'spectrum' in change) this.ranges = [];
    // Another view's frames are not columns of this one.
    if ('view' in change || 'trigger' in change) this.store.forget();
    this.save();
    this.dom.sync(this.settings, this.session);
    this.request();
  }

  private setPaused(paused: boolean): void {
    // The frame rate counts from here: a pause is not slow drawing.
    this.fps = { frames: 0, since: performance.now(), value: this.fps.value };
    this.update({ paused, end: paused ? (this.frame?.windowEnd ?? null) : null });
  }

  private onMessage(message: HostToScope): void {
    if (message.type === 'session') {
      // A new session numbers its frames from 0: what the page holds belongs to the old one.
      const changed = this.session?.id !== message.id || JSON.stringify(this.session?.channels) !== JSON.stringify(message.channels);
      this.session = message;
      if (changed) {
        this.frame = undefined;
        this.ranges = [];
        this.store.forget();
        // A request to the old session may never be answered (the host drops those it cannot
        // serve): the new one is asked afresh, not after an answer that is not coming.
        this.waiting = false;
        this.again = false;
      }
      this.dom.sync(this.settings, message);
      this.request();
    } else if (message.type === 'frame') {
      const received = performance.now();
      this.waiting = false;
      if (message.seq !== this.seq) return; // an answer to a request the view has moved past
      try {
        // A triggered, spectrum or XY frame is whole each time: only plain time frames come as deltas.
        if (message.key === undefined) this.store.forget();
        this.minmax = this.store.accept(message, new Float32Array(message.minmax));
      } catch {
        // Columns sent against a state this page has dropped: ask again for the whole window.
        this.store.forget();
        requestAnimationFrame(() => this.request());
        return;
      }
      this.frame = message;
      const started = performance.now();
      this.draw();
      const at = performance.timeOrigin + performance.now();
      if (message.sentAt !== undefined) this.latencyMs = at - message.sentAt;
      else if (message.spectrum) this.latencyMs = undefined;
      this.post({ type: 'drawn', seq: message.seq, at, drawMs: performance.now() - started });
      if (
        TIMINGS.push({
          at,
          costMs: performance.now() - received,
          latencyMs: message.sentAt !== undefined ? at - message.sentAt : null,
          bytes: message.minmax.byteLength,
          pushed: message.pushed === true,
        }) > 20_000
      )
        TIMINGS.splice(0, 10_000);
      this.count();
      // An ended session's view is frozen: asked again only when the view changes, like a paused one.
      // Pushed frames keep coming by themselves; pulled ones are asked for again each animation frame.
      if (this.again || (!message.pushed && !this.settings.paused && !this.session?.ended)) requestAnimationFrame(() => this.request());
      this.again = false;
    }
  }

  /** Visible channel indices, in order. */
  private visible(): number[] {
    const channels = this.session?.channels ?? [];
    return channels.flatMap((c, i) => (this.settings.hidden.includes(c.name) ? [] : [i]));
  }

  private request(): void {
    const s = this.session;
    if (!s || !s.channels.length || !s.rate) return;
    if (this.waiting) {
      this.again = true; // asked once the pending answer is in
      return;
    }
    const columns = Math.max(1, Math.floor(this.dom.traces.width - LABEL_WIDTH * this.dpr));
    const view = this.settings.view;
    const names = s.channels.map((c) => c.name);
    const visible = this.visible();
    const index = (name: string, fallback: number) => (names.includes(name) ? names.indexOf(name) : fallback);
    const t = this.settings.trigger;
    const trigger =
      view === 'time' && t.mode !== 'off' && !this.settings.paused
        ? {
            mode: t.mode,
            channel: index(t.channel, visible[0] ?? 0),
            slope: t.slope,
            level: t.level,
            holdoffS: t.holdoffMs / 1000,
            pre: t.pre,
            arm: this.armed,
          }
        : null;
    this.waiting = true;
    this.post({
      type: 'request',
      seq: ++this.seq,
      columns,
      windowS: windowOf(this.settings, s.rate),
      end: this.settings.paused ? this.settings.end : null,
      channels: visible,
      // A triggered view's free-running frames are live columns too; its triggered ones come whole.
      have: view === 'time' ? this.store.have() : null,
      ...(trigger ? { trigger } : {}),
      ...(view === 'spectrum' ? { spectrum: this.settings.spectrum } : {}),
      ...(view === 'xy' ? { xy: { x: index(this.settings.xy.x, 0), y: index(this.settings.xy.y, Math.min(1, names.length - 1)) } } : {}),
    });
  }

  /** A click on the plot places cursor A, then B, then moves the nearer; shift-click places B. */
  private place(e: MouseEvent): void {
    // Only clicks on the plot itself: the banner's Reconnect and the readouts sit over it too.
    if (!this.frame || this.frame.xy || (e.target !== this.dom.overlay && e.target !== this.dom.traces)) return;
    const rect = this.dom.plot.getBoundingClientRect();
    const left = LABEL_WIDTH;
    const share = (e.clientX - rect.left - left) / Math.max(1, rect.width - left);
    if (share < 0 || share > 1) return;
    const { a, b } = this.settings.cursors;
    // B when asked for (shift) or when A is the only one placed; else A, unless B is the nearer.
    const placeB = e.shiftKey || (a !== null && (b === null || Math.abs(share - b) < Math.abs(share - a)));
    this.update({ cursors: placeB ? { a, b: share } : { a: share, b } });
  }

  /** Export: the visible range's samples (time view), or the plot as it is drawn. */
  private exportView(format: 'csv' | 'npy' | 'png'): void {
    const f = this.frame;
    if (!f) return;
    if (format === 'png') {
      const out = document.createElement('canvas');
      out.width = this.dom.traces.width;
      out.height = this.dom.traces.height;
      const ctx = out.getContext('2d')!;
      ctx.fillStyle = this.palette.background;
      ctx.fillRect(0, 0, out.width, out.height);
      // Drawn again and copied in the same task: a WebGL canvas's pixels last until it is composited.
      this.draw();
      ctx.drawImage(this.dom.traces, 0, 0);
      ctx.drawImage(this.dom.overlay, 0, 0);
      this.post({ type: 'export', format: 'png', data: out.toDataURL('image/png') });
      return;
    }
    const start = Math.max(0, f.windowStart, f.oldest);
    if (f.windowEnd <= start || f.spectrum || f.xy) return;
    this.post({ type: 'export', format, start, end: f.windowEnd, channels: f.channels });
  }

  private resize(): void {
    this.dpr = window.devicePixelRatio || 1;
    const { width, height } = this.dom.plot.getBoundingClientRect();
    const w = Math.max(1, Math.round(width * this.dpr));
    const h = Math.max(1, Math.round(height * this.dpr));
    for (const canvas of [this.dom.traces, this.dom.overlay]) {
      canvas.width = w;
      canvas.height = h;
    }
    this.renderer.resize(w, h);
    this.draw();
    this.request();
  }

  private lanes(rows: number): Lane[] {
    const top = 0;
    const height = this.dom.traces.height - AXIS_HEIGHT * this.dpr;
    const stacked = this.settings.layout === 'stacked';
    const laneHeight = stacked ? height / Math.max(1, rows) : height;
    const ranges = this.laneRanges(rows);
    return Array.from({ length: rows }, (_, i) => ({
      top: top + (stacked ? i * laneHeight : 0),
      height: laneHeight,
      lo: ranges[i].lo,
      hi: ranges[i].hi,
      color: this.palette.series[(this.frame?.channels[i] ?? i) % this.palette.series.length],
    }));
  }

  private laneRanges(rows: number): Range[] {
    if (!this.settings.autoscale) return Array.from({ length: rows }, () => ({ lo: this.settings.lo, hi: this.settings.hi }));
    const columns = this.frame?.columns ?? 0;
    if (this.settings.layout === 'overlay') {
      let all: Range | undefined;
      for (let r = 0; r < rows; r++) {
        const e = this.extentOf(columns, r);
        if (e) all = all ? { lo: Math.min(all.lo, e.lo), hi: Math.max(all.hi, e.hi) } : e;
      }
      const range = (this.ranges[0] ??= new AutoRange()).update(all) ?? { lo: -1, hi: 1 };
      return Array.from({ length: rows }, () => range);
    }
    return Array.from(
      { length: rows },
      (_, r) => (this.ranges[r] ??= new AutoRange()).update(this.extentOf(columns, r)) ?? { lo: -1, hi: 1 },
    );
  }

  /** A row's extent; a spectrum's reaches down at most 160 dB below its peak (empty bins read -300 dB). */
  private extentOf(columns: number, row: number): Range | undefined {
    const e = extent(this.minmax, columns, row);
    return e && this.frame?.spectrum ? { lo: Math.max(e.lo, e.hi - 160), hi: e.hi } : e;
  }

  private draw(): void {
    const f = this.frame;
    const s = this.session;
    this.dom.message.textContent = !s
      ? 'Waiting for the session…'
      : s.ended && f
        ? '' // the banner says it, over the frozen traces
        : s.error
          ? `${s.state}: ${s.error}`
          : !s.channels.length
            ? `${s.title} is ${s.state}. Connect it to see its signals.`
            : f?.trigger && f.trigger.state === 'waiting'
              ? `Waiting for a trigger: ${s.channels[this.triggerChannel()]?.name ?? ''} ${this.settings.trigger.slope} through ${this.settings.trigger.level}`
              : f?.spectrum?.averaged === 0
                ? `Collecting ${f.spectrum.size} samples for the spectrum…`
                : '';
    if (!f || !s) {
      this.overlay.clearRect(0, 0, this.dom.overlay.width, this.dom.overlay.height);
      return;
    }
    this.dom.values.hidden = f.spectrum !== undefined || f.xy !== undefined;
    if (f.xy) {
      this.drawXy(f, s);
      this.footer(f, s);
      return;
    }
    const rows = f.channels.length;
    const lanes = this.lanes(rows);
    const left = LABEL_WIDTH * this.dpr;
    const box = plotBox(left, this.dom.traces.width - left);
    let minmax = this.minmax;
    let columns = f.columns;
    if (isSparse(f.columns, box.width)) {
      const style = f.spectrum ? 'lines' : s.trace;
      // Fewer samples than pixels: joined here (lines, or steps for polled readings), with a dot on
      // each sample when they are far enough apart to tell, so a 1 Hz analyser is a line too.
      const radius = Math.max(1, Math.round(2 * this.dpr));
      this.pixels = toPixelColumns(
        {
          minmax: this.minmax,
          columns: f.columns,
          rows,
          width: box.width,
          style,
          radius,
          dotHeight: lanes.map((l) => (radius * (l.hi - l.lo)) / Math.max(1, l.height)),
          everySample: box.width / f.columns >= 6 * radius,
        },
        this.pixels,
      );
      minmax = this.pixels;
      columns = box.width;
    }
    this.renderer.draw({ minmax, columns, lanes, left: box.left, width: box.width });
    drawOverlay({
      ctx: this.overlay,
      dpr: this.dpr,
      left,
      top: 0,
      width: this.dom.traces.width - left,
      height: this.dom.traces.height - AXIS_HEIGHT * this.dpr,
      lanes,
      labels: f.channels.map(
        (c, i) => `${s.channels[c]?.name ?? c} ${fmt(lanes[i].lo)}…${fmt(lanes[i].hi)} ${f.spectrum ? 'dB' : (s.channels[c]?.unit ?? '')}`,
      ),
      windowStart: f.windowStart,
      windowEnd: f.windowEnd,
      rate: s.rate,
      markers: f.markers,
      cursorX: this.cursorX,
      palette: this.palette,
      ...(f.spectrum ? { frequency: { maxHz: f.spectrum.bins * f.spectrum.binHz } } : {}),
      cursors: (['a', 'b'] as const).flatMap((k) => {
        const share = this.settings.cursors[k];
        return share === null ? [] : [{ x: box.left + share * box.width, label: k.toUpperCase() }];
      }),
      ...(f.trigger ? { trigger: this.triggerMarks(f, lanes, box) } : {}),
    });
    this.readout();
    this.latest(lanes);
    const lines = measurement({
      frame: f,
      minmax: this.minmax,
      rate: s.rate,
      a: this.settings.cursors.a,
      b: this.settings.cursors.b,
      rows: f.channels.map((c) => s.channels[c] ?? { name: String(c), unit: '' }),
    });
    const text = lines.join('\n');
    if (this.dom.measure.textContent !== text) this.dom.measure.textContent = text;
    this.dom.measure.hidden = lines.length === 0;
    this.footer(f, s);
  }

  /** The trigger channel's index (the one chosen, else the first shown). */
  private triggerChannel(): number {
    const names = this.session?.channels.map((c) => c.name) ?? [];
    const i = names.indexOf(this.settings.trigger.channel);
    return i >= 0 ? i : (this.visible()[0] ?? 0);
  }

  /** Where the trigger and its level are drawn: x of its frame, y of its level in its channel's lane. */
  private triggerMarks(f: ScopeFrame, lanes: Lane[], box: { left: number; width: number }): { x?: number; y?: number } {
    const marks: { x?: number; y?: number } = {};
    if (f.trigger?.frame !== null && f.trigger?.frame !== undefined)
      marks.x = xOfFrame(f.trigger.frame, { left: box.left, width: box.width, windowStart: f.windowStart, windowEnd: f.windowEnd });
    const lane = lanes[f.channels.indexOf(this.triggerChannel())];
    const level = this.settings.trigger.level;
    if (lane && level >= lane.lo && level <= lane.hi) marks.y = lane.top + ((lane.hi - level) / (lane.hi - lane.lo || 1)) * lane.height;
    return marks;
  }

  /** Channel y against channel x over the window, on the overlay (the trace canvas is cleared). */
  private drawXy(f: ScopeFrame, s: SessionInfo): void {
    const ctx = this.overlay;
    const dpr = this.dpr;
    const left = LABEL_WIDTH * dpr;
    const width = this.dom.traces.width - left;
    const height = this.dom.traces.height - AXIS_HEIGHT * dpr;
    this.renderer.draw({ minmax: new Float32Array(0), columns: 0, lanes: [], left, width });
    ctx.clearRect(0, 0, this.dom.overlay.width, this.dom.overlay.height);
    this.dom.readout.hidden = true;
    this.dom.measure.hidden = true;
    const points = new Float32Array(f.xy!.points);
    const count = f.xy!.count;
    const fixed = !this.settings.autoscale;
    const e = fixed ? { x0: this.settings.lo, x1: this.settings.hi, y0: this.settings.lo, y1: this.settings.hi } : xyExtent(points, count);
    const names = s.channels.map((c) => c.name);
    const xi = names.includes(this.settings.xy.x) ? names.indexOf(this.settings.xy.x) : 0;
    const yi = names.includes(this.settings.xy.y) ? names.indexOf(this.settings.xy.y) : Math.min(1, names.length - 1);
    const X = s.channels[xi];
    const Y = s.channels[yi];
    ctx.font = `${11 * dpr}px var(--vscode-font-family, sans-serif)`;
    ctx.textBaseline = 'top';
    ctx.fillStyle = this.palette.foreground;
    ctx.fillText(`Y: ${Y?.name ?? ''} ${Y?.unit ?? ''}`, 4 * dpr, 2 * dpr, left - 8 * dpr);
    if (!e) return;
    const px = (x: number) => left + ((x - e.x0) / (e.x1 - e.x0)) * width;
    const py = (y: number) => ((e.y1 - y) / (e.y1 - e.y0)) * height;
    // Grid: nice steps on both axes, labelled; zero lines a little stronger.
    ctx.strokeStyle = this.palette.grid;
    ctx.lineWidth = Math.max(1, Math.round(dpr));
    ctx.beginPath();
    const sx = niceStep(e.x1 - e.x0);
    for (let x = Math.ceil(e.x0 / sx) * sx; x <= e.x1; x += sx) {
      ctx.moveTo(Math.round(px(x)) + 0.5, 0);
      ctx.lineTo(Math.round(px(x)) + 0.5, height);
      ctx.fillText(fmt(x), px(x) + 2 * dpr, height + 3 * dpr);
    }
    const sy = niceStep(e.y1 - e.y0);
    for (let y = Math.ceil(e.y0 / sy) * sy; y <= e.y1; y += sy) {
      ctx.moveTo(left, Math.round(py(y)) + 0.5);
      ctx.lineTo(left + width, Math.round(py(y)) + 0.5);
      ctx.fillText(fmt(y), left - 50 * dpr, py(y) - 6 * dpr, 46 * dpr);
    }
    ctx.globalAlpha = 0.35;
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillText(`X: ${X?.name ?? ''} ${X?.unit ?? ''}`, left + width - 160 * dpr, height - 14 * dpr, 156 * dpr);
    ctx.strokeStyle = this.palette.series[xi % this.palette.series.length];
    ctx.globalAlpha = 0.85;
    ctx.beginPath();
    let open = false;
    for (let i = 0; i < count; i++) {
      const x = points[i * 2];
      const y = points[i * 2 + 1];
      if (x !== x || y !== y) {
        open = false;
        continue;
      }
      if (open) ctx.lineTo(px(x), py(y));
      else ctx.moveTo(px(x), py(y));
      open = true;
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  private footer(f: ScopeFrame, s: SessionInfo): void {
    const trigger = f.trigger
      ? {
          triggered: 'Triggered',
          waiting: 'Waiting for a trigger',
          auto: 'Auto: no trigger, free-running',
          stopped: 'Stopped: single capture',
        }[f.trigger.state]
      : '';
    if (this.dom.triggerState.textContent !== trigger) this.dom.triggerState.textContent = trigger;
    const spectrum = f.spectrum
      ? `${f.spectrum.size}-point FFT · Δf ${fmt(f.spectrum.binHz)} Hz · ${f.spectrum.averaged} averaged`
      : f.xy
        ? `XY: ${f.xy.count} points${f.xy.step > 1 ? ` (every ${f.xy.step}th frame)` : ''}`
        : '';
    this.dom.stats.textContent = [
      `${(f.stats.measuredRate || s.rate).toFixed(f.stats.measuredRate >= 100 ? 0 : 2)} Hz`,
      `${f.stats.gaps} gaps`,
      `clock drift ${f.stats.driftMs >= 0 ? '+' : ''}${f.stats.driftMs.toFixed(1)} ms`,
      // Paused or frozen, the newest frame shown grows old: that is no latency.
      this.latencyMs !== undefined && !this.settings.paused && !s.ended ? `latency ${this.latencyMs.toFixed(0)} ms` : '',
      `${this.fps.value.toFixed(0)} fps`,
      // Delta frames are often a few bytes (a slow stream) or none: bytes below 10 KB.
      f.minmax.byteLength < 10_240 ? `${f.minmax.byteLength} B/frame` : `${(f.minmax.byteLength / 1024).toFixed(0)} KB/frame`,
      spectrum,
      trigger,
      this.settings.paused ? 'paused' : '',
      s.ended ? 'frozen' : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }

  /**
   * Each lane's newest value and unit under its name, in its colour (what a user of a slow
   * instrument reads first). Stacked: in each lane tall enough; overlaid: one line each, as many
   * as the plot holds.
   */
  private latest(lanes: Lane[]): void {
    const f = this.frame;
    const s = this.session;
    const box = this.dom.values;
    const rows = f && s ? f.channels.length : 0;
    while (box.children.length > rows) box.lastElementChild!.remove();
    while (box.children.length < rows) box.append(document.createElement('div'));
    if (!f || !s) return;
    const stacked = this.settings.layout === 'stacked';
    const plotHeight = (this.dom.traces.height - AXIS_HEIGHT * this.dpr) / this.dpr;
    f.channels.forEach((c, i) => {
      const div = box.children[i] as HTMLElement;
      const laneHeight = lanes[i].height / this.dpr;
      const small = stacked ? laneHeight < 34 : true;
      const top = stacked ? lanes[i].top / this.dpr + 14 : 14 + i * 18;
      const shown = stacked ? laneHeight >= 26 : top + 18 <= plotHeight;
      const channel = s.channels[c];
      const value = valueWithUnit(f.latest[i], channel?.unit ?? '');
      // Overlaid lanes share one label: each value says whose it is.
      const text = stacked ? value : `${channel?.name ?? c}: ${value}`;
      if (div.textContent !== text) div.textContent = text;
      const name = channel?.name ?? String(c);
      if (div.dataset.channel !== name) div.dataset.channel = name;
      const className = small ? 'lane-value small' : 'lane-value';
      if (div.className !== className) div.className = className;
      div.style.top = `${top}px`;
      div.style.color = lanes[i].color;
      div.hidden = !shown;
    });
  }

  /** Time and values under the cursor. */
  private readout(): void {
    const f = this.frame;
    const s = this.session;
    const x = this.cursorX;
    if (!f || !s || x === undefined) {
      this.dom.readout.hidden = true;
      return;
    }
    const left = LABEL_WIDTH * this.dpr;
    const at = ((x - left) / (this.dom.traces.width - left)) * f.columns;
    const per = (f.windowEnd - f.windowStart) / f.columns;
    // A column per sample (a slow window): the sample nearest the cursor, at its own time.
    const single = per === 1;
    const column = single ? Math.min(f.columns - 1, Math.round(at)) : Math.floor(at);
    if (at < 0 || column < 0 || column >= f.columns) {
      this.dom.readout.hidden = true;
      return;
    }
    const frame = f.windowStart + (single ? column : (column + 0.5) * per);
    const lines = [
      f.spectrum
        ? `f = ${fmt(((column + 0.5) / f.columns) * f.spectrum.bins * f.spectrum.binHz)} Hz`
        : `t = ${(frame / s.rate).toFixed(4)} s`,
    ];
    f.channels.slice(0, 12).forEach((c, row) => {
      const lo = this.minmax[(row * f.columns + column) * 2];
      const hi = this.minmax[(row * f.columns + column) * 2 + 1];
      const value = Number.isNaN(lo) ? '—' : lo === hi ? fmt(lo) : `${fmt(lo)} … ${fmt(hi)}`;
      lines.push(`${s.channels[c]?.name ?? c}: ${value} ${f.spectrum ? 'dB' : (s.channels[c]?.unit ?? '')}`);
    });
    if (f.channels.length > 12) lines.push(`… ${f.channels.length - 12} more`);
    this.dom.readout.textContent = lines.join('\n');
    this.dom.readout.hidden = false;
    this.dom.readout.style.left = `${Math.min(x / this.dpr + 12, this.dom.plot.clientWidth - 220)}px`;
  }

  private pointer(e?: PointerEvent): void {
    if (e) {
      const rect = this.dom.plot.getBoundingClientRect();
      this.cursorX = (e.clientX - rect.left) * this.dpr;
    } else {
      this.cursorX = undefined;
    }
    this.draw();
  }

  /** Wheel: scroll back through what the ring holds (pausing the live view). */
  private scroll(e: WheelEvent): void {
    const f = this.frame;
    if (!f) return;
    e.preventDefault();
    const span = f.windowEnd - f.windowStart;
    const delta = (e.deltaX || e.deltaY) / Math.max(1, this.dom.plot.clientWidth);
    const current = this.settings.paused && this.settings.end !== null ? this.settings.end : f.windowEnd;
    const end = Math.round(Math.min(f.newest, Math.max(f.oldest + span, current + delta * span)));
    this.update({ paused: true, end });
  }

  private count(): void {
    const now = performance.now();
    this.fps.frames++;
    if (now - this.fps.since >= 1000) {
      this.fps.value = (this.fps.frames * 1000) / (now - this.fps.since);
      this.fps = { frames: 0, since: now, value: this.fps.value };
    }
  }
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-2) ? v.toExponential(2) : v.toFixed(a >= 100 ? 0 : a >= 1 ? 1 : 3);
}

export { WINDOWS_S, windowLabel };
new Scope();
