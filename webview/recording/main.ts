// The recording editor's page: lanes of min/max columns drawn by the scope's renderer, an overview
// strip of the whole take, markers, gaps and crop marks over them, a marker list and a readout.
// The host owns the document: every edit goes out as an intent and the page redraws from the
// host's 'state' reply, so undo/redo/save stay VS Code's. Views are asked for only as wide as the
// plot, one request in flight per view (RequestGate), stale replies dropped by id.
import type {
  HostToRecording,
  RecordingEditIntent,
  RecordingMarkerInfo,
  RecordingState,
  RecordingToHost,
  RecordingViewAnswer,
} from '../shared/recording-protocol';
import { RECORDING_PROTOCOL } from '../shared/recording-protocol';
import { createRenderer } from '../scope/render';
import type { Lane } from '../scope/render';
import { formatValue } from '../scope/format';
import { onThemeChange, readPalette } from '../scope/theme';
import type { Palette } from '../scope/theme';
import * as V from './view';

declare function acquireVsCodeApi(): { postMessage(m: RecordingToHost): void };
const vscode = acquireVsCodeApi();
const post = (m: RecordingToHost) => vscode.postMessage(m);
const edit = (e: RecordingEditIntent) => post({ type: 'edit', edit: e });

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, parent?: HTMLElement, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  parent?.appendChild(e);
  return e;
}

// Layout (CSS pixels): lane names to the left of the plot, axis below it, the overview under that.
const LABEL_W = 150;
const AXIS_H = 20;

const app = document.getElementById('app') ?? el('div', '', document.body);
app.classList.add('recording');
const toolbar = el('div', 'toolbar', app);
const title = el('span', 'title', toolbar);
const timeMode = el('select', '', toolbar);
for (const [v, t] of [
  ['seconds', 'Seconds'],
  ['samples', 'Samples'],
  ['clock', 'Wall clock'],
] as const)
  el('option', '', timeMode, t).value = v;
timeMode.title = 'Time shown as';
const fitButton = el('button', '', toolbar, 'Auto-fit');
fitButton.title = 'Fit every lane to what is visible (F)';
const unitLabel = el('label', '', toolbar);
const sameUnit = el('input', '', unitLabel);
sameUnit.type = 'checkbox';
unitLabel.append(' same scale per unit');
const markerButton = el('button', '', toolbar, 'Add marker');
markerButton.title = 'Add a marker at the cursor, or over the selection (M)';
const cropButton = el('button', '', toolbar, 'Crop marks from selection');
const clearCropButton = el('button', '', toolbar, 'Clear crop');
const undoButton = el('button', '', toolbar, 'Undo');
const redoButton = el('button', '', toolbar, 'Redo');
const dirtyMark = el('span', 'dirty', toolbar);
const banner = el('div', 'banner', app);
banner.hidden = true;
const body = el('div', 'body', app);
const plotColumn = el('div', 'plot-column', body);
const plotBox = el('div', 'plot', plotColumn);
plotBox.tabIndex = 0;
const traceCanvas = el('canvas', 'traces', plotBox);
const overlayCanvas = el('canvas', 'overlay', plotBox);
const overviewBox = el('div', 'overview', plotColumn);
const overviewCanvas = el('canvas', 'traces', overviewBox);
const overviewOverlay = el('canvas', 'overlay', overviewBox);
const readout = el('div', 'readout', plotColumn, ' ');
const side = el('div', 'side', body);
const filter = el('input', 'filter', side);
filter.placeholder = 'Filter markers';
const markerList = el('ul', 'markers', side);
el('div', 'side-title', side, 'Notes');
const notes = el('textarea', 'notes', side);

const renderer = createRenderer(traceCanvas);
const overviewRenderer = createRenderer(overviewCanvas);
let palette: Palette = readPalette();
onThemeChange(() => {
  palette = readPalette();
  redraw();
});

// What the host told us.
let info: Extract<HostToRecording, { type: 'init' }> | null = null;
let state: RecordingState | null = null;
let frames = 0;
// What the page shows.
let win: V.ViewWindow = { start: 0, end: 1 };
let view: RecordingViewAnswer | null = null;
let overview: RecordingViewAnswer | null = null;
/** The host's pyramid is built: a provisional (sampled) answer is asked for again, for the real one. */
let pyramidBuilt = false;
const scales = new Map<number, { lo: number; hi: number }>();
let cursorX: number | undefined;
let selection: { start: number; end: number } | null = null;
let selectedMarker: string | null = null;
let dragMarker: { id: string; edge: 'start' | 'end'; row: number; duration: number } | null = null;
let lastFrameMs = 0;

const dpr = () => window.devicePixelRatio || 1;
const plotLeft = () => LABEL_W * dpr();
const plotWidth = () => Math.max(1, overlayCanvas.width - plotLeft());
const plotHeight = () => Math.max(1, overlayCanvas.height - AXIS_H * dpr());
const channelIndices = () => (info ? info.state.channels.map((_, i) => i) : []);
const timeContext = (): V.TimeContext => ({
  mode: timeMode.value as V.TimeMode,
  rate: info?.rate ?? 0,
  startTime: info?.startTime ?? null,
  anchors: info?.anchors ?? [],
});

const viewGate = new V.RequestGate<V.ViewWindow>((id, w) =>
  post({ type: 'view', id, start: w.start, end: w.end, columns: Math.min(8192, Math.round(plotWidth())), channels: channelIndices() }),
);
const overviewGate = new V.RequestGate<number>((id, columns) => post({ type: 'overview', id, columns, channels: channelIndices() }));

function requestView(): void {
  if (info && state && state.channels.length) viewGate.want({ ...win });
}
function requestOverview(): void {
  if (info && state && state.channels.length) overviewGate.want(Math.min(8192, Math.max(16, overviewCanvas.width)));
}

function setWindow(w: V.ViewWindow): void {
  const next = V.clampWindow(w, frames);
  if (next.start === win.start && next.end === win.end) return;
  win = next;
  redraw();
  requestView();
}

function lanes(): Lane[] {
  if (!state || !view) return [];
  const n = state.channels.length;
  const h = plotHeight() / Math.max(1, n);
  const ranges = state.channels.map((_, i) => scales.get(i) ?? V.seriesRange(view!.minmax, i, view!.columns) ?? { lo: -1, hi: 1 });
  if (sameUnit.checked) {
    const byUnit = new Map<string, { lo: number; hi: number } | null>();
    state.channels.forEach((c, i) => byUnit.set(c.unit, V.unionRanges([byUnit.get(c.unit) ?? null, ranges[i]])));
    state.channels.forEach((c, i) => (ranges[i] = byUnit.get(c.unit) ?? ranges[i]));
  }
  return state.channels.map((c, i) => ({
    top: i * h,
    height: h,
    lo: ranges[i].lo,
    hi: ranges[i].hi,
    color: c.bad ? palette.grid : palette.series[i % palette.series.length],
  }));
}

function redraw(): void {
  const t0 = performance.now();
  drawPlot();
  drawOverview();
  lastFrameMs = performance.now() - t0;
  plotBox.dataset.frameMs = lastFrameMs.toFixed(2);
}

function drawPlot(): void {
  const ctx = overlayCanvas.getContext('2d');
  if (!ctx || !state) return;
  const L = lanes();
  if (view && view.start === win.start && view.end === win.end)
    renderer.draw({ minmax: Float32Array.from(view.minmax), columns: view.columns, lanes: L, left: plotLeft(), width: plotWidth() });
  else if (view) {
    // A reply for an older window: drawn shifted/stretched to where its rows now are, until the new one comes.
    const left = V.xOfRow(view.start, plotLeft(), plotWidth(), win);
    const width = V.xOfRow(view.end, plotLeft(), plotWidth(), win) - left;
    renderer.draw({ minmax: Float32Array.from(view.minmax), columns: view.columns, lanes: L, left, width });
  }
  const d = dpr();
  const left = plotLeft();
  const width = plotWidth();
  const height = plotHeight();
  ctx.clearRect(0, 0, overlayCanvas.width, overlayCanvas.height);
  ctx.font = `${11 * d}px sans-serif`;
  ctx.textBaseline = 'top';
  ctx.lineWidth = Math.max(1, Math.round(d));
  const x = (row: number) => V.xOfRow(row, left, width, win);
  // Gaps: hatched, so a missing stretch cannot pass for a flat signal.
  if (info?.gaps.length) {
    ctx.strokeStyle = palette.foreground;
    for (const g of info.gaps) {
      const x0 = Math.max(left, x(g.row));
      const x1 = Math.min(left + width, Math.max(x(g.row) + 2 * d, x(g.row + Math.max(1, g.frames))));
      if (x1 <= x0) continue;
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, 0, x1 - x0, height);
      ctx.clip();
      ctx.globalAlpha = 0.35;
      ctx.beginPath();
      for (let k = x0 - height; k < x1; k += 6 * d) {
        ctx.moveTo(k, height);
        ctx.lineTo(k + height, 0);
      }
      ctx.stroke();
      ctx.restore();
    }
  }
  // Crop marks: outside the crop dimmed, its edges drawn.
  if (state.crop) {
    ctx.fillStyle = palette.background;
    ctx.globalAlpha = 0.6;
    const c0 = Math.max(left, x(state.crop.start));
    const c1 = Math.min(left + width, x(state.crop.end));
    if (c0 > left) ctx.fillRect(left, 0, c0 - left, height);
    if (c1 < left + width) ctx.fillRect(c1, 0, left + width - c1, height);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = palette.cursor;
    ctx.beginPath();
    for (const r of [state.crop.start, state.crop.end]) {
      ctx.moveTo(Math.round(x(r)) + 0.5, 0);
      ctx.lineTo(Math.round(x(r)) + 0.5, height);
    }
    ctx.stroke();
  }
  if (selection) {
    ctx.fillStyle = palette.cursor;
    ctx.globalAlpha = 0.15;
    ctx.fillRect(x(selection.start), 0, x(selection.end) - x(selection.start), height);
    ctx.globalAlpha = 1;
  }
  // Lane names, units and separators; bad channels greyed.
  state.channels.forEach((c, i) => {
    const lane = L[i];
    if (!lane) return;
    ctx.strokeStyle = palette.grid;
    ctx.beginPath();
    ctx.moveTo(0, Math.round(lane.top + lane.height) + 0.5);
    ctx.lineTo(left + width, Math.round(lane.top + lane.height) + 0.5);
    ctx.stroke();
    ctx.globalAlpha = c.bad ? 0.45 : 1;
    ctx.fillStyle = c.bad ? palette.foreground : palette.series[i % palette.series.length];
    ctx.fillText(`${c.name}${c.unit ? ` (${c.unit})` : ''}${c.bad ? ' · bad' : ''}`, 4 * d, lane.top + 2 * d, left - 8 * d);
    if (lane.height >= 30 * d) {
      ctx.fillStyle = palette.foreground;
      ctx.fillText(formatValue(lane.hi), 4 * d, lane.top + 14 * d, left - 8 * d);
      ctx.textBaseline = 'bottom';
      ctx.fillText(formatValue(lane.lo), 4 * d, lane.top + lane.height - 2 * d, left - 8 * d);
      ctx.textBaseline = 'top';
    }
    ctx.globalAlpha = 1;
  });
  // Time axis.
  ctx.fillStyle = palette.foreground;
  ctx.strokeStyle = palette.grid;
  ctx.beginPath();
  for (const t of V.timeTicks(win, timeContext(), Math.max(2, Math.floor(width / (110 * d))))) {
    const tx = Math.round(x(t.row)) + 0.5;
    ctx.moveTo(tx, 0);
    ctx.lineTo(tx, height);
    ctx.fillText(t.label, tx + 2 * d, height + 4 * d);
  }
  ctx.globalAlpha = 0.4;
  ctx.stroke();
  ctx.globalAlpha = 1;
  // Markers: a line at the start, a translucent band for a duration, the label at the top.
  for (const m0 of state.markers) {
    const m = dragMarker && dragMarker.id === m0.id ? { ...m0, row: dragMarker.row, duration: dragMarker.duration } : m0;
    const x0 = x(m.row);
    if (x0 > left + width || x(m.row + m.duration) < left) continue;
    const laneIndex = m.channel === null ? -1 : state.channels.findIndex((c) => c.name === m.channel);
    const top = laneIndex >= 0 && L[laneIndex] ? L[laneIndex].top : 0;
    const h = laneIndex >= 0 && L[laneIndex] ? L[laneIndex].height : height;
    ctx.fillStyle = palette.marker;
    ctx.strokeStyle = palette.marker;
    if (m.duration > 0) {
      ctx.globalAlpha = 0.18;
      ctx.fillRect(x0, top, x(m.row + m.duration) - x0, h);
      ctx.globalAlpha = 1;
    }
    ctx.lineWidth = (m.id === selectedMarker ? 3 : 1) * Math.max(1, Math.round(d));
    ctx.setLineDash([4 * d, 3 * d]);
    ctx.beginPath();
    ctx.moveTo(Math.round(x0) + 0.5, top);
    ctx.lineTo(Math.round(x0) + 0.5, top + h);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = Math.max(1, Math.round(d));
    ctx.fillText(m.text || m.type, Math.max(left, x0) + 3 * d, top + 2 * d);
  }
  if (cursorX !== undefined) {
    ctx.strokeStyle = palette.cursor;
    ctx.beginPath();
    ctx.moveTo(Math.round(cursorX) + 0.5, 0);
    ctx.lineTo(Math.round(cursorX) + 0.5, height);
    ctx.stroke();
  }
}

function drawOverview(): void {
  const ctx = overviewOverlay.getContext('2d');
  if (!ctx || !state) return;
  const w = overviewCanvas.width;
  const h = overviewCanvas.height;
  if (overview) {
    // Every channel overlaid, each fitted to the strip: the shape of the whole take at a glance.
    const L: Lane[] = overview.channels.map((c, i) => {
      const r = V.seriesRange(overview!.minmax, i, overview!.columns) ?? { lo: -1, hi: 1 };
      return { top: 0, height: h, lo: r.lo, hi: r.hi, color: palette.series[c % palette.series.length] };
    });
    overviewRenderer.draw({ minmax: Float32Array.from(overview.minmax), columns: overview.columns, lanes: L, left: 0, width: w });
  }
  ctx.clearRect(0, 0, w, h);
  const all = { start: 0, end: Math.max(1, frames) };
  const x0 = V.xOfRow(win.start, 0, w, all);
  const x1 = Math.max(x0 + 2, V.xOfRow(win.end, 0, w, all));
  ctx.fillStyle = palette.background;
  ctx.globalAlpha = 0.55;
  ctx.fillRect(0, 0, x0, h);
  ctx.fillRect(x1, 0, w - x1, h);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = palette.cursor;
  ctx.lineWidth = Math.max(1, Math.round(dpr()));
  ctx.strokeRect(x0 + 0.5, 0.5, x1 - x0 - 1, h - 1);
  ctx.fillStyle = palette.marker;
  for (const m of state.markers) ctx.fillRect(Math.round(V.xOfRow(m.row, 0, w, all)), 0, 1, h);
}

function updateReadout(): void {
  if (!state || cursorX === undefined || !view) {
    readout.textContent = ' ';
    return;
  }
  const row = Math.max(0, Math.min(frames - 1, V.rowAtX(cursorX, plotLeft(), plotWidth(), win)));
  const column = Math.floor(((row - view.start) / Math.max(1, view.end - view.start)) * view.columns);
  const parts = [V.formatRowTime(row, timeContext())];
  view.channels.forEach((c, i) => {
    const v = V.columnValue(view!.minmax, i, view!.columns, column);
    const ch = state!.channels[c];
    if (!ch) return;
    const text = !v ? '—' : v.min === v.max ? formatValue(v.min) : `${formatValue(v.min)}…${formatValue(v.max)}`;
    parts.push(`${ch.name} ${text}${ch.unit && v ? ' ' + ch.unit : ''}`);
  });
  readout.textContent = parts.join('   ');
}

function renderSide(): void {
  if (!state) return;
  markerList.replaceChildren();
  for (const m of V.filterMarkers(state.markers, filter.value)) {
    const li = el('li', m.id === selectedMarker ? 'selected' : '', markerList);
    el('span', 'when', li, V.formatRowTime(m.row, timeContext()).replace(/ \(sample \d+\)$/, ''));
    el(
      'span',
      'what',
      li,
      `${m.text || m.type}${m.channel ? ` · ${m.channel}` : ''}${m.duration > 0 && info?.rate ? ` · ${(m.duration / info.rate).toFixed(3)} s` : ''}`,
    );
    li.title = 'Click: jump to · double-click: relabel · Delete: remove';
    li.dataset.id = m.id;
    li.addEventListener('click', () => {
      selectedMarker = m.id;
      setWindow(V.centreOn(win, m.row + m.duration / 2, frames));
      renderSide();
      redraw();
    });
    li.addEventListener('dblclick', () => void relabel(m));
    const del = el('button', 'delete', li, '×');
    del.title = 'Delete this marker';
    del.addEventListener('click', (e) => {
      e.stopPropagation();
      edit({ type: 'deleteMarker', id: m.id });
    });
  }
  if (document.activeElement !== notes) notes.value = state.notes;
  dirtyMark.textContent = state.dirty ? '● unsaved' : '';
  undoButton.disabled = !state.undoLabel;
  undoButton.title = state.undoLabel ? `Undo ${state.undoLabel}` : 'Nothing to undo';
  redoButton.disabled = !state.redoLabel;
  redoButton.title = state.redoLabel ? `Redo ${state.redoLabel}` : 'Nothing to redo';
  clearCropButton.disabled = !state.crop;
}

// An in-page prompt (webviews have no window.prompt): resolves to the text, or null on Escape.
function ask(label: string, initial: string, at?: { x: number; y: number }): Promise<string | null> {
  return new Promise((resolve) => {
    const box = el('form', 'prompt', document.body);
    el('label', '', box, label);
    const input = el('input', '', box);
    input.value = initial;
    const ok = el('button', '', box, 'OK');
    ok.type = 'submit';
    if (at) {
      box.style.left = `${at.x}px`;
      box.style.top = `${at.y}px`;
    }
    const done = (v: string | null) => {
      box.remove();
      plotBox.focus();
      resolve(v);
    };
    box.addEventListener('submit', (e) => {
      e.preventDefault();
      done(input.value);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') done(null);
    });
    input.addEventListener('blur', () => setTimeout(() => box.isConnected && document.activeElement !== ok && done(null), 150));
    input.focus();
    input.select();
  });
}

function menu(items: [string, () => void][], at: { x: number; y: number }): void {
  document.querySelector('.menu')?.remove();
  const box = el('div', 'menu', document.body);
  box.style.left = `${at.x}px`;
  box.style.top = `${at.y}px`;
  for (const [text, act] of items)
    el('button', '', box, text).addEventListener('click', () => {
      box.remove();
      act();
    });
  setTimeout(() => document.addEventListener('pointerdown', (e) => !box.contains(e.target as Node) && box.remove(), { once: true }), 0);
}

async function relabel(m: RecordingMarkerInfo): Promise<void> {
  const text = await ask('Marker text', m.text);
  if (text !== null && text !== m.text) edit({ type: 'relabelMarker', id: m.id, text });
}

async function addMarker(): Promise<void> {
  if (!state) return;
  const row = selection
    ? selection.start
    : Math.round(cursorX !== undefined ? V.rowAtX(cursorX, plotLeft(), plotWidth(), win) : (win.start + win.end) / 2);
  const duration = selection ? selection.end - selection.start : 0;
  const text = await ask('New marker', '');
  if (text === null) return;
  edit({ type: 'addMarker', row: Math.max(0, Math.min(frames, row)), duration, channel: null, markerType: 'annotation', text });
}

function laneAt(yCss: number): number {
  if (!state) return -1;
  const i = Math.floor((yCss * dpr()) / (plotHeight() / Math.max(1, state.channels.length)));
  return i >= 0 && i < state.channels.length ? i : -1;
}

async function renameChannel(i: number, at: { x: number; y: number }): Promise<void> {
  const ch = state?.channels[i];
  if (!ch) return;
  const name = await ask('Channel name', ch.name, at);
  if (name !== null && name.trim() && name.trim() !== ch.name) edit({ type: 'renameChannel', channel: i, name: name.trim() });
}

async function setUnit(i: number, at: { x: number; y: number }): Promise<void> {
  const ch = state?.channels[i];
  if (!ch) return;
  const unit = await ask('Unit', ch.unit, at);
  if (unit !== null && unit.trim() !== ch.unit) edit({ type: 'setUnit', channel: i, unit: unit.trim() });
}

// Pointer: drag pans, shift+drag selects, a marker's line (or a span's end) drags that marker.
let drag: { kind: 'pan' | 'select'; x0: number; start: number; end: number } | null = null;
const localX = (e: MouseEvent) => (e.clientX - plotBox.getBoundingClientRect().left) * dpr();
plotBox.addEventListener('pointerdown', (e) => {
  if (e.button !== 0 || !state) return;
  plotBox.focus();
  const x = localX(e);
  if (x < plotLeft()) return;
  plotBox.setPointerCapture(e.pointerId);
  const hit = V.markerAt(x, state.markers, plotLeft(), plotWidth(), win, 4 * dpr());
  if (hit) {
    selectedMarker = hit.marker.id;
    dragMarker = { id: hit.marker.id, edge: hit.edge, row: hit.marker.row, duration: hit.marker.duration };
    drag = { kind: 'pan', x0: x, start: hit.marker.row, end: hit.marker.row + hit.marker.duration };
    renderSide();
    return;
  }
  const row = Math.round(V.rowAtX(x, plotLeft(), plotWidth(), win));
  if (e.shiftKey) {
    selection = null;
    drag = { kind: 'select', x0: x, start: row, end: row };
  } else drag = { kind: 'pan', x0: x, start: win.start, end: win.end };
});
plotBox.addEventListener('pointermove', (e) => {
  const x = localX(e);
  cursorX = x >= plotLeft() ? x : undefined;
  if (drag && dragMarker) {
    const delta = Math.round(((x - drag.x0) / plotWidth()) * (win.end - win.start));
    if (dragMarker.edge === 'start') dragMarker.row = Math.max(0, Math.min(frames - 1, drag.start + delta));
    else dragMarker.duration = Math.max(0, drag.end - drag.start + delta);
  } else if (drag?.kind === 'pan') {
    const delta = ((x - drag.x0) / plotWidth()) * (drag.end - drag.start);
    setWindow({ start: drag.start - delta, end: drag.end - delta });
  } else if (drag?.kind === 'select') {
    const row = Math.round(Math.max(0, Math.min(frames, V.rowAtX(x, plotLeft(), plotWidth(), win))));
    selection = { start: Math.min(drag.start, row), end: Math.max(drag.start, row) };
  }
  redraw();
  updateReadout();
});
plotBox.addEventListener('pointerup', () => {
  if (dragMarker && state) {
    const m = state.markers.find((k) => k.id === dragMarker!.id);
    if (m && (m.row !== dragMarker.row || m.duration !== dragMarker.duration))
      edit({ type: 'moveMarker', id: m.id, row: dragMarker.row, duration: dragMarker.duration });
  }
  if (drag?.kind === 'select') {
    if (selection && selection.end - selection.start < 1) selection = null;
    post({ type: 'selection', selection });
  }
  drag = null;
  dragMarker = null;
  redraw();
});
plotBox.addEventListener('pointerleave', () => {
  cursorX = undefined;
  redraw();
  updateReadout();
});
plotBox.addEventListener('dblclick', (e) => {
  const x = localX(e);
  const r = plotBox.getBoundingClientRect();
  const i = laneAt(e.clientY - r.top);
  if (x < plotLeft() && i >= 0) void renameChannel(i, { x: e.clientX, y: e.clientY });
  else if (state) {
    const hit = V.markerAt(x, state.markers, plotLeft(), plotWidth(), win, 4 * dpr());
    if (hit) void relabel(hit.marker);
  }
});
plotBox.addEventListener('contextmenu', (e) => {
  const r = plotBox.getBoundingClientRect();
  const i = laneAt(e.clientY - r.top);
  const ch = state?.channels[i];
  if (!ch) return;
  e.preventDefault();
  const at = { x: e.clientX, y: e.clientY };
  menu(
    [
      [`Rename ${ch.name}…`, () => void renameChannel(i, at)],
      ['Set unit…', () => void setUnit(i, at)],
      [ch.bad ? 'Mark good' : 'Mark bad', () => edit({ type: 'setBad', channel: i, bad: !ch.bad })],
      ['Auto-fit this lane', () => (scales.delete(i), redraw())],
    ],
    at,
  );
});
// Wheel: plain (or ctrl/cmd, which trackpad pinches send) zooms around the mouse; shift or a
// horizontal wheel scrolls; alt on a lane scales that lane (all of its unit with "same scale").
plotBox.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    if (!state) return;
    const x = localX(e);
    if (e.altKey) {
      const i = laneAt(e.clientY - plotBox.getBoundingClientRect().top);
      const lane = lanes()[i];
      if (!lane) return;
      const r = V.scaleRange(lane, Math.exp(e.deltaY * 0.002));
      const same = sameUnit.checked ? state.channels.flatMap((c, k) => (c.unit === state!.channels[i].unit ? [k] : [])) : [i];
      for (const k of same) scales.set(k, r);
      redraw();
      return;
    }
    const horizontal = e.shiftKey ? e.deltaY || e.deltaX : Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : 0;
    if (horizontal) setWindow(V.scrollBy(win, horizontal * 0.002, frames));
    else setWindow(V.zoomAround(win, Math.exp(e.deltaY * 0.002), (x - plotLeft()) / plotWidth(), frames));
  },
  { passive: false },
);
plotBox.addEventListener('keydown', (e) => {
  // Ctrl/Cmd with Z or Y (and every other modified key) is left alone: VS Code's undo/redo/save.
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const actions: Record<string, () => void> = {
    ArrowLeft: () => setWindow(V.scrollBy(win, -0.1, frames)),
    ArrowRight: () => setWindow(V.scrollBy(win, 0.1, frames)),
    PageUp: () => setWindow(V.scrollBy(win, -0.9, frames)),
    PageDown: () => setWindow(V.scrollBy(win, 0.9, frames)),
    Home: () => setWindow({ start: 0, end: win.end - win.start }),
    End: () => setWindow({ start: frames - (win.end - win.start), end: frames }),
    '+': () => setWindow(V.zoomAround(win, 0.5, 0.5, frames)),
    '=': () => setWindow(V.zoomAround(win, 0.5, 0.5, frames)),
    '-': () => setWindow(V.zoomAround(win, 2, 0.5, frames)),
    '0': () => setWindow({ start: 0, end: frames }),
    m: () => void addMarker(),
    M: () => void addMarker(),
    f: () => fit(),
    Escape: () => ((selection = null), post({ type: 'selection', selection: null }), redraw()),
    Delete: () => selectedMarker && edit({ type: 'deleteMarker', id: selectedMarker }),
  };
  const act = actions[e.key];
  if (!act) return;
  e.preventDefault();
  act();
});

// The overview: click or drag centres the window there.
let overviewDrag = false;
const overviewRow = (e: PointerEvent) =>
  ((e.clientX - overviewBox.getBoundingClientRect().left) / Math.max(1, overviewBox.clientWidth)) * frames;
overviewBox.addEventListener('pointerdown', (e) => {
  overviewDrag = true;
  overviewBox.setPointerCapture(e.pointerId);
  setWindow(V.centreOn(win, overviewRow(e), frames));
});
overviewBox.addEventListener('pointermove', (e) => overviewDrag && setWindow(V.centreOn(win, overviewRow(e), frames)));
overviewBox.addEventListener('pointerup', () => (overviewDrag = false));

function fit(): void {
  scales.clear();
  redraw();
}
fitButton.addEventListener('click', fit);
sameUnit.addEventListener('change', () => redraw());
timeMode.addEventListener('change', () => (redraw(), renderSide(), updateReadout()));
markerButton.addEventListener('click', () => void addMarker());
cropButton.addEventListener('click', () => selection && edit({ type: 'setCrop', crop: { ...selection } }));
clearCropButton.addEventListener('click', () => edit({ type: 'setCrop', crop: null }));
undoButton.addEventListener('click', () => post({ type: 'undo' }));
redoButton.addEventListener('click', () => post({ type: 'redo' }));
filter.addEventListener('input', renderSide);
notes.addEventListener('change', () => state && notes.value !== state.notes && edit({ type: 'setNote', notes: notes.value }));

function showProblems(lines: string[]): void {
  banner.hidden = lines.length === 0;
  banner.textContent = lines.join('\n');
}

function resize(): void {
  const d = dpr();
  for (const [box, canvases, r] of [
    [plotBox, [traceCanvas, overlayCanvas], renderer],
    [overviewBox, [overviewCanvas, overviewOverlay], overviewRenderer],
  ] as const) {
    const w = Math.max(1, Math.round(box.clientWidth * d));
    const h = Math.max(1, Math.round(box.clientHeight * d));
    r.resize(w, h);
    for (const c of canvases) {
      c.width = w;
      c.height = h;
    }
  }
  redraw();
  requestView();
  requestOverview();
}
new ResizeObserver(resize).observe(plotColumn);

window.addEventListener('message', (event: MessageEvent<HostToRecording>) => {
  const m = event.data;
  switch (m.type) {
    case 'init':
      info = m;
      state = m.state;
      frames = m.frames;
      title.textContent = `${m.file} · ${m.state.channels.length} ch · ${m.frames} rows${m.rate ? ` · ${m.rate} Hz` : ''}${m.growing ? ' · recording' : ''}`;
      if (!(m.rate > 0)) timeMode.value = 'samples';
      win = { start: 0, end: Math.max(1, frames) };
      showProblems(m.problems);
      renderSide();
      resize();
      break;
    case 'state':
      state = m.state;
      if (info) info.state = m.state;
      renderSide();
      redraw();
      break;
    case 'view':
      if (!viewGate.answered(m.id)) return;
      view = m;
      redraw();
      updateReadout();
      if (m.provisional && pyramidBuilt) requestView();
      break;
    case 'overview':
      if (!overviewGate.answered(m.id)) return;
      overview = m;
      redraw();
      if (m.provisional && pyramidBuilt) requestOverview();
      break;
    case 'grown': {
      const old = frames;
      frames = m.frames;
      win = V.followGrowth(win, old, frames);
      redraw();
      requestView();
      requestOverview();
      break;
    }
    case 'progress':
      if (m.fraction >= 1 && !pyramidBuilt) {
        pyramidBuilt = true;
        if (view?.provisional) requestView();
        if (overview?.provisional) requestOverview();
      }
      banner.hidden = m.fraction >= 1 && !info?.problems.length;
      if (m.fraction < 1) banner.textContent = `${m.what}: ${Math.round(m.fraction * 100)} %`;
      else if (info) showProblems(info.problems);
      break;
    case 'error':
      viewGate.failed(m.id);
      overviewGate.failed(m.id);
      banner.hidden = false;
      banner.classList.add('error');
      banner.textContent = m.message;
      break;
  }
});
post({ type: 'ready', protocol: RECORDING_PROTOCOL });
