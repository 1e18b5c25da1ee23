// The serial ports a user may pick from (Add Device's form).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serialBinding } from './serial-bridge';

type PortInfo = { path: string; manufacturer?: string; serialNumber?: string };

/**
 * The system's serial ports, each with its manufacturer and serial number when known: serialport's
 * list, or on Linux without udevadm (a container, a minimal install: serialport spawns it) what
 * sysfs says (a tty with a device behind it, its USB manufacturer and serial number).
 */
export async function serialPorts(
  list: () => Promise<PortInfo[]> = () => serialBinding().list(),
  sysfs = '/sys/class/tty',
): Promise<Array<{ path: string; label: string }>> {
  let ports: PortInfo[];
  try {
    ports = await list();
  } catch (error) {
    if (process.platform !== 'linux' || !fs.existsSync(sysfs)) throw error;
    ports = sysfsPorts(sysfs);
  }
  return ports
    .map((p) => ({ path: p.path, label: [p.path, p.manufacturer, p.serialNumber].filter(Boolean).join(' · ') }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

function sysfsPorts(sysfs: string): PortInfo[] {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  return fs.readdirSync(sysfs).flatMap((name) => {
    let device: string;
    try {
      device = fs.realpathSync(path.join(sysfs, name, 'device'));
    } catch {
      return []; // a virtual terminal: no hardware behind it
    }
    // A USB adapter's manufacturer and serial number are on its USB device, a few folders up.
    let manufacturer: string | undefined;
    let serialNumber: string | undefined;
    for (let dir = device, i = 0; i < 4 && !manufacturer; i++, dir = path.dirname(dir)) {
      manufacturer = read(path.join(dir, 'manufacturer'));
      serialNumber = read(path.join(dir, 'serial'));
    }
    return [{ path: `/dev/${name}`, manufacturer, serialNumber }];
  });
}
