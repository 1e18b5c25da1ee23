// A live scope: a webview panel on one device's session. The webview pulls frames (one request
// per animation frame, so at most the display's rate and never while hidden, when it does not
// run), and the host answers each with min/max columns from the ring: what crosses grows with the
// panel's width and the channels shown, never with the sample rate or the window length.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Device, DeviceManager } from '../core/device-manager';
import type { Session } from '../core/session';
import { ScopeFeed, traceStyle } from '../core/scope-feed';
import { pushable, ScopePush } from '../core/scope-push';
import { parseScopeMessage, type HostToScope } from '../../webview/shared/protocol';
import { exportFromScope } from './scope-export';
import { webviewHtml, webviewOptions } from './webview-html';

export const SCOPE_VIEW_TYPE = 'labscope.scope';

/** Off, the page asks for every frame (as before pushing; the scope benchmark's baseline). */
const pushEnabled = () => vscode.workspace.getConfiguration('labscope').get<boolean>('scope.push', true);

/** What a panel keeps across reloads (the webview's own state holds its layout and settings). */
interface PanelState {
  device?: string;
}

export class ScopePanel implements vscode.Disposable {
  private session?: Session;
  private feed?: ScopeFeed;
  private push?: ScopePush;
  private readonly disposables: vscode.Disposable[] = [];
  private badMessages = 0;
  /** Counts the sessions this panel has shown, so the page knows when frames restart at 0. */
  private sessionId = 0;
  /** The last description sent: device changes fire often (stats), the webview hears of real ones. */
  private described = '';

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly manager: DeviceManager,
    private readonly log: vscode.LogOutputChannel,
    private deviceName: string,
  ) {
    // Set here for new and restored panels alike (a restored one comes without our options).
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'labscope.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)),
      panel.onDidDispose(() => this.dispose()),
    );
    // A device's session may come and go (disconnect, reconnect): the panel follows the device.
    const onChanged = (device?: Device) => {
      if (!device || device.name === this.deviceName) this.attach();
    };
    manager.on('changed', onChanged);
    this.disposables.push({ dispose: () => manager.off('changed', onChanged) });
    this.attach();
  }

  get device(): string {
    return this.deviceName;
  }

  /**
   * Binds to the device's newest session, telling the webview when that changes. When the device
   * has none any more (disconnected), the panel keeps the last one, frozen: its feed answers from
   * the columns it holds, so the traces stay while the banner offers Reconnect.
   */
  private attach(): void {
    const device = this.manager.find(this.deviceName);
    const session = device?.sessions.at(-1);
    if (session !== this.session && (session || !this.session?.channels.length)) {
      this.session = session;
      this.feed = session ? new ScopeFeed(session) : undefined;
      this.push?.stop();
      this.push =
        session && this.feed
          ? new ScopePush(
              this.feed,
              session,
              (frame) => this.post(frame),
              () => this.panel.visible,
            )
          : undefined;
      this.sessionId++;
    }
    if (this.session && this.ended(this.session)) {
      this.feed?.freeze();
      this.push?.stop(); // a frozen view changes only when the page asks for another
    }
    this.panel.title = `Scope: ${this.deviceName}`;
    const description = this.describe();
    const text = JSON.stringify(description);
    if (text !== this.described) {
      this.described = text;
      this.post(description);
    }
  }

  /** Why the session is over, in a few words, or undefined while it runs. */
  private ended(s: Session): string | undefined {
    const device = this.manager.find(this.deviceName);
    if (!device?.sessions.includes(s)) return 'Disconnected';
    if (s.state === 'error') return `Failed: ${s.error ?? 'unknown error'}`;
    if (s.state === 'closed') return 'Closed';
    if (s.state === 'deleted') return 'Deleted';
    if (s.state === 'done') return `Stream ${s.streamStatus ?? 'ended'}${s.endReason ? `: ${s.endReason}` : ''}`;
    return undefined;
  }

  private describe(): HostToScope {
    const s = this.session;
    const ended = s ? this.ended(s) : undefined;
    return {
      type: 'session',
      id: this.sessionId,
      title: this.deviceName,
      uri: this.manager.find(this.deviceName)?.uri ?? '',
      channels: s ? s.channels.map((c) => ({ name: c.name, unit: c.unit })) : [],
      rate: s?.rate ?? 0,
      trace: s ? traceStyle(s) : 'lines',
      state: ended === 'Disconnected' ? 'disconnected' : s ? s.state : 'not connected',
      error: s?.error,
      ...(ended ? { ended } : {}),
      ...(s?.recording && !ended ? { recording: path.basename(s.recording.path) } : {}),
    };
  }

  private onMessage(raw: unknown): void {
    let message;
    try {
      message = parseScopeMessage(raw, this.session?.channels.length ?? 0);
    } catch (error) {
      // A webview is a web page: a bad message is logged (a few, not a flood) and ignored.
      if (this.badMessages++ < 5) this.log.warn(`scope ${this.deviceName}: ${(error as Error).message}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.post(this.describe());
        break;
      case 'request':
        // A hidden panel's webview is torn down and stops asking; a request in flight is dropped.
        if (!this.panel.visible || !this.feed || !this.session || !this.session.channels.length) return;
        // A live time view is pushed as its columns are snapped (labscope.scope.push, on by default);
        // anything else is answered once, and the page asks again.
        if (this.push && pushable(message) && !this.feed.frozen && pushEnabled()) this.push.subscribe(message);
        else {
          this.push?.stop();
          this.post(this.feed.frame(message));
        }
        break;
      case 'reconnect':
        // The Connect command: its progress, its errors and the workspace-trust question.
        void vscode.commands.executeCommand('labscope.connect', this.deviceName);
        break;
      case 'export':
        exportFromScope(message, this.session, this.deviceName).catch((error: Error) => {
          this.log.error(`scope ${this.deviceName}: export: ${error.message}`);
          void vscode.window.showErrorMessage(`Could not export the ${this.deviceName} scope: ${error.message}`);
        });
        break;
      case 'drawn':
        this.push?.drawn(message.seq);
        break;
    }
  }

  private post(message: HostToScope): void {
    // ArrayBuffers in a message are transferred as binary by VS Code, not serialised to JSON.
    void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const state: PanelState = { device: this.deviceName };
    return webviewHtml(this.panel.webview, this.extensionUri, { bundle: 'scope', title: 'Scope', data: { device: JSON.stringify(state) } });
  }

  dispose(): void {
    this.push?.stop();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onDisposed?.(this);
  }

  onDisposed?: (panel: ScopePanel) => void;
}

/** Opens scopes and brings them back after a reload. */
export class Scopes implements vscode.Disposable, vscode.WebviewPanelSerializer<PanelState> {
  private readonly panels = new Set<ScopePanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly manager: DeviceManager,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get open(): readonly ScopePanel[] {
    return [...this.panels];
  }

  /** A new panel on the device; several may show the same device. */
  show(device: Device): ScopePanel {
    const panel = vscode.window.createWebviewPanel(
      SCOPE_VIEW_TYPE,
      `Scope: ${device.name}`,
      vscode.ViewColumn.Active,
      webviewOptions(this.extensionUri),
    );
    return this.track(new ScopePanel(panel, this.extensionUri, this.manager, this.log, device.name));
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    const device = typeof state?.device === 'string' ? state.device : undefined;
    if (!device) {
      panel.dispose();
      return;
    }
    this.track(new ScopePanel(panel, this.extensionUri, this.manager, this.log, device));
  }

  private track(panel: ScopePanel): ScopePanel {
    this.panels.add(panel);
    panel.onDisposed = (p) => this.panels.delete(p);
    return panel;
  }

  dispose(): void {
    for (const panel of [...this.panels]) panel.panel.dispose();
  }
}
