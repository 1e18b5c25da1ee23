// Servomex gas analysers as a Labscope family: continuous ASCII on a serial port, and Modbus
// (RTU on a serial port, or TCP) polled by the seed-001 recorder. URIs:
//   servomex+serial:///dev/ttyUSB0?baud=19200&parity=none&databits=8&stopbits=1&period=2
//   servomex+modbus-rtu:///dev/ttyUSB0?unit=1&rate=2     servomex+modbus-tcp://host:502?unit=1,2&rate=2
//   sim:servomex?mode=ascii|modbus-tcp|modbus-rtu
import {
  choiceParam,
  listenPortParam,
  numberParam,
  ParamError,
  paramsFor,
  readParams,
  textParam,
  valueOf,
  type Family,
  type Param,
} from '../../core/family';
import { UriError, type DeviceUri } from '../../core/uri';
import { OverflowPolicy } from '../../core/poll-recorder';
import { PolledSource } from '../../core/polled-source';
import { pollSummary } from '../../core/human';
import { ContinuousSource, type SerialSettings } from './continuous-source';
import { describeTransport, ServomexModbus, type AnalyzerAddress, type ModbusTransport } from './modbus-analyzer';
import { startServomexSimulator, type ServomexSimMode } from './simulator';

const MODBUS_TCP_PORT = 502;
const SERIAL = ['servomex+serial', 'servomex+modbus-rtu'];
const MODBUS = ['servomex+modbus-rtu', 'servomex+modbus-tcp'];

/** `unit=1` or `unit=1,2,3`, each optionally named: `unit=o2:1,co:2`. */
const unitParam: Param<AnalyzerAddress[]> = {
  key: 'unit',
  description: 'Modbus: unit id(s), optionally named: 1 or o2:1,co:2',
  example: '1',
  default: '1',
  schemes: MODBUS,
  parse(text) {
    const list = text.split(',').map((part) => {
      const m = /^(?:([A-Za-z][\w-]*):)?(\d{1,3})$/.exec(part.trim());
      const unit = m ? Number(m[2]) : NaN;
      // Worded in full: the problem is one part of the list, not the whole text.
      if (!m || unit < 1 || unit > 247)
        throw new ParamError(`unit="${text}": "${part}" is not a unit id from 1 to 247 (optionally name:id)`);
      return { name: m[1] ?? `unit${unit}`, unit };
    });
    if (new Set(list.map((a) => a.name)).size !== list.length) throw new Error('names an analyser twice');
    return list;
  },
};

const params: Param[] = [
  numberParam({
    key: 'baud',
    description: 'serial: bits per second',
    example: '19200',
    default: '19200',
    min: 50,
    max: 4_000_000,
    integer: true,
    schemes: SERIAL,
  }),
  choiceParam({
    key: 'parity',
    description: 'serial: none, even, odd, mark or space',
    example: 'none',
    default: 'none',
    choices: ['none', 'even', 'odd', 'mark', 'space'] as const,
    schemes: SERIAL,
  }),
  numberParam({
    key: 'databits',
    description: 'serial: 5 to 8',
    example: '8',
    default: '8',
    min: 5,
    max: 8,
    integer: true,
    schemes: SERIAL,
  }),
  {
    key: 'stopbits',
    description: 'serial: 1, 1.5 or 2',
    example: '1',
    default: '1',
    schemes: SERIAL,
    parse(text) {
      const value = Number(text);
      if (![1, 1.5, 2].includes(value) || !text.trim()) throw new Error('is not 1, 1.5 or 2');
      return value;
    },
  },
  numberParam({
    key: 'period',
    description: 'continuous: seconds between frames (measured if left out)',
    example: '2',
    min: 0.01,
    max: 3600,
    schemes: ['servomex+serial'],
  }),
  unitParam,
  numberParam({ key: 'rate', description: 'Modbus: polls per second', example: '2', default: '2', min: 0.001, max: 1000, schemes: MODBUS }),
  numberParam({
    key: 'timeout',
    description: 'Modbus: seconds to wait for each reply',
    example: '1',
    default: '1',
    min: 0.01,
    max: 60,
    schemes: MODBUS,
  }),
  {
    key: 'overflow',
    description: 'Modbus: block, drop_newest or drop_oldest',
    example: 'block',
    default: 'block',
    schemes: MODBUS,
    parse(text) {
      const policy = text.toLowerCase().replace('-', '_');
      const policies = Object.values(OverflowPolicy) as string[];
      if (!policies.includes(policy)) throw new Error(`is not one of ${policies.join(', ')}`);
      return policy as OverflowPolicy;
    },
  },
  numberParam({
    key: 'buffer',
    description: 'Modbus: batches queued before the overflow policy applies',
    example: '64',
    default: '64',
    min: 1,
    max: 1_000_000,
    integer: true,
    schemes: MODBUS,
  }),
  textParam({
    key: 'names',
    description: 'Modbus: poll only these analysers (names from unit=)',
    example: 'unit1',
    nonEmpty: true,
    schemes: MODBUS,
  }),
];

const simulatorParams: Param[] = [
  choiceParam({
    key: 'mode',
    description: 'ascii (a serial pty via socat), modbus-tcp or modbus-rtu',
    example: 'ascii',
    default: 'ascii',
    choices: ['ascii', 'modbus-tcp', 'modbus-rtu'] as const,
  }),
  numberParam({ key: 'period', description: 'ascii: seconds between frames', example: '1', default: '1', min: 0.01, max: 3600 }),
  numberParam({
    key: 'corrupt',
    description: 'ascii: every Nth frame has a bad checksum (0 = none)',
    example: '0',
    default: '0',
    min: 0,
    max: 1_000_000,
    integer: true,
  }),
  numberParam({ key: 'units', description: 'Modbus: analysers on the bus', example: '1', default: '1', min: 1, max: 247, integer: true }),
  numberParam({ key: 'rate', description: 'Modbus: polls per second', example: '2', default: '2', min: 0.001, max: 1000 }),
  listenPortParam({
    description: 'modbus-tcp: the port to listen on (0: any free one; the serial modes make a pty)',
    example: '0',
    default: '0',
  }),
  numberParam({
    key: 'baud',
    description: "serial modes: the pty's bits per second",
    example: '19200',
    default: '19200',
    min: 50,
    max: 4_000_000,
    integer: true,
  }),
];

function serialSettings(uri: DeviceUri, v: Map<string, unknown>): SerialSettings {
  return {
    path: uri.path,
    baudRate: valueOf(v, 'baud'),
    dataBits: valueOf(v, 'databits'),
    parity: valueOf(v, 'parity'),
    stopBits: valueOf(v, 'stopbits'),
  };
}

function modbusTransport(uri: DeviceUri, v: Map<string, unknown>): ModbusTransport {
  if (uri.scheme === 'servomex+modbus-tcp') return { kind: 'tcp', host: uri.host, port: uri.port ?? MODBUS_TCP_PORT };
  return { kind: 'rtu', serial: serialSettings(uri, v) };
}

function names(v: ReadonlyMap<string, unknown>): string[] | undefined {
  const text = valueOf<string | undefined>(v, 'names');
  return text ? text.split(',').map((n) => n.trim()) : undefined;
}

export const servomex: Family = {
  id: 'servomex',
  label: 'Servomex gas analyser',
  schemes: ['servomex+serial', 'servomex+modbus-rtu', 'servomex+modbus-tcp'],
  addresses: {
    'servomex+serial': { kind: 'serial' },
    'servomex+modbus-rtu': { kind: 'serial' },
    'servomex+modbus-tcp': { kind: 'network', port: MODBUS_TCP_PORT },
  },
  example: 'servomex+modbus-tcp://127.0.0.1:502?unit=1&rate=2',
  params,
  simulatorParams,
  check(uri, v) {
    if (uri.scheme === 'sim') {
      // A serial mode has no port to listen on: saying so beats a port silently ignored.
      if (valueOf<number>(v, 'port') > 0 && valueOf(v, 'mode') !== 'modbus-tcp')
        throw new UriError(uri.text, `port= is for mode=modbus-tcp (mode=${String(valueOf(v, 'mode'))} makes a serial pty)`);
      return;
    }
    if (uri.scheme === 'servomex+modbus-tcp') {
      if (!uri.host) throw new UriError(uri.text, 'no host (expected servomex+modbus-tcp://HOST:502?unit=1&rate=2)');
    } else {
      if (uri.host)
        throw new UriError(
          uri.text,
          `a serial port URI has no host: write ${uri.scheme}:///dev/ttyUSB0 (three slashes), not "${uri.host}"`,
        );
      if (!uri.path || uri.path === '/') throw new UriError(uri.text, `no serial port path (expected e.g. ${uri.scheme}:///dev/ttyUSB0)`);
    }
    if (uri.scheme === 'servomex+serial') return;
    const units = valueOf<AnalyzerAddress[]>(v, 'unit');
    for (const n of names(v) ?? []) {
      if (!units.some((u) => u.name === n))
        throw new UriError(uri.text, `parameter names: "${n}" is not one of the analysers (${units.map((u) => u.name).join(', ')})`);
    }
  },
  createSource(uri, options) {
    const v = readParams(uri, paramsFor(servomex, uri));
    if (uri.scheme === 'servomex+serial') {
      return new ContinuousSource({
        serial: serialSettings(uri, v),
        device: uri.path,
        periodS: valueOf(v, 'period'),
        backoffS: options.backoffS,
      });
    }
    const transport = modbusTransport(uri, v);
    const units = valueOf<AnalyzerAddress[]>(v, 'unit');
    const timeoutS = valueOf<number>(v, 'timeout');
    return new PolledSource(() => ServomexModbus.connect(transport, units, timeoutS), {
      label: describeTransport(transport),
      rateHz: valueOf(v, 'rate'),
      names: names(v),
      timeout: timeoutS,
      overflow: valueOf(v, 'overflow'),
      bufferSize: valueOf(v, 'buffer'),
      backoffS: options.backoffS,
      describe: { protocol: transport.kind === 'tcp' ? 'modbus-tcp' : 'modbus-rtu', transport, units },
    });
  },
  // The serial modes make a pty and open it with serialport, which works on the main thread only.
  simulatorThread: (uri) => valueOf<ServomexSimMode>(readParams(uri, simulatorParams), 'mode') === 'modbus-tcp',
  async simulate(uri, options) {
    const v = readParams(uri, simulatorParams);
    return startServomexSimulator({
      port: valueOf(v, 'port'),
      host: options?.host,
      mode: valueOf<ServomexSimMode>(v, 'mode'),
      periodS: valueOf(v, 'period'),
      corruptEvery: valueOf(v, 'corrupt'),
      units: valueOf(v, 'units'),
      rateHz: valueOf(v, 'rate'),
      baudRate: valueOf(v, 'baud'),
    });
  },
  // The poll recorder's live summary (late ticks, drift) is what a user of a polled analyser watches.
  summaryLine: pollSummary,
};
