// Add Device's form, host side and pure: what a family's form asks (the address as its scheme
// takes it, each declared parameter), the URI a filled-in form makes, and what is wrong with it
// field by field. The URI is checked by the same parser a session uses, so what is saved connects.
import type { AddressForm, Family, Param } from './family';
import { paramsFor } from './family';
import { families } from './registry';

/** What the user typed, field by field; only the fields of the chosen family and scheme count. */
export interface DeviceDraft {
  family: string;
  simulator: boolean;
  scheme: string;
  host: string;
  port: string;
  /** A serial port's or a file's path, or (a scheme without an address form) the whole URI. */
  path: string;
  params: Record<string, string>;
  name: string;
}

export type DraftField = 'family' | 'scheme' | 'host' | 'port' | 'path' | 'name' | `param:${string}`;

export interface FormShape {
  schemes: string[];
  address: AddressForm | { kind: 'uri' } | { kind: 'none' };
  params: Array<Pick<Param, 'key' | 'description' | 'example' | 'default'>>;
}

/** The form a family shows for a scheme (or its simulator). */
export function formShape(family: Family, simulator: boolean, scheme: string): FormShape {
  const chosen = family.schemes.includes(scheme) ? scheme : family.schemes[0]!;
  const params = paramsFor(family, { scheme: simulator ? 'sim' : chosen });
  return {
    schemes: [...family.schemes],
    address: simulator ? { kind: 'none' } : (family.addresses?.[chosen] ?? { kind: 'uri' }),
    params: params.map(({ key, description, example, default: d }) => ({
      key,
      description,
      example,
      ...(d !== undefined ? { default: d } : {}),
    })),
  };
}

/** A value as a URI's query holds it: the characters that would end or split it escaped, the rest as typed. */
const queryValue = (text: string) => text.replace(/[%&#=+\s]/g, (c) => encodeURIComponent(c));

/** The URI of a draft, or a problem with one field when it cannot be made at all. */
export function draftUri(
  draft: DeviceDraft,
  family: Family,
  shape = formShape(family, draft.simulator, draft.scheme),
): { uri: string } | { field: DraftField; problem: string } {
  const scheme = family.schemes.includes(draft.scheme) ? draft.scheme : family.schemes[0]!;
  let base: string;
  const address = shape.address;
  if (address.kind === 'none') base = `sim:${family.id}`;
  else if (address.kind === 'network') {
    const host = draft.host.trim();
    if (!host) return { field: 'host', problem: 'a host name or an IP address is needed' };
    if (/[/?#@\s]/.test(host)) return { field: 'host', problem: `"${host}" is not a host name or an IP address` };
    const port = draft.port.trim();
    if (port && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535))
      return { field: 'port', problem: `port "${port}" is not a whole number from 1 to 65535` };
    // An IPv6 address goes in brackets (a zone, fe80::1%eth0, as typed).
    const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    base = `${scheme}://${shown}${port ? `:${port}` : ''}`;
  } else if (address.kind === 'serial' || address.kind === 'file') {
    const path = draft.path.trim();
    if (!path) return { field: 'path', problem: address.kind === 'serial' ? 'choose or type a serial port' : 'a file path is needed' };
    base = address.kind === 'serial' ? `${scheme}://${path.startsWith('/') ? '' : '/'}${path}` : `${scheme}:${path}`;
  } else {
    base = draft.path.trim();
    if (!base) return { field: 'path', problem: `the device's URI is needed, e.g. ${family.example}` };
  }
  const known = new Set(shape.params.map((p) => p.key));
  const query = Object.entries(draft.params)
    .filter(([key, value]) => known.has(key) && value.trim() !== '')
    .map(([key, value]) => `${key}=${queryValue(value.trim())}`)
    .join('&');
  return { uri: query ? `${base}${base.includes('?') ? '&' : '?'}${query}` : base };
}

/**
 * Which field a URI check's message is about: the parameter it names, else the address part
 * it names, else the address as a whole.
 */
export function fieldOf(message: string, shape: FormShape): DraftField {
  const param = /parameter "?([\w.-]+)"?(=|\s)/.exec(message)?.[1];
  if (param && shape.params.some((p) => p.key === param)) return `param:${param}`;
  const address = shape.address.kind;
  if (address === 'network') return /\bport\b/i.test(message) ? 'port' : 'host';
  return 'path';
}

/**
 * What is wrong with `uri` (as a device of `family`, when given), or undefined when it is fine:
 * the same check a session makes, parameters and all, so what is saved will connect.
 */
export function checkUri(uri: string, family?: Family): string | undefined {
  try {
    const resolved = families().resolve(uri);
    if (family && resolved.family !== family) return `that is a ${resolved.family.label} URI, not ${family.label}`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
