// The scope's page: a toolbar of @vscode-elements controls above the plot (two stacked canvases,
// the cursor readout, the stats line). Built with createElement and textContent: channel names
// come from a device and are never parsed as HTML.
import type { HostToScope } from '../shared/protocol';
import { autoWindowS, WINDOWS_S, windowLabel, type Layout, type ScopeSettings } from './settings';

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
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
  toolbar.append(title, rec, pause, win, layout, autoscale, lo, hi, channelsButton);

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
  plot.append(traces, overlay, values, readout, message, banner);
  root.append(toolbar, channelList, plot, stats);

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
      listed = key;
      channelList.replaceChildren(
        ...names.map((name) => {
          const box = el<CheckElement>('vscode-checkbox', { 'data-channel': name }, name);
          box.addEventListener('change', () => on.visible(name, box.checked));
          return box;
        }),
      );
    }
    for (const box of Array.from(channelList.children)) {
      (box as CheckElement).checked = !s.hidden.includes((box as HTMLElement).dataset.channel ?? '');
    }
    channelsButton.textContent = `Channels ${names.length - names.filter((n) => s.hidden.includes(n)).length}/${names.length}`;
  };
  sync(settings);
  return { plot, traces, overlay, readout, values, stats, message, sync };
}
