// `labscope`: the command line on the same core as the extension, for headless recording.
import '../devices/index';
import { record } from './record';
import { simulate, simulateUsage } from './simulate';
import { info, recover } from './files';
import { exportCommand } from './export';
import { HelpRequested, UsageError } from './args';
// Bundled into dist/cli.js by esbuild, so the installed CLI knows its version without the manifest beside it.
import { version } from '../../package.json';

const usage = () => `usage: labscope <command> [options]     (labscope --version prints the version;
                                         labscope <command> --help, one command's options)

commands:
  record <uri> --out FILE.(npy|csv|mat) [--duration S] [--buffer FRAMES] [--json]
              [--fast]  (audio files: as fast as they can be read, not in real time)
  info FILE                 shape, channels, rate, markers and gaps of a recording
  export REC --format npy|csv|mat|edf|bdf|brainvision --out FILE [--start S] [--end S] [--channels a,b]
                            a crop or some channels of a recording, in another format
  recover FILE.npy          repair an NPY whose last write was cut off
  recover FILE.mat.part     rebuild the .mat of a MAT recording that never closed
${simulateUsage()}

device URIs: rda://HOST:PORT, sim:rda?channels=8&rate=1000, audio:FILE.wav,
  audio:FILE.pcm?rate=16k&encoding=SPCM&width=2, audio+tcp://HOST:PORT?rate=…, sim:audio,
  servomex+serial:///dev/ttyUSB0?baud=19200, servomex+modbus-rtu:///dev/ttyUSB0?unit=1&rate=2,
  servomex+modbus-tcp://HOST:502?unit=1&rate=2, sim:servomex?mode=ascii|modbus-tcp|modbus-rtu`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'simulate':
      return simulate(rest);
    case 'record':
      return record(rest);
    case 'info':
      return info(rest);
    case 'recover':
      return recover(rest);
    case 'export':
      return exportCommand(rest);
    case '--version':
    case '-V':
      console.log(`labscope ${version}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage());
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}" (try: simulate, record, info, export, recover)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    if (error instanceof HelpRequested) {
      console.log(error.usage);
      process.exitCode = 0;
      return;
    }
    console.error(`labscope: ${error.message}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
