// Add Device's form. It shows the fields the host says the chosen family and connection take and
// sends what is typed; the host answers with the URI it makes and any problem, field by field.
// Built with createElement and textContent: nothing a device or a user typed is parsed as HTML.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { DeviceDraft, DraftField, FormShape, FormToHost, HostToForm, SerialPortChoice } from '../shared/add-device-protocol';

interface VsCodeApi {
  postMessage(message: FormToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Field = HTMLElement & { value: string; checked?: boolean; invalid?: boolean };

function el<T extends HTMLElement = HTMLElement>(tag: string, props: Record<string, string> = {}, text?: string): T {
  const e = document.createElement(tag) as T;
  for (const [k, v] of Object.entries(props)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function options(select: HTMLElement, list: Array<[string, string]>): void {
  select.replaceChildren(...list.map(([value, text]) => el('vscode-option', { value }, text)));
}

class Form {
  private readonly vscode = acquireVsCodeApi();
  private draft!: DeviceDraft;
  private seq = 0;
  private shape?: FormShape;
  private shapeKey = '';
  private schemes = '';
  private baudRates: number[] = [];
  private ports: SerialPortChoice[] = [];
  private readonly problems = new Map<string, HTMLElement>();
  private readonly root = document.getElementById('app')!;
  private readonly family = el<Field>('vscode-single-select', { id: 'family', 'aria-label': 'Instrument family' });
  private readonly simulator = el<Field>('vscode-checkbox', { id: 'simulator' }, 'Its simulator (no hardware)');
  private readonly scheme = el<Field>('vscode-single-select', { id: 'scheme', 'aria-label': 'Connection' });
  private readonly host = el<Field>('vscode-textfield', { id: 'host', 'aria-label': 'Host', placeholder: 'host name or IP address' });
  private readonly port = el<Field>('vscode-textfield', { id: 'port', 'aria-label': 'Port', placeholder: 'port' });
  private readonly portList = el<Field>('vscode-single-select', { id: 'serial-ports', 'aria-label': 'Serial ports found' });
  private readonly refresh = el('vscode-button', { id: 'refresh-ports', secondary: '' }, 'Refresh');
  private readonly portsNote = el('div', { class: 'hint', id: 'ports-note' });
  private readonly path = el<Field>('vscode-textfield', { id: 'path', 'aria-label': 'Path' });
  private readonly params = el('div', { class: 'params', id: 'params' });
  private readonly name = el<Field>('vscode-textfield', { id: 'name', 'aria-label': 'Name' });
  private readonly uri = el('code', { id: 'uri' });
  private readonly add = el('vscode-button', { id: 'add' }, 'Add Device');
  private readonly cancel = el('vscode-button', { id: 'cancel', secondary: '' }, 'Cancel');
  private readonly rows: Record<'scheme' | 'network' | 'serial' | 'path', HTMLElement>;

  constructor() {
    const row = (label: string, field: string, ...controls: HTMLElement[]) => {
      const r = el('div', { class: 'row', 'data-field': field });
      const problem = el('div', { class: 'problem', role: 'alert', id: `problem-${field}` });
      this.problems.set(field, problem);
      const box = el('div', { class: 'controls' });
      box.append(...controls);
      r.append(el('label', {}, label), box, problem);
      return r;
    };
    this.rows = {
      scheme: row('Connection', 'scheme', this.scheme),
      network: row('Host and port', 'host', this.host, this.port),
      serial: row('Serial port', 'serial', this.portList, this.refresh),
      path: row('Path', 'path', this.path),
    };
    this.rows.serial.querySelector('.controls')!.append(this.portsNote);
    const buttons = el('div', { class: 'buttons' });
    buttons.append(this.add, this.cancel);
    const preview = el('div', { class: 'preview' });
    preview.append(el('span', {}, 'URI: '), this.uri);
    this.root.append(
      el('h1', {}, 'Add Device'),
      row('Instrument', 'family', this.family, this.simulator),
      this.rows.scheme,
      this.rows.network,
      this.rows.serial,
      this.rows.path,
      this.params,
      row('Name', 'name', this.name),
      preview,
      buttons,
    );
    // Another family or connection: its own parameters, and its own default port.
    this.family.addEventListener('change', () => {
      if (this.family.value !== this.draft.family) this.change({ family: this.family.value, scheme: '', port: '', params: {} });
    });
    this.simulator.addEventListener('change', () => this.change({ simulator: this.simulator.checked === true, params: {} }));
    this.scheme.addEventListener('change', () => {
      if (this.scheme.value && this.scheme.value !== this.draft.scheme) this.change({ scheme: this.scheme.value, port: '' });
    });
    for (const [field, key] of [
      [this.host, 'host'],
      [this.port, 'port'],
      [this.path, 'path'],
      [this.name, 'name'],
    ] as const)
      field.addEventListener('input', () => this.change({ [key]: field.value }));
    this.portList.addEventListener('change', () => {
      if (this.portList.value) {
        this.path.value = this.portList.value;
        this.change({ path: this.portList.value });
      }
    });
    this.refresh.addEventListener('click', () => this.vscode.postMessage({ type: 'ports' }));
    this.add.addEventListener('click', () => this.vscode.postMessage({ type: 'save', seq: ++this.seq, draft: this.draft }));
    this.cancel.addEventListener('click', () => this.vscode.postMessage({ type: 'cancel' }));
    window.addEventListener('message', (e: MessageEvent<HostToForm>) => this.onMessage(e.data));
    this.vscode.postMessage({ type: 'ready' });
  }

  private change(part: Partial<DeviceDraft>): void {
    this.draft = { ...this.draft, ...part };
    this.vscode.postMessage({ type: 'draft', seq: ++this.seq, draft: this.draft });
  }

  private onMessage(m: HostToForm): void {
    if (m.type === 'init') {
      this.draft = m.draft;
      this.baudRates = m.baudRates;
      options(
        this.family,
        m.families.map((f): [string, string] => [f.id, f.label]),
      );
      this.family.value = m.draft.family;
    } else if (m.type === 'ports') {
      this.ports = m.ports;
      options(this.portList, [
        ['', m.ports.length ? 'Choose a port found…' : 'No serial port found'],
        ...m.ports.map((p): [string, string] => [p.path, p.label]),
      ]);
      this.portsNote.textContent =
        m.error ?? (m.ports.length ? '' : 'None found: type its path below (a USB adapter, /dev/ttyUSB0; a pty).');
    } else if (m.type === 'checked') {
      if (m.seq !== this.seq) return; // typed on since: a newer answer is coming
      this.render(m.shape);
      for (const [field, box] of this.problems) {
        const text = m.problems[field as DraftField] ?? (field === 'host' ? m.problems.port : undefined) ?? '';
        if (box.textContent !== text) box.textContent = text;
      }
      this.uri.textContent = m.uri ?? '—';
      this.name.setAttribute('placeholder', m.suggestedName);
      this.add.toggleAttribute('disabled', Object.keys(m.problems).length > 0);
    }
  }

  /** Shows the rows the family and connection take; parameter fields are rebuilt when their list changes. */
  private render(shape: FormShape): void {
    this.shape = shape;
    const kind = shape.address.kind;
    this.rows.scheme.hidden = this.draft.simulator || shape.schemes.length < 2;
    this.rows.network.hidden = kind !== 'network';
    this.rows.serial.hidden = kind !== 'serial';
    this.rows.path.hidden = kind !== 'serial' && kind !== 'file' && kind !== 'uri';
    this.rows.path.querySelector('label')!.textContent = kind === 'serial' ? 'Port path' : kind === 'file' ? 'File' : 'URI';
    this.path.setAttribute('placeholder', kind === 'serial' ? '/dev/ttyUSB0' : kind === 'file' ? '/path/to/recording.wav' : '');
    this.port.setAttribute('placeholder', shape.address.kind === 'network' && shape.address.port ? `port (${shape.address.port})` : 'port');
    const key = JSON.stringify([shape.schemes, shape.params.map((p) => p.key), this.draft.family, this.draft.simulator]);
    if (key === this.shapeKey) return;
    this.shapeKey = key;
    const scheme = shape.schemes.includes(this.draft.scheme) ? this.draft.scheme : shape.schemes[0]!;
    // The select reads new options a moment after its children change: its value is set after that too.
    if (JSON.stringify(shape.schemes) !== this.schemes) {
      this.schemes = JSON.stringify(shape.schemes);
      options(
        this.scheme,
        shape.schemes.map((s): [string, string] => [s, s]),
      );
    }
    this.scheme.value = scheme;
    requestAnimationFrame(() => (this.scheme.value = this.draft.scheme));
    if (this.draft.scheme !== scheme) this.draft = { ...this.draft, scheme };
    const port = shape.address.kind === 'network' && shape.address.port ? String(shape.address.port) : '';
    if (!this.draft.port && port) this.draft = { ...this.draft, port };
    this.port.value = this.draft.port;
    for (const k of [...this.problems.keys()]) if (k.startsWith('param:')) this.problems.delete(k);
    this.params.replaceChildren(
      ...shape.params.map((p) => {
        const field =
          p.key === 'baud'
            ? el<Field>('vscode-single-select', { id: `param-${p.key}`, 'aria-label': p.key })
            : el<Field>('vscode-textfield', {
                id: `param-${p.key}`,
                'aria-label': p.key,
                placeholder: p.default !== undefined ? `default ${p.default}` : `e.g. ${p.example}`,
              });
        if (p.key === 'baud')
          options(field, [['', `default (${p.default ?? '—'})`], ...this.baudRates.map((b): [string, string] => [String(b), `${b} baud`])]);
        field.value = this.draft.params[p.key] ?? '';
        field.addEventListener(p.key === 'baud' ? 'change' : 'input', () =>
          this.change({ params: { ...this.draft.params, [p.key]: field.value } }),
        );
        const problem = el('div', { class: 'problem', role: 'alert', id: `problem-param-${p.key}` });
        this.problems.set(`param:${p.key}`, problem);
        const row = el('div', { class: 'row', 'data-field': `param:${p.key}` });
        const controls = el('div', { class: 'controls' });
        controls.append(field, el('span', { class: 'hint' }, p.description));
        row.append(el('label', {}, p.key), controls, problem);
        return row;
      }),
    );
    // The page changed what the draft holds (a default port, the first connection): the host hears it.
    this.change({});
  }
}

new Form();
