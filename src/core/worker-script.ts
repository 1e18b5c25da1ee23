// Where Labscope's worker threads start: the bundled dist/acquisition-worker.js next to the bundle
// that loads us, or, run from sources (tests, benchmarks), its .ts entry through tsx's require hook
// registered inside the worker itself. One entry serves both kinds of thread (acquisition and
// simulator): workerData says which.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function workerScript(): { code: string; eval: boolean } {
  const bundled = path.join(__dirname, 'acquisition-worker.js');
  if (fs.existsSync(bundled)) return { code: bundled, eval: false };
  const source = path.join(__dirname, '..', 'acquisition-worker.ts');
  return { code: `require('tsx/cjs/api').register(); require(${JSON.stringify(source)});`, eval: true };
}
