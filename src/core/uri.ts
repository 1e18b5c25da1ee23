// Devices are named by one URI string everywhere (settings, tree, CLI, tests). Parsing is strict
// so a typo is caught where it is typed, with a message naming the part that is wrong.
import * as path from 'node:path';

export interface DeviceUri {
  /** The URI as given. */
  text: string;
  /** Scheme without the colon: rda, servomex+serial, sim, audio, … */
  scheme: string;
  host: string;
  port: number | undefined;
  /** Path (for sim: the family; for files and serial ports: the path). */
  path: string;
  params: Map<string, string>;
}

export class UriError extends Error {
  constructor(uri: string, what: string) {
    super(`bad device URI "${uri}": ${what}`);
    this.name = 'UriError';
  }
}

const SCHEME = /^([a-z][a-z0-9+.-]*):(.*)$/i;

export function parseDeviceUri(text: string): DeviceUri {
  const trimmed = text.trim();
  const m = SCHEME.exec(trimmed);
  if (!m) throw new UriError(text, 'no scheme (expected e.g. rda://127.0.0.1:51244 or sim:rda)');
  const scheme = m[1].toLowerCase();
  let rest = m[2];
  const params = new Map<string, string>();
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const part of rest.slice(q + 1).split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      if (!key) throw new UriError(text, `empty parameter name in "${part}"`);
      params.set(key, eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1)));
    }
    rest = rest.slice(0, q);
  }
  let host = '';
  let port: number | undefined;
  let path = rest;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    path = slash < 0 ? '' : rest.slice(slash);
    const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(authority);
    const colon = authority.lastIndexOf(':');
    let portText: string | undefined;
    if (bracket) {
      // An IPv6 link-local address names its interface (RFC 6874 writes the % as %25).
      host = bracket[1].replace(/%25/g, '%');
      portText = bracket[2];
    } else if (colon >= 0) {
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    } else {
      host = authority;
    }
    if (portText !== undefined) {
      if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
        throw new UriError(text, `port "${portText}" is not a number from 1 to 65535`);
      }
      port = Number(portText);
    }
    const allowed = bracket ? /^[A-Za-z0-9._:-]+(%[A-Za-z0-9._-]+)?$/ : /^[A-Za-z0-9._:-]+$/;
    if (host && !allowed.test(host)) throw new UriError(text, `host "${host}" has characters a host name cannot have`);
  }
  return { text: trimmed, scheme, host, port, path, params };
}

/** Reads a numeric parameter, refusing text that is not a finite number in [min, max]. */
export function numberParam(uri: DeviceUri, name: string, fallback: number, min: number, max: number): number {
  const raw = uri.params.get(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UriError(uri.text, `parameter ${name}="${raw}" is not a number from ${min} to ${max}`);
  }
  return value;
}

/** The URI with the path in parameter `key` (`?file=rel`, `?pybela=dir`) made absolute against `baseDir`. */
export function resolvePathParam(text: string, baseDir: string, key: string): string {
  const trimmed = text.trim();
  const q = trimmed.indexOf('?');
  if (q < 0) return trimmed;
  const parts = trimmed
    .slice(q + 1)
    .split('&')
    .map((part) => {
      if (!part.startsWith(`${key}=`)) return part;
      const value = decodeURIComponent(part.slice(key.length + 1));
      return value && !path.isAbsolute(value) ? `${key}=${path.resolve(baseDir, value).replace(/[%&#?+]/g, encodeURIComponent)}` : part;
    });
  return `${trimmed.slice(0, q + 1)}${parts.join('&')}`;
}

/** `sim:…?file=rel` with the file made absolute against `baseDir`. */
export function resolveFileParam(text: string, baseDir: string): string {
  return /^sim:[a-z0-9+.-]+\?/i.test(text.trim()) ? resolvePathParam(text, baseDir, 'file') : text.trim();
}
