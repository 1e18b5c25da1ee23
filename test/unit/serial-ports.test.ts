// The serial ports Add Device lists: serialport's list with manufacturer and serial number, or,
// where serialport cannot list (Linux without udevadm), what sysfs says, virtual terminals left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serialPorts } from '../../src/transports/serial-ports';
import { tmpDir } from '../helpers/tmp';

test("serialport's list, labelled and sorted by path", async () => {
  const ports = await serialPorts(async () => [
    { path: '/dev/ttyUSB1', manufacturer: 'FTDI', serialNumber: 'A10K3XYZ' },
    { path: '/dev/ttyACM0' },
  ]);
  assert.deepEqual(ports, [
    { path: '/dev/ttyACM0', label: '/dev/ttyACM0' },
    { path: '/dev/ttyUSB1', label: '/dev/ttyUSB1 · FTDI · A10K3XYZ' },
  ]);
});

test('without udevadm: the ttys sysfs shows a device behind, with the USB adapter they sit on', async (t) => {
  if (process.platform !== 'linux') return t.diagnostic('sysfs is Linux only');
  const root = tmpDir();
  const usb = path.join(root, 'devices/usb1/1-1');
  fs.mkdirSync(path.join(usb, '1-1:1.0/ttyUSB0'), { recursive: true });
  fs.writeFileSync(path.join(usb, 'manufacturer'), 'Prolific\n');
  fs.writeFileSync(path.join(usb, 'serial'), 'PL2303-1\n');
  const tty = path.join(root, 'class/tty');
  fs.mkdirSync(path.join(tty, 'ttyUSB0'), { recursive: true });
  fs.symlinkSync(path.join(usb, '1-1:1.0/ttyUSB0'), path.join(tty, 'ttyUSB0/device'));
  fs.mkdirSync(path.join(tty, 'tty1'), { recursive: true }); // a virtual terminal: no device
  const failing = async () => {
    throw new Error('spawn udevadm ENOENT');
  };
  assert.deepEqual(await serialPorts(failing, tty), [{ path: '/dev/ttyUSB0', label: '/dev/ttyUSB0 · Prolific · PL2303-1' }]);
  await assert.rejects(serialPorts(failing, path.join(root, 'none')), /udevadm/, 'no sysfs: the error as it was');
});
