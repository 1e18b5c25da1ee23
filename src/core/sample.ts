// The long-format row of seed 001 (servomexlib's Sample): one channel reading with its provenance.
// Sources whose devices speak in readings (Servomex's continuous stream, every polled source)
// hand batches of them to the sink beside the ring frames; the poll recorder is built on them.

export type SampleProtocol = 'continuous' | 'modbus-rtu' | 'modbus-tcp' | (string & {});

export interface Sample {
  /** Which analyser: the device name (a manager polls several). */
  device: string;
  /** Channel name; null on an error sample, because a dropped frame is not tied to one channel. */
  channel: string | null;
  /** The reading; null exactly when `error` is set (the two are mutually exclusive). */
  reading: number | null;
  protocol: SampleProtocol;
  /** process.hrtime.bigint() when the reading arrived. */
  monotonicNs: bigint;
  receivedAt: Date;
  /** When the reading was asked for (polled sources); undefined for the passive stream. */
  requestedAt?: Date;
  /** Seconds from request to reply (polled sources). */
  latencyS?: number;
  metadata: Readonly<Record<string, unknown>>;
  error?: string;
}

/** An error sample: reading empty, channel unknown, error set. */
export function errorSample(device: string, protocol: SampleProtocol, error: string, extra: Partial<Sample> = {}): Sample {
  return {
    device,
    channel: null,
    reading: null,
    protocol,
    monotonicNs: process.hrtime.bigint(),
    receivedAt: new Date(),
    metadata: {},
    ...extra,
    error,
  };
}
