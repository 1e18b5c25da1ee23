// Simulated SERVOPRO 4100 analysers: a continuous-ASCII one printing real-format frames on a
// serial port (one end of a socat pty pair), and Modbus ones (modbus-serial's servers, TCP or RTU
// on a pty pair) with the 4100 register map. Readings drift slowly, as gas concentrations do.
import { ServerSerial, ServerTCP } from 'modbus-serial';
import { SerialPort } from 'serialport';
import { formatContinuousFrame } from './continuous-frame';
import { FAULT_ADDRESS, MAINTENANCE_ADDRESS, registersFor, STATUS_BITS_PER_SLOT } from './modbus-map';
import { openPtyPair, type PtyPair } from './pty-pair';
import { freeLoopbackPort } from '../../transports/tcp';

/** The channels of the shared 4100 capture: O₂, CO and CO₂ transducers, two mA inputs. */
export const SIMULATED_CHANNELS = [
  { id: 'I1', index: 0, name: 'Oxygen', unit: '%', base: 20.9, swing: 0.4, decimals: 3 },
  { id: 'I2', index: 1, name: 'CO', unit: '%', base: 0.08, swing: 0.05, decimals: 3 },
  { id: 'I3', index: 2, name: 'CO₂', unit: '%', base: 0.4, swing: 0.2, decimals: 3 },
  { id: 'E1', index: 8, name: '', unit: 'mA', base: 12, swing: 4, decimals: 1 },
  { id: 'E2', index: 9, name: '', unit: 'mA', base: 4, swing: 0, decimals: 1 },
] as const;

/** Reading of channel k at time t (s): slow sines, different per channel and unit. */
export function simulatedReading(k: number, t: number, unit = 1): number {
  const c = SIMULATED_CHANNELS[k];
  return c.base + c.swing * Math.sin((2 * Math.PI * t) / (60 + 17 * k) + unit);
}

export type ServomexSimMode = 'ascii' | 'modbus-tcp' | 'modbus-rtu';

export interface ServomexSimulatorOptions {
  mode: ServomexSimMode;
  /** ascii: seconds between frames. */
  periodS: number;
  /** ascii: every Nth frame goes out with a wrong checksum (0 = never). */
  corruptEvery: number;
  /** modbus: analysers (unit ids 1…units). */
  units: number;
  /** modbus: the rate the returned URI asks for. */
  rateHz: number;
  baudRate: number;
  /** modbus-tcp: the port to listen on (0 or undefined: a free one). */
  port?: number;
  /** modbus-tcp: the address to listen on (default 127.0.0.1). */
  host?: string;
}

export interface StartedServomexSimulator {
  uri: string;
  stop(): Promise<void>;
}

export async function startServomexSimulator(options: ServomexSimulatorOptions): Promise<StartedServomexSimulator> {
  if (options.mode === 'ascii') return startContinuous(options);
  if (options.mode === 'modbus-tcp') return startModbusTcp(options);
  return startModbusRtu(options);
}

async function startContinuous(options: ServomexSimulatorOptions): Promise<StartedServomexSimulator> {
  const pty = await openPtyPair();
  const port = await openSerial(pty, options.baudRate);
  const started = Date.now();
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const now = new Date();
    const t = (Date.now() - started) / 1000;
    const two = (v: number) => String(v).padStart(2, '0');
    const frame = Buffer.from(
      formatContinuousFrame({
        date: `${two(now.getDate())}-${two(now.getMonth() + 1)}-${two(now.getFullYear() % 100)}`,
        time: `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`,
        entries: SIMULATED_CHANNELS.map((c, k) => ({
          id: c.id,
          name: c.name || '||||||',
          value: simulatedReading(k, t).toFixed(c.decimals),
          unit: c.unit,
        })),
      }),
    );
    if (options.corruptEvery > 0 && n % options.corruptEvery === 0) frame[frame.length - 3] ^= 0x01;
    port.write(frame);
  }, options.periodS * 1000);
  return {
    uri: `servomex+serial://${pty.b}?baud=${options.baudRate}&period=${options.periodS}`,
    stop: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => port.close(() => resolve()));
      await pty.close();
    },
  };
}

function openSerial(pty: PtyPair, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path: pty.a, baudRate }, (error) => (error ? reject(error) : resolve(port)));
  });
}

/**
 * The register contents of unit `unit` now. The server asks once per register or bit, so the
 * block is built once per unit and millisecond: the simulator must answer faster than a poller
 * asks, or it, not the poller, would make ticks late.
 */
function modbusState(started: number) {
  const cache = new Map<number, { ms: number; registers: number[]; t: number }>();
  return (unit: number) => {
    const ms = Date.now();
    const hit = cache.get(unit);
    if (hit && hit.ms === ms) return hit;
    const t = (ms - started) / 1000;
    const registers = registersFor(
      SIMULATED_CHANNELS.map((c, k) => ({
        index: c.index,
        name: c.name || c.id,
        unit: c.unit,
        value: simulatedReading(k, t, unit),
      })),
    );
    const state = { ms, registers, t };
    cache.set(unit, state);
    return state;
  };
}

function modbusVector(started: number) {
  const state = modbusState(started);
  return {
    getInputRegister: (address: number, unit: number) => state(unit).registers[address] ?? 0,
    // Addresses past the map read as 0, as on the analyser.
    getMultipleInputRegisters: (address: number, length: number, unit: number) => {
      const { registers } = state(unit);
      return Array.from({ length }, (_, i) => registers[address + i] ?? 0);
    },
    getDiscreteInput: (address: number, unit: number) => {
      const { t } = state(unit);
      // Status bit 0 of each slot blinks every 10 s; maintenance is set in one minute of five.
      if (address < 10 * STATUS_BITS_PER_SLOT) return address % STATUS_BITS_PER_SLOT === 0 && Math.floor(t / 10) % 2 === 1;
      if (address === FAULT_ADDRESS) return false;
      if (address === MAINTENANCE_ADDRESS) return Math.floor(t / 60) % 5 === 4;
      return false;
    },
    getHoldingRegister: () => 0,
    getCoil: () => false,
    setRegister: () => undefined,
    setCoil: () => undefined,
  };
}

async function startModbusTcp(options: ServomexSimulatorOptions): Promise<StartedServomexSimulator> {
  const vector = modbusVector(Date.now());
  // modbus-serial's server treats port 0 as "the default, 502", so a free port is found first.
  const host = options.host ?? '127.0.0.1';
  const chosen = options.port ? options.port : undefined;
  for (let attempt = 0; ; attempt++) {
    const port = chosen ?? (await freeLoopbackPort());
    const server = new ServerTCP(vector, { host, port, unitID: 255 });
    const outcome = await new Promise<Error | undefined>((resolve) => {
      server.once('initialized', () => resolve(undefined));
      server.once('serverError', (error: Error) => resolve(error));
    });
    if (outcome) {
      if (chosen === undefined && attempt < 5 && (outcome as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
      throw new Error(`simulated Modbus TCP server: ${outcome.message}`);
    }
    return {
      uri: `servomex+modbus-tcp://${host.includes(':') ? `[${host}]` : host}:${port}?unit=${unitList(options.units)}&rate=${options.rateHz}`,
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
}

async function startModbusRtu(options: ServomexSimulatorOptions): Promise<StartedServomexSimulator> {
  const pty = await openPtyPair();
  // The server takes 30 ms of silence as the end of a request by default (a real line's 3.5
  // characters at low baud, with margin); on a pty the bytes of a request arrive together.
  const server = new ServerSerial(modbusVector(Date.now()), {
    path: pty.a,
    baudRate: options.baudRate,
    unitID: 255,
    interval: 3,
  } as ConstructorParameters<typeof ServerSerial>[1]);
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('error', (error: Error) => reject(error));
  });
  return {
    uri: `servomex+modbus-rtu://${pty.b}?baud=${options.baudRate}&unit=${unitList(options.units)}&rate=${options.rateHz}`,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pty.close();
    },
  };
}

function unitList(units: number): string {
  return Array.from({ length: units }, (_, i) => i + 1).join(',');
}
