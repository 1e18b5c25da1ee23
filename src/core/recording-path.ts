// Where a recording goes: `<folder>/<device>-<YYYYMMDD-HHMMSS>.<ext>` inside the workspace, never
// outside it (a setting such as "../../etc" is refused, not followed).
import * as path from 'node:path';
import type { RecordingFormat } from './writers/types';

/** A device name as a file-name fragment: letters, digits, `.`, `_`, `-`; the rest becomes `-`. */
export function fileSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 60);
  return slug || 'device';
}

/** Local time as YYYYMMDD-HHMMSS: sorts by name in the order the recordings were made. */
export function timestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

export class OutsideWorkspaceError extends Error {
  constructor(target: string, root: string) {
    super(
      `recordings must stay inside the workspace folder ${root}, but the recordings folder resolves to ${target}; change labscope.recordingsFolder to a relative path such as "recordings"`,
    );
    this.name = 'OutsideWorkspaceError';
  }
}

/** The folder recordings go to, checked to lie inside `root`. */
export function recordingsFolder(root: string, setting: string): string {
  const resolvedRoot = path.resolve(root);
  const folder = path.resolve(resolvedRoot, setting || 'recordings');
  const relative = path.relative(resolvedRoot, folder);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new OutsideWorkspaceError(folder, resolvedRoot);
  return folder;
}

/**
 * A new recording's path; `exists` lets a second recording in the same second get `-2`. `name`:
 * the family's own file name for it (Family.recordingName), used instead of device and time.
 */
export function recordingPath(
  folder: string,
  deviceName: string,
  format: RecordingFormat,
  when: Date,
  exists: (p: string) => boolean,
  name?: string,
): string {
  const base = name !== undefined ? fileSlug(name) : `${fileSlug(deviceName)}-${timestamp(when)}`;
  for (let n = 1; ; n++) {
    const candidate = path.join(folder, `${base}${n === 1 ? '' : `-${n}`}.${format}`);
    if (!exists(candidate)) return candidate;
  }
}
