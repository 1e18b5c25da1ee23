// The devices a user has configured and the sessions running on them: what the device explorer
// shows and what its commands act on. No vscode here, so the CLI, tests and a future language
// server could share it; the UI only turns its events into tree refreshes and notifications.
import { EventEmitter } from 'node:events';
import { families } from './registry';
import { Session, type SessionOptions, type SessionState, type StartRecordingOptions } from './session';
import type { RecordingSummary } from './worker-protocol';
import type { StreamBatch } from './stream-batch';
import type { Gap } from './types';
import * as human from './human';

/** Where a device entry came from: trust decisions depend on it. */
export type DeviceOrigin = 'user' | 'workspace' | 'simulator';

export interface DeviceConfig {
  name: string;
  uri: string;
  origin: DeviceOrigin;
}

const LIVE: readonly SessionState[] = ['queued', 'connecting', 'active', 'paused'];
/** Ended sessions stay listed (their error or summary is worth seeing) up to this many per device. */
const KEEP_ENDED = 3;
/** Late polls are logged as they grow, at most this often per device. */
const LATE_LOG_MS = 10_000;

export class UntrustedDeviceError extends Error {
  constructor(device: Device) {
    super(
      `"${device.name}" comes from this workspace's settings, and the workspace is not trusted, so Labscope will not connect to it. Trust the workspace (Manage Workspace Trust) if you know where its settings come from, or add the device to your user settings`,
    );
    this.name = 'UntrustedDeviceError';
  }
}

export class Device {
  readonly id: string;
  /** Newest last; at most one is live. */
  readonly sessions: Session[] = [];
  /** Why the entry cannot be used (a bad URI), named as the URI parser named it. */
  readonly problem?: string;

  constructor(
    readonly config: DeviceConfig,
    public trusted: boolean,
  ) {
    this.id = `${config.origin}:${config.name}:${config.uri}`;
    try {
      families().resolve(config.uri);
    } catch (error) {
      this.problem = (error as Error).message;
    }
  }

  get name(): string {
    return this.config.name;
  }

  get uri(): string {
    return this.config.uri;
  }

  get origin(): DeviceOrigin {
    return this.config.origin;
  }

  get live(): Session | undefined {
    const last = this.sessions.at(-1);
    return last && LIVE.includes(last.state) ? last : undefined;
  }

  get recording(): Session | undefined {
    const live = this.live;
    return live?.recording ? live : undefined;
  }
}

export interface DeviceManagerEvents {
  /** Something about this device (or, with none, the list itself) changed. */
  changed: [device?: Device];
  log: [level: 'info' | 'warn' | 'error', text: string];
  /** A session failed after it had connected (a failure while connecting is thrown instead). */
  'session-error': [device: Device, session: Session, message: string];
  'recording-ended': [device: Device, session: Session, summary: RecordingSummary];
  'recording-failed': [device: Device, session: Session, error: Error];
}

export class DeviceManager extends EventEmitter<DeviceManagerEvents> {
  private list: Device[] = [];

  /**
   * `resolveUri` turns a configured URI into the one a session opens: the extension resolves file
   * paths in it (audio:recordings/in.wav) against the workspace folder, not the host's cwd.
   */
  constructor(
    private readonly sessionOptions: SessionOptions = {},
    private readonly resolveUri: (uri: string) => string = (uri) => uri,
  ) {
    super();
  }

  get devices(): readonly Device[] {
    return this.list;
  }

  find(idOrName: string): Device | undefined {
    return this.list.find((d) => d.id === idOrName) ?? this.list.find((d) => d.name === idOrName);
  }

  /** Sessions on every device, newest device order, for pickers and the status bar. */
  sessions(filter: (s: Session) => boolean = () => true): Array<{ device: Device; session: Session }> {
    return this.list.flatMap((device) => device.sessions.filter(filter).map((session) => ({ device, session })));
  }

  /**
   * Replaces the configured list. A device that stays (same origin, name and URI) keeps its
   * sessions; one that went away is disconnected, its recording finished cleanly.
   */
  async update(configs: DeviceConfig[], workspaceTrusted: boolean): Promise<void> {
    const previous = new Map(this.list.map((d) => [d.id, d]));
    const next: Device[] = [];
    for (const config of configs) {
      const trusted = config.origin !== 'workspace' || workspaceTrusted;
      const id = `${config.origin}:${config.name}:${config.uri}`;
      const kept = previous.get(id);
      if (kept && !next.includes(kept)) {
        kept.trusted = trusted;
        next.push(kept);
        previous.delete(id);
      } else if (!next.some((d) => d.id === id)) {
        next.push(new Device(config, trusted));
      }
    }
    this.list = next;
    this.emit('changed');
    await Promise.all([...previous.values()].map((gone) => this.closeAll(gone)));
  }

  async connect(device: Device): Promise<Session> {
    if (device.problem) throw new Error(device.problem);
    if (!device.trusted) throw new UntrustedDeviceError(device);
    const live = device.live;
    if (live) return live;
    // An ended session makes room for the new one once there are enough of them to look back on.
    while (device.sessions.length >= KEEP_ENDED) await this.drop(device, device.sessions[0]);
    const session = new Session(this.resolveUri(device.uri), this.sessionOptions);
    device.sessions.push(session);
    this.watch(device, session);
    this.emit('log', 'info', `${device.name}: connecting to ${device.uri}`);
    this.emit('changed', device);
    try {
      await session.connect();
    } catch (error) {
      // A connection that never came up is not left half-open: its worker and simulator stop.
      await session.close().catch(() => undefined);
      throw error;
    }
    return session;
  }

  /** Closes the live session (finishing its recording) and forgets the ended ones. */
  async disconnect(device: Device): Promise<void> {
    await this.closeAll(device);
  }

  async startRecording(device: Device, session: Session, file: string, options: StartRecordingOptions): Promise<void> {
    this.starting.add(session);
    try {
      await session.startRecording(file, { deviceName: device.name, ...options });
    } finally {
      this.starting.delete(session);
    }
    this.emit('log', 'info', `${device.name}: recording to ${file}`);
    this.emit('changed', device);
  }

  async stopRecording(session: Session): Promise<RecordingSummary> {
    return session.stopRecording();
  }

  /** Folders of streams being played (Open Audio Folder), listed after the devices. */
  get batches(): readonly StreamBatch[] {
    return this.batchList;
  }

  addBatch(batch: StreamBatch): void {
    this.batchList.push(batch);
    batch.on('changed', () => this.emit('changed'));
    batch.on('log', (level, text) => this.emit('log', level, `${batch.label}: ${text}`));
    this.emit('changed');
  }

  /** Closes what is still playing in the batch and forgets it (its recordings stay). */
  async removeBatch(batch: StreamBatch): Promise<void> {
    this.batchList = this.batchList.filter((b) => b !== batch);
    this.emit('changed');
    await batch.close();
    batch.removeAllListeners();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.list.map((d) => this.closeAll(d)), ...this.batchList.map((b) => b.close())]);
    this.removeAllListeners();
  }

  private batchList: StreamBatch[] = [];

  /** Sessions whose recording start is being awaited: their failure is thrown, not announced. */
  private readonly starting = new Set<Session>();

  private async closeAll(device: Device): Promise<void> {
    await Promise.all([...device.sessions].map((s) => this.drop(device, s)));
  }

  private async drop(device: Device, session: Session): Promise<void> {
    const index = device.sessions.indexOf(session);
    if (index >= 0) device.sessions.splice(index, 1);
    try {
      // A deleted session is already closed, its files gone.
      if (!session.isDeleted()) await session.close();
    } catch (error) {
      this.emit('log', 'error', `${device.name}: closing the session failed: ${(error as Error).message}`);
    }
    this.emit('changed', device);
  }

  /** Late polls reach the log as they grow, at most once every LATE_LOG_MS per device. */
  private readonly lateLogged = new WeakMap<Device, { late: number; at: number }>();

  private logLatePolls(device: Device, source: Record<string, unknown> | undefined): void {
    const late = typeof source?.samples_late === 'number' ? source.samples_late : undefined;
    if (late === undefined) return;
    const last = this.lateLogged.get(device) ?? { late: 0, at: 0 };
    const now = Date.now();
    if (late <= last.late || now - last.at < LATE_LOG_MS) return;
    this.lateLogged.set(device, { late, at: now });
    this.emit('log', 'warn', `${device.name}: ${human.plural(late - last.late, 'poll')} late (${human.pollSummary(source)})`);
  }

  private watch(device: Device, session: Session): void {
    let wasActive = false;
    session.on('log', (level, text) => this.emit('log', level, `${device.name}: ${text}`));
    session.on('state', (state: SessionState) => {
      if (state === 'active') wasActive = true;
      if (state === 'error' && wasActive) this.emit('session-error', device, session, session.error ?? 'unknown error');
      this.emit('changed', device);
    });
    session.on('stats', (stats) => {
      this.logLatePolls(device, stats.source);
      this.emit('changed', device);
    });
    // What a user would want to know after the fact: each gap, with its size and cause.
    session.on('gap', (gap: Gap) =>
      this.emit('log', 'warn', `${device.name}: ${human.plural(gap.frames, 'frame')} missing at frame ${gap.fromFrame} (${gap.cause})`),
    );
    session.on('recording-started', () => this.emit('changed', device));
    session.on('recording-ended', (summary: RecordingSummary) => {
      this.emit('recording-ended', device, session, summary);
      this.emit('changed', device);
    });
    session.on('recording-failed', (error: Error) => {
      if (!this.starting.has(session)) this.emit('recording-failed', device, session, error);
      this.emit('changed', device);
    });
  }
}
