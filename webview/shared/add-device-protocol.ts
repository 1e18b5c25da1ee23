// The messages between the host and Add Device's form. The host builds and checks the URI; the
// page only shows fields and sends what was typed, and everything it sends is checked here first.
import type { DeviceDraft, DraftField, FormShape } from '../../src/core/device-draft';

export type { DeviceDraft, DraftField, FormShape };

export interface SerialPortChoice {
  path: string;
  /** The path with what the system says of it: `/dev/ttyUSB0 · FTDI · A10K3XYZ`. */
  label: string;
}

export type HostToForm =
  | {
      type: 'init';
      families: Array<{ id: string; label: string }>;
      draft: DeviceDraft;
      baudRates: number[];
    }
  | { type: 'ports'; ports: SerialPortChoice[]; error?: string }
  | {
      type: 'checked';
      /** Answers the draft of this sequence number (older answers are dropped by the page). */
      seq: number;
      shape: FormShape;
      uri: string | null;
      problems: Partial<Record<DraftField, string>>;
      /** A name to offer while the user has not typed one. */
      suggestedName: string;
      /** Set after a save was refused: the problems say why. */
      refused?: boolean;
    };

export type FormToHost =
  | { type: 'ready' }
  | { type: 'draft'; seq: number; draft: DeviceDraft }
  | { type: 'save'; seq: number; draft: DeviceDraft }
  | { type: 'ports' }
  | { type: 'cancel' };

export class FormMessageError extends Error {
  constructor(what: string) {
    super(`invalid message from the Add Device form: ${what}`);
    this.name = 'FormMessageError';
  }
}

const text = (v: unknown, what: string, max = 4096): string => {
  if (typeof v !== 'string' || v.length > max) throw new FormMessageError(`${what} is not a text of at most ${max} characters`);
  return v;
};

function parseDraft(value: unknown): DeviceDraft {
  if (typeof value !== 'object' || value === null) throw new FormMessageError('draft is not an object');
  const d = value as Record<string, unknown>;
  if (typeof d.simulator !== 'boolean') throw new FormMessageError('draft.simulator is not true or false');
  const raw = d.params;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FormMessageError('draft.params is not an object');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > 64) throw new FormMessageError('draft.params has more than 64 fields');
  const params: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (!/^[\w.-]{1,64}$/.test(key)) throw new FormMessageError(`draft.params has a field named ${JSON.stringify(key).slice(0, 70)}`);
    params[key] = text(v, `draft.params.${key}`);
  }
  return {
    family: text(d.family, 'draft.family', 64),
    simulator: d.simulator,
    scheme: text(d.scheme, 'draft.scheme', 64),
    host: text(d.host, 'draft.host', 512),
    port: text(d.port, 'draft.port', 16),
    path: text(d.path, 'draft.path'),
    params,
    name: text(d.name, 'draft.name', 256),
  };
}

export function parseFormMessage(value: unknown): FormToHost {
  if (typeof value !== 'object' || value === null) throw new FormMessageError('not an object');
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'ports':
    case 'cancel':
      return { type: m.type };
    case 'draft':
    case 'save':
      if (typeof m.seq !== 'number' || !Number.isInteger(m.seq) || m.seq < 0)
        throw new FormMessageError(`${m.type}.seq is not a whole number ≥ 0`);
      return { type: m.type, seq: m.seq, draft: parseDraft(m.draft) };
    default:
      throw new FormMessageError(`unknown type ${JSON.stringify(m.type)?.slice(0, 40)}`);
  }
}
