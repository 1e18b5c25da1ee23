// Servomex analysers over Modbus (modbus-serial): RTU on a serial line or Modbus TCP. One client
// (one bus or one host) serves several analysers by unit id; the manager polls them in turn each
// tick, a `names` subset if asked. A read that fails on one analyser is an error sample; a
// transport that is gone is a PollConnectionError, which the poll recorder may reconnect from.
import ModbusRTU from 'modbus-serial';
import type { DescribedPollSource, PollChannel } from '../../core/polled-source';
import { PollConnectionError } from '../../core/poll-recorder';
import { errorSample, type Sample } from '../../core/sample';
import { serialBinding } from '../../transports/serial-bridge';
import { cannotConnect } from '../../transports/reconnect';
import type { SerialSettings } from './continuous-source';
import {
  FAULT_ADDRESS,
  INPUT_REGISTERS,
  slotsFromRegisters,
  STATUS_BITS,
  STATUS_BITS_PER_SLOT,
  valueOf,
  type SlotInfo,
} from './modbus-map';

export type ModbusTransport = { kind: 'tcp'; host: string; port: number } | { kind: 'rtu'; serial: SerialSettings };

export interface AnalyzerAddress {
  /** Device name in Samples. */
  name: string;
  unit: number;
}

const DEFAULT_TIMEOUT_S = 1;
/** Modbus TCP (MBAP 7 + function 1 + count 1) or RTU (id 1 + function 1 + count 1 + CRC 2) reply overhead. */
const REPLY_OVERHEAD = { tcp: 9, rtu: 5 } as const;

export function describeTransport(t: ModbusTransport): string {
  return t.kind === 'tcp' ? `modbus-tcp://${t.host}:${t.port}` : `modbus-rtu://${t.serial.path} (${t.serial.baudRate} baud)`;
}

/** Opens the bus or the connection; a refusal names the address. */
export async function openModbus(transport: ModbusTransport, timeoutS = DEFAULT_TIMEOUT_S): Promise<ModbusRTU> {
  const client = new ModbusRTU();
  client.setTimeout(Math.round(timeoutS * 1000));
  try {
    if (transport.kind === 'tcp') {
      await client.connectTCP(transport.host, { port: transport.port });
    } else {
      const { path, baudRate, dataBits, parity, stopBits } = transport.serial;
      // modbus-serial hands its options to serialport, binding included (see serial-bridge.ts).
      await client.connectRTUBuffered(path, { baudRate, dataBits, parity, stopBits, binding: serialBinding() } as Parameters<
        ModbusRTU['connectRTUBuffered']
      >[1]);
    }
  } catch (error) {
    closeQuietly(client);
    throw cannotConnect(describeTransport(transport), error, { hint: 'is the Modbus server or gateway running on that port?' });
  }
  return client;
}

function closeQuietly(client: ModbusRTU): Promise<void> {
  return new Promise((resolve) => {
    // modbus-serial's TCP port calls back only from its socket's 'close' event while it still
    // counts itself open: closing a connection the peer already dropped would never call back.
    if (!client.isOpen) return resolve();
    try {
      client.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** Whether an error means the transport is gone rather than one unanswered request. */
function isConnectionLoss(client: ModbusRTU, error: unknown): boolean {
  const e = error as { name?: string; errno?: string; code?: string };
  if (!client.isOpen) return true;
  return e.name === 'PortNotOpenError' || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTCONN'].includes(e.code ?? e.errno ?? '');
}

/** "I1 Oxygen"; an analyser that names a slot by its id ("E1") gets just that. */
function channelName(s: SlotInfo): string {
  return s.name === s.slot ? s.slot : `${s.slot} ${s.name}`;
}

interface Analyzer extends AnalyzerAddress {
  slots: SlotInfo[];
}

export class ServomexModbus implements DescribedPollSource {
  readonly channels: PollChannel[];
  bytesReceived = 0;

  private constructor(
    private readonly client: ModbusRTU,
    private readonly transport: ModbusTransport,
    private readonly analyzers: Analyzer[],
    private readonly timeoutS: number,
  ) {
    this.channels = analyzers.flatMap((a) => [
      ...a.slots.map((s) => ({ device: a.name, channel: channelName(s), unit: s.unit })),
      { device: a.name, channel: 'fault', unit: '' },
      { device: a.name, channel: 'maintenance', unit: '' },
    ]);
  }

  /** Connects and reads each analyser's map (which slots it has, their names and units). */
  static async connect(
    transport: ModbusTransport,
    addresses: readonly AnalyzerAddress[],
    timeoutS = DEFAULT_TIMEOUT_S,
  ): Promise<ServomexModbus> {
    if (addresses.length === 0) throw new Error('no analysers to poll');
    const client = await openModbus(transport, timeoutS);
    try {
      const analyzers: Analyzer[] = [];
      for (const a of addresses) {
        client.setID(a.unit);
        let registers: number[];
        try {
          registers = (await client.readInputRegisters(0, INPUT_REGISTERS)).data;
        } catch (error) {
          throw new Error(
            `unit ${a.unit} did not answer a read of its ${INPUT_REGISTERS} input registers (30001–30070): ${(error as Error).message}`,
          );
        }
        const slots = slotsFromRegisters(registers);
        if (slots.length === 0) throw new Error(`unit ${a.unit} has no named channels in 30001–30070: is it a SERVOPRO 4100?`);
        analyzers.push({ ...a, slots });
      }
      return new ServomexModbus(client, transport, analyzers, timeoutS);
    } catch (error) {
      await closeQuietly(client);
      throw error;
    }
  }

  get protocol(): 'modbus-tcp' | 'modbus-rtu' {
    return this.transport.kind === 'tcp' ? 'modbus-tcp' : 'modbus-rtu';
  }

  async pollSamples(options: { names?: readonly string[]; timeout?: number } = {}): Promise<Sample[]> {
    this.client.setTimeout(Math.round((options.timeout ?? this.timeoutS) * 1000));
    const wanted = options.names ? this.analyzers.filter((a) => options.names!.includes(a.name)) : this.analyzers;
    const samples: Sample[] = [];
    let lost: unknown;
    for (const analyzer of wanted) {
      try {
        samples.push(...(await this.pollOne(analyzer)));
      } catch (error) {
        if (isConnectionLoss(this.client, error)) {
          lost = error;
          break;
        }
        samples.push(errorSample(analyzer.name, this.protocol, `unit ${analyzer.unit}: ${(error as Error).message}`));
      }
    }
    if (lost !== undefined) {
      throw new PollConnectionError(`${describeTransport(this.transport)}: ${(lost as Error).message}`, { cause: lost });
    }
    return samples;
  }

  private async pollOne(analyzer: Analyzer): Promise<Sample[]> {
    const overhead = REPLY_OVERHEAD[this.transport.kind];
    this.client.setID(analyzer.unit);
    const requestedAt = new Date();
    const asked = process.hrtime.bigint();
    const registers = (await this.client.readInputRegisters(0, INPUT_REGISTERS)).data;
    const status = (await this.client.readDiscreteInputs(0, STATUS_BITS)).data;
    const flags = (await this.client.readDiscreteInputs(FAULT_ADDRESS, 2)).data;
    this.bytesReceived += 2 * INPUT_REGISTERS + Math.ceil(STATUS_BITS / 8) + 1 + 3 * overhead;
    const monotonicNs = process.hrtime.bigint();
    const receivedAt = new Date();
    const latencyS = Number(monotonicNs - asked) / 1e9;
    const common = { device: analyzer.name, protocol: this.protocol, monotonicNs, receivedAt, requestedAt, latencyS };
    const [fault, maintenance] = [Boolean(flags[0]), Boolean(flags[1])];
    const samples: Sample[] = analyzer.slots.map((s) => {
      const bits = status.slice(s.index * STATUS_BITS_PER_SLOT, (s.index + 1) * STATUS_BITS_PER_SLOT);
      const statusBits = bits.reduce((mask, bit, i) => (bit ? mask | (1 << i) : mask), 0);
      return {
        ...common,
        channel: channelName(s),
        reading: valueOf(registers, s.index),
        metadata: { slot: s.slot, unit: s.unit, statusBits, fault, maintenance, unitId: analyzer.unit },
      };
    });
    samples.push({ ...common, channel: 'fault', reading: fault ? 1 : 0, metadata: { unitId: analyzer.unit } });
    samples.push({ ...common, channel: 'maintenance', reading: maintenance ? 1 : 0, metadata: { unitId: analyzer.unit } });
    return samples;
  }

  close(): Promise<void> {
    return closeQuietly(this.client);
  }
}
