// Reads a .vsix's file list from its zip central directory, so neither the packaging script nor
// its test needs an unzip binary or vsce's private dependencies. A .vsix is far below the zip64
// limits (4 GiB, 65535 entries), so the classic end-of-central-directory record is enough.
import { readFileSync } from 'node:fs';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

/** Entries of the zip at `file`: { name, size (uncompressed), compressed } in archive order. */
export function listVsix(file) {
  const zip = readFileSync(file);
  // The end record is 22 bytes plus a comment of at most 65535: search backwards for it.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip archive (no end-of-central-directory record)`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`${file}: damaged central directory at byte ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      compressed: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
