// Servomex gas analysers as a Labscope family: continuous ASCII on a serial port, and Modbus
// (RTU on a serial port, or TCP) polled by the seed-001 recorder. URIs:
//   servomex+serial:///dev/ttyUSB0?baud=19200&parity=none&databits=8&stopbits=1&period=2
//   servomex+modbus-rtu:///dev/ttyUSB0?unit=1&rate=2     servomex+modbus-tcp://host:502?unit=1,2&rate=2
//   sim:servomex?mode=ascii|modbus-tcp|modbus-rtu
import { numberParam, UriError, type DeviceUri } from '../../core/uri';
import { OverflowPolicy } from '../../core/poll-recorder';
import { PolledSource } from '../../core/polled-source';
import type { Family } from '../index';
import { ContinuousSource, type SerialSettings } from './continuous-source';
import { describeTransport, ServomexModbus, type AnalyzerAddress, type ModbusTransport } from './modbus-analyzer';
import { startServomexSimulator, type ServomexSimMode, type ServomexSimulatorOptions } from './simulator';

const MODBUS_TCP_PORT = 502;
const PARITIES = ['none', 'even', 'odd', 'mark', 'space'] as const;

function serialSettings(uri: DeviceUri): SerialSettings {
  if (uri.host) throw new UriError(uri.text, `a serial port URI has no host: write ${uri.scheme}:///dev/ttyUSB0 (three slashes), not "${uri.host}"`);
  if (!uri.path || uri.path === '/') throw new UriError(uri.text, `no serial port path (expected e.g. ${uri.scheme}:///dev/ttyUSB0)`);
  const parity = (uri.params.get('parity') ?? 'none').toLowerCase();
  if (!(PARITIES as readonly string[]).includes(parity)) throw new UriError(uri.text, `parameter parity="${parity}" is not one of ${PARITIES.join(', ')}`);
  const stopBits = numberParam(uri, 'stopbits', 1, 1, 2);
  if (![1, 1.5, 2].includes(stopBits)) throw new UriError(uri.text, `parameter stopbits="${stopBits}" is not 1, 1.5 or 2`);
  return {
    path: uri.path,
    baudRate: integer(uri, 'baud', 19200, 50, 4_000_000),
    dataBits: integer(uri, 'databits', 8, 5, 8) as SerialSettings['dataBits'],
    parity: parity as SerialSettings['parity'],
    stopBits: stopBits as SerialSettings['stopBits'],
  };
}

function integer(uri: DeviceUri, name: string, fallback: number, min: number, max: number): number {
  const value = numberParam(uri, name, fallback, min, max);
  if (!Number.isInteger(value)) throw new UriError(uri.text, `parameter ${name}="${uri.params.get(name)}" is not a whole number`);
  return value;
}

/** `unit=1` or `unit=1,2,3`, each optionally named: `unit=o2:1,co:2`. */
function analyzers(uri: DeviceUri): AnalyzerAddress[] {
  const text = uri.params.get('unit') ?? '1';
  const list = text.split(',').map((part) => {
    const m = /^(?:([A-Za-z][\w-]*):)?(\d{1,3})$/.exec(part.trim());
    const unit = m ? Number(m[2]) : NaN;
    if (!m || unit < 1 || unit > 247) throw new UriError(uri.text, `parameter unit="${text}": "${part}" is not a unit id from 1 to 247 (optionally name:id)`);
    return { name: m[1] ?? `unit${unit}`, unit };
  });
  const names = new Set(list.map((a) => a.name));
  if (names.size !== list.length) throw new UriError(uri.text, `parameter unit="${text}" names an analyser twice`);
  return list;
}

interface PollSettings {
  rateHz: number;
  timeoutS: number;
  overflow: OverflowPolicy;
  bufferSize: number;
  names?: string[];
}

function pollSettings(uri: DeviceUri, units: AnalyzerAddress[]): PollSettings {
  const overflow = (uri.params.get('overflow') ?? 'block').toLowerCase().replace('-', '_');
  const policies = Object.values(OverflowPolicy) as string[];
  if (!policies.includes(overflow)) throw new UriError(uri.text, `parameter overflow="${uri.params.get('overflow')}" is not one of ${policies.join(', ')}`);
  const namesText = uri.params.get('names');
  const names = namesText ? namesText.split(',').map((n) => n.trim()) : undefined;
  for (const n of names ?? []) {
    if (!units.some((u) => u.name === n)) throw new UriError(uri.text, `parameter names: "${n}" is not one of the analysers (${units.map((u) => u.name).join(', ')})`);
  }
  return {
    rateHz: numberParam(uri, 'rate', 2, 0.001, 1000),
    timeoutS: numberParam(uri, 'timeout', 1, 0.01, 60),
    overflow: overflow as OverflowPolicy,
    bufferSize: integer(uri, 'buffer', 64, 1, 1_000_000),
    names,
  };
}

function modbusTransport(uri: DeviceUri): ModbusTransport {
  if (uri.scheme === 'servomex+modbus-tcp') {
    if (!uri.host) throw new UriError(uri.text, 'no host (expected servomex+modbus-tcp://HOST:502?unit=1&rate=2)');
    return { kind: 'tcp', host: uri.host, port: uri.port ?? MODBUS_TCP_PORT };
  }
  return { kind: 'rtu', serial: serialSettings(uri) };
}

function simulatorOptions(uri: DeviceUri): ServomexSimulatorOptions {
  const mode = (uri.params.get('mode') ?? 'ascii') as ServomexSimMode;
  if (!['ascii', 'modbus-tcp', 'modbus-rtu'].includes(mode)) throw new UriError(uri.text, `parameter mode="${mode}" is not ascii, modbus-tcp or modbus-rtu`);
  return {
    mode,
    periodS: numberParam(uri, 'period', 1, 0.01, 3600),
    corruptEvery: integer(uri, 'corrupt', 0, 0, 1_000_000),
    units: integer(uri, 'units', 1, 1, 247),
    rateHz: numberParam(uri, 'rate', 2, 0.001, 1000),
    baudRate: integer(uri, 'baud', 19200, 50, 4_000_000),
  };
}

export const servomex: Family = {
  id: 'servomex',
  label: 'Servomex gas analyser',
  schemes: ['servomex+serial', 'servomex+modbus-rtu', 'servomex+modbus-tcp'],
  example: 'servomex+modbus-tcp://127.0.0.1:502?unit=1&rate=2',
  options: [
    { key: 'baud', description: 'serial: bits per second', example: '19200' },
    { key: 'parity', description: 'serial: none, even, odd, mark or space', example: 'none' },
    { key: 'databits', description: 'serial: 5 to 8', example: '8' },
    { key: 'stopbits', description: 'serial: 1, 1.5 or 2', example: '1' },
    { key: 'period', description: 'continuous: seconds between frames (measured if left out)', example: '2' },
    { key: 'unit', description: 'Modbus: unit id(s), optionally named: 1 or o2:1,co:2', example: '1' },
    { key: 'rate', description: 'Modbus: polls per second', example: '2' },
    { key: 'timeout', description: 'Modbus: seconds to wait for each reply', example: '1' },
    { key: 'overflow', description: 'Modbus: block, drop_newest or drop_oldest', example: 'block' },
    { key: 'buffer', description: 'Modbus: batches queued before the overflow policy applies', example: '64' },
    { key: 'names', description: 'Modbus: poll only these analysers', example: 'o2' },
  ],
  simulatorOptions: [
    { key: 'mode', description: 'ascii (a serial pty via socat), modbus-tcp or modbus-rtu', example: 'ascii' },
    { key: 'period', description: 'ascii: seconds between frames', example: '1' },
    { key: 'corrupt', description: 'ascii: every Nth frame has a bad checksum (0 = none)', example: '0' },
    { key: 'units', description: 'Modbus: analysers on the bus', example: '1' },
    { key: 'rate', description: 'Modbus: polls per second', example: '2' },
  ],
  validate(uri) {
    if (uri.scheme === 'sim') {
      simulatorOptions(uri);
    } else if (uri.scheme === 'servomex+serial') {
      serialSettings(uri);
      if (uri.params.has('period')) numberParam(uri, 'period', 1, 0.01, 3600);
    } else {
      modbusTransport(uri);
      pollSettings(uri, analyzers(uri));
    }
  },
  createSource(uri, options) {
    if (uri.scheme === 'servomex+serial') {
      const period = uri.params.get('period');
      return new ContinuousSource({
        serial: serialSettings(uri),
        device: uri.path,
        periodS: period ? numberParam(uri, 'period', 1, 0.01, 3600) : undefined,
        backoffS: options.backoffS,
      });
    }
    const transport = modbusTransport(uri);
    const units = analyzers(uri);
    const poll = pollSettings(uri, units);
    return new PolledSource(() => ServomexModbus.connect(transport, units, poll.timeoutS), {
      label: describeTransport(transport),
      rateHz: poll.rateHz,
      names: poll.names,
      timeout: poll.timeoutS,
      overflow: poll.overflow,
      bufferSize: poll.bufferSize,
      backoffS: options.backoffS,
      describe: { protocol: transport.kind === 'tcp' ? 'modbus-tcp' : 'modbus-rtu', transport, units },
    });
  },
  async simulate(uri) {
    return startServomexSimulator(simulatorOptions(uri));
  },
};
