// The scope's page: a toolbar of @vscode-elements controls above the plot (two stacked canvases,
// the cursor readout, the stats line). Built with createElement and textContent: channel names
// come from a device and are never parsed as HTML.
import { SPECTRUM_SIZES, SPECTRUM_WINDOWS, type HostToScope, type ScopeView, type SpectrumRequest } from '../shared/protocol';
import { autoWindowS, PRE_TRIGGER, WINDOWS_S, windowLabel, type Layout, type ScopeSettings, type TriggerSettings } from './settings';

type SessionInfo = Extract<HostToScope, { type: 'session' }>;

export interface Handlers {
  pause(): void;
  reconnect(): void;
  /** A chosen window, or null for the rate's own. */
  window(seconds: number | null): void;
  layout(layout: Layout): void;
  autoscale(on: boolean): void;
  range(lo: number, hi: number): void;
  visible(channel: string, shown: boolean): void;
  view(view: ScopeView): void;
  trigger(change: Partial<TriggerSettings>): void;
  /** Single mode: take the next trigger. */
  arm(): void;
  spectrum(change: Partial<SpectrumRequest>): void;
  xy(change: Partial<{ x: string; y: string }>): void;
  export(format: 'csv' | 'npy' | 'png'): void;
  clearCursors(): void;
}

export interface Dom {
  plot: HTMLElement;
  traces: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  readout: HTMLElement;
  /** Each lane's latest value, over the label column (HTML, so it is read as text, not pixels). */
  values: HTMLElement;
  stats: HTMLElement;
  message: HTMLElement;
  /** The measurement cursors' readout (A, B, Δt, 1/Δt, Δ per channel). */
  measure: HTMLElement;
  /** Where the trigger stands: Triggered, Waiting, Auto, Stopped. */
  triggerState: HTMLElement;
  sync(settings: ScopeSettings, session?: SessionInfo): void;
}

type ValueElement = HTMLElement & { value: string; disabled: boolean };
type CheckElement = HTMLElement & { checked: boolean };

function el<T extends HTMLElement = HTMLElement>(tag: string, props: Record<string, string> = {}, text?: string): T {
  const e = document.createElement(tag) as T;
  for (const [k, v] of Object.entries(props)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function select(id: string, label: string, options: Array<[string, string]>): ValueElement {
  const s = el<ValueElement>('vscode-single-select', { id, 'aria-label': label });
  for (const [value, text] of options) s.append(el('vscode-option', { value }, text));
  return s;
}

export function buildDom(root: HTMLElement, settings: ScopeSettings, on: Handlers): Dom {
  const title = el('span', { class: 'title' });
  // Shown while the session records, so nobody wonders whether this run is being kept.
  const rec = el('span', { class: 'rec', role: 'status' }, '● REC');
  rec.hidden = true;
  const pause = el<HTMLElement>('vscode-button', { id: 'pause', secondary: '' }, 'Pause');
  const win = select('window', 'Time window', [['auto', 'Auto'], ...WINDOWS_S.map((s): [string, string] => [String(s), windowLabel(s)])]);
  const layout = select('layout', 'Layout', [
    ['stacked', 'Stacked'],
    ['overlay', 'Overlaid'],
  ]);
  const autoscale = el<CheckElement>('vscode-checkbox', { id: 'autoscale', label: 'Autoscale' }, 'Autoscale');
  const lo = el<ValueElement>('vscode-textfield', { id: 'lo', type: 'number', 'aria-label': 'Range low', placeholder: 'low' });
  const hi = el<ValueElement>('vscode-textfield', { id: 'hi', type: 'number', 'aria-label': 'Range high', placeholder: 'high' });
  const channelsButton = el<HTMLElement>('vscode-button', { id: 'channels', secondary: '' }, 'Channels');
  const channelList = el('div', { class: 'channel-list', id: 'channel-list' });
  channelList.hidden = true;
  const view = select('view', 'View', [
    ['time', 'Time'],
    ['spectrum', 'Spectrum'],
    ['xy', 'XY'],
  ]);
  const triggerMode = select('trigger-mode', 'Trigger', [
    ['off', 'Trigger off'],
    ['auto', 'Trigger auto'],
    ['normal', 'Trigger normal'],
    ['single', 'Trigger single'],
  ]);
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
  toolbar.append(title, rec, pause, view, win, layout, triggerMode, autoscale, lo, hi, channelsButton);

  // The second row: what the chosen view and trigger need, and Export.
  const triggerChannel = select('trigger-channel', 'Trigger channel', []);
  const slope = select('trigger-slope', 'Trigger slope', [
    ['rising', 'Rising ↑'],
    ['falling', 'Falling ↓'],
  ]);
  const level = el<ValueElement>('vscode-textfield', {
    id: 'trigger-level',
    type: 'number',
    'aria-label': 'Trigger level',
    placeholder: 'level',
  });
  const holdoff = el<ValueElement>('vscode-textfield', {
    id: 'trigger-holdoff',
    type: 'number',
    'aria-label': 'Holdoff in ms',
    placeholder: 'holdoff ms',
  });
  const pre = select(
    'trigger-pre',
    'Pre-trigger',
    PRE_TRIGGER.map((p): [string, string] => [String(p), `${Math.round(p * 100)} % before`]),
  );
  const arm = el<HTMLElement>('vscode-button', { id: 'arm', secondary: '' }, 'Arm');
  const triggerState = el('span', { class: 'trigger-state', role: 'status' });
  const triggerGroup = el('span', { class: 'group', id: 'trigger-options' });
  triggerGroup.append(triggerChannel, slope, el('span', {}, 'level'), level, el('span', {}, 'holdoff ms'), holdoff, pre, arm, triggerState);
  const size = select(
    'fft-size',
    'FFT size',
    SPECTRUM_SIZES.map((n): [string, string] => [String(n), `${n} points`]),
  );
  const fftWindow = select(
    'fft-window',
    'FFT window',
    SPECTRUM_WINDOWS.map((w): [string, string] => [
      w,
      { hann: 'Hann', hamming: 'Hamming', blackmanharris: 'Blackman-Harris', rectangular: 'Rectangular' }[w],
    ]),
  );
  const averaging = select('fft-averaging', 'Averaging', [
    ['off', 'No averaging'],
    ['linear', 'Linear average'],
    ['exponential', 'Exponential average'],
  ]);
  const count = el<ValueElement>('vscode-textfield', {
    id: 'fft-count',
    type: 'number',
    'aria-label': 'Spectra averaged',
    placeholder: 'count',
  });
  const spectrumGroup = el('span', { class: 'group', id: 'spectrum-options' });
  spectrumGroup.append(size, fftWindow, averaging, count);
  const xChannel = select('xy-x', 'X channel', []);
  const yChannel = select('xy-y', 'Y channel', []);
  const xyGroup = el('span', { class: 'group', id: 'xy-options' });
  xyGroup.append(el('span', {}, 'X'), xChannel, el('span', {}, 'Y'), yChannel);
  const exports = el('span', { class: 'group exports' });
  const exportCsv = el<HTMLElement>(
    'vscode-button',
    { id: 'export-csv', secondary: '', title: 'The visible range as CSV, with a sidecar' },
    'Export CSV',
  );
  const exportNpy = el<HTMLElement>(
    'vscode-button',
    { id: 'export-npy', secondary: '', title: 'The visible range as NPY, with a sidecar' },
    'Export NPY',
  );
  const exportPng = el<HTMLElement>('vscode-button', { id: 'export-png', secondary: '', title: 'The plot as a PNG picture' }, 'Save PNG');
  exports.append(exportCsv, exportNpy, exportPng);
  const options = el('div', { class: 'toolbar options' });
  options.append(triggerGroup, spectrumGroup, xyGroup, exports);

  const plot = el('div', { class: 'plot' });
  const traces = el<HTMLCanvasElement>('canvas', { class: 'traces', 'aria-label': 'signal traces' });
  const overlay = el<HTMLCanvasElement>('canvas', { class: 'overlay' });
  const readout = el('pre', { class: 'readout' });
  readout.hidden = true;
  const stats = el('div', { class: 'stats', 'aria-live': 'off' });
  const message = el('div', { class: 'message', role: 'status' });
  // After the session ended: the traces stay, frozen, under this banner.
  const banner = el('div', { class: 'banner', role: 'alert' });
  const bannerText = el('span', { class: 'banner-text' });
  const reconnect = el<HTMLElement>('vscode-button', { id: 'reconnect' }, 'Reconnect');
  banner.append(bannerText, reconnect);
  banner.hidden = true;
  const values = el('div', { class: 'values', 'aria-label': 'latest values' });
  const measure = el('pre', { class: 'measure', 'aria-label': 'cursor measurements' });
  measure.hidden = true;
  plot.append(traces, overlay, values, readout, measure, message, banner);
  root.append(toolbar, options, channelList, plot, stats);

  view.addEventListener('change', () => on.view(view.value === 'spectrum' ? 'spectrum' : view.value === 'xy' ? 'xy' : 'time'));
  triggerMode.addEventListener('change', () => on.trigger({ mode: triggerMode.value as TriggerSettings['mode'] }));
  triggerChannel.addEventListener('change', () => on.trigger({ channel: triggerChannel.value }));
  slope.addEventListener('change', () => on.trigger({ slope: slope.value === 'falling' ? 'falling' : 'rising' }));
  level.addEventListener('change', () => {
    if (level.value.trim() !== '' && Number.isFinite(Number(level.value))) on.trigger({ level: Number(level.value) });
  });
  holdoff.addEventListener('change', () => {
    const ms = Number(holdoff.value);
    if (holdoff.value.trim() !== '' && ms >= 0 && ms <= 60_000) on.trigger({ holdoffMs: ms });
  });
  pre.addEventListener('change', () => on.trigger({ pre: Number(pre.value) }));
  arm.addEventListener('click', () => on.arm());
  size.addEventListener('change', () => on.spectrum({ size: Number(size.value) }));
  fftWindow.addEventListener('change', () => on.spectrum({ window: fftWindow.value as SpectrumRequest['window'] }));
  averaging.addEventListener('change', () => on.spectrum({ averaging: averaging.value as SpectrumRequest['averaging'] }));
  count.addEventListener('change', () => {
    const n = Number(count.value);
    if (Number.isInteger(n) && n >= 1 && n <= 1024) on.spectrum({ count: n });
  });
  xChannel.addEventListener('change', () => on.xy({ x: xChannel.value }));
  yChannel.addEventListener('change', () => on.xy({ y: yChannel.value }));
  exportCsv.addEventListener('click', () => on.export('csv'));
  exportNpy.addEventListener('click', () => on.export('npy'));
  exportPng.addEventListener('click', () => on.export('png'));
  measure.addEventListener('dblclick', () => on.clearCursors());

  pause.addEventListener('click', () => on.pause());
  reconnect.addEventListener('click', () => on.reconnect());
  win.addEventListener('change', () => on.window(win.value === 'auto' ? null : Number(win.value)));
  layout.addEventListener('change', () => on.layout(layout.value === 'overlay' ? 'overlay' : 'stacked'));
  autoscale.addEventListener('change', () => on.autoscale(autoscale.checked));
  const range = () => {
    const a = Number(lo.value);
    const b = Number(hi.value);
    // Only a real interval is applied; the fields keep what was typed until it is one.
    if (Number.isFinite(a) && Number.isFinite(b) && a < b) on.range(a, b);
  };
  lo.addEventListener('change', range);
  hi.addEventListener('change', range);
  channelsButton.addEventListener('click', () => (channelList.hidden = !channelList.hidden));

  let listed = '';
  const sync = (s: ScopeSettings, session?: SessionInfo) => {
    title.textContent = session ? `${session.title} · ${session.state}` : s.device;
    pause.textContent = s.paused ? 'Resume' : 'Pause';
    // Nothing to pause once the session ended: the banner's Reconnect is what there is to do.
    pause.hidden = session?.ended !== undefined;
    banner.hidden = session?.ended === undefined;
    const ended = session?.ended ? `${session.ended}. The traces are frozen as they were.` : '';
    if (bannerText.textContent !== ended) bannerText.textContent = ended;
    rec.hidden = session?.recording === undefined;
    rec.title = session?.recording ? `Recording to ${session.recording}` : '';
    // Auto names the window it picked for this stream's rate.
    const auto = win.querySelector('vscode-option[value="auto"]');
    const autoText = `Auto (${windowLabel(autoWindowS(session?.rate ?? 0))})`;
    // A new option, not new text: the select renders its options when its children change.
    if (auto && auto.textContent !== autoText) auto.replaceWith(el('vscode-option', { value: 'auto' }, autoText));
    win.value = s.windowS === null ? 'auto' : String(s.windowS);
    layout.value = s.layout;
    autoscale.checked = s.autoscale;
    lo.value = String(s.lo);
    hi.value = String(s.hi);
    lo.disabled = hi.disabled = s.autoscale;
    const names = session?.channels.map((c) => c.name) ?? [];
    const key = JSON.stringify(names);
    if (key !== listed) {
      for (const box of [triggerChannel, xChannel, yChannel])
        box.replaceChildren(...names.map((n) => el('vscode-option', { value: n }, n)));
      channelList.replaceChildren(
        ...names.map((name) => {
          const box = el<CheckElement>('vscode-checkbox', { 'data-channel': name }, name);
          box.addEventListener('change', () => on.visible(name, box.checked));
          return box;
        }),
      );
      listed = key;
    }
    for (const box of Array.from(channelList.children)) {
      (box as CheckElement).checked = !s.hidden.includes((box as HTMLElement).dataset.channel ?? '');
    }
    channelsButton.textContent = `Channels ${names.length - names.filter((n) => s.hidden.includes(n)).length}/${names.length}`;

    view.value = s.view;
    const time = s.view === 'time';
    // A trigger aligns a time view; paused, the view is where the user scrolled it.
    triggerMode.hidden = !time;
    triggerMode.value = s.trigger.mode;
    triggerGroup.hidden = !time || s.trigger.mode === 'off';
    triggerChannel.value = names.includes(s.trigger.channel) ? s.trigger.channel : (names[0] ?? '');
    slope.value = s.trigger.slope;
    level.value = String(s.trigger.level);
    holdoff.value = String(s.trigger.holdoffMs);
    pre.value = String(s.trigger.pre);
    arm.hidden = s.trigger.mode !== 'single';
    spectrumGroup.hidden = s.view !== 'spectrum';
    size.value = String(s.spectrum.size);
    fftWindow.value = s.spectrum.window;
    averaging.value = s.spectrum.averaging;
    count.value = String(s.spectrum.count);
    count.disabled = s.spectrum.averaging === 'off';
    xyGroup.hidden = s.view !== 'xy';
    xChannel.value = names.includes(s.xy.x) ? s.xy.x : (names[0] ?? '');
    yChannel.value = names.includes(s.xy.y) ? s.xy.y : (names[1] ?? names[0] ?? '');
    // Samples are exported from a time view (what a spectrum or XY plot shows is the picture).
    exportCsv.hidden = exportNpy.hidden = !time;
    layout.hidden = !time && s.view !== 'spectrum';
  };
  sync(settings);
  return { plot, traces, overlay, readout, values, stats, message, measure, triggerState, sync };
}
