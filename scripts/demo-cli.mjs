// `npm run demo:cli`: a headless demo of the whole data path, for machines without a browser.
// The CLI starts the RDA simulator (synthetic EEG), records five seconds into
// recordings/demo.npy and prints the summary, then describes the file it wrote.
import { spawnSync } from 'node:child_process';

const cli = (...args) => {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

console.log('Labscope demo: recording 5 s of a simulated 32-channel, 1 kHz EEG amplifier over RDA…');
cli('record', 'sim:rda?channels=32&rate=1000', '--out', 'recordings/demo.npy', '--duration', '5');
cli('info', 'recordings/demo.npy');
console.log(
  '\nOpen it in Python: numpy.load("recordings/demo.npy"); channel names, units and markers are in recordings/demo.labscope.json',
);
