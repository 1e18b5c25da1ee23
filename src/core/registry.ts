// The families the core knows, handed to it at start-up by whoever composes the program (the
// extension, the CLI, the acquisition worker's entry, a test) rather than imported: the core
// never reaches up to src/devices. `Families` answers the questions every caller asks of a URI.
import { paramsFor, readParams, type Family, type SourceOptions } from './family';
import type { Source } from './source';
import { parseDeviceUri, UriError, type DeviceUri } from './uri';

export interface ResolvedDevice {
  uri: DeviceUri;
  family: Family;
}

export class Families {
  constructor(readonly list: readonly Family[]) {
    const ids = new Set<string>();
    const schemes = new Set<string>();
    for (const family of list) {
      if (ids.has(family.id)) throw new Error(`two families are called "${family.id}"`);
      ids.add(family.id);
      for (const scheme of family.schemes) {
        if (scheme === 'sim' || schemes.has(scheme)) throw new Error(`family "${family.id}": the scheme "${scheme}:" is taken`);
        schemes.add(scheme);
      }
    }
  }

  byId(id: string): Family | undefined {
    return this.list.find((f) => f.id === id);
  }

  /** The family a parsed URI belongs to (`sim:<id>` is that family's simulator). */
  of(uri: DeviceUri): Family {
    const id = uri.scheme === 'sim' ? uri.path : undefined;
    const family = id !== undefined ? this.byId(id) : this.list.find((f) => f.schemes.includes(uri.scheme));
    if (family) return family;
    if (id !== undefined)
      throw new UriError(uri.text, `no simulator called "${id}" (known: ${this.list.map((f) => `sim:${f.id}`).join(', ')})`);
    throw new UriError(uri.text, `unknown scheme "${uri.scheme}:" (known: ${[...this.list.flatMap((f) => f.schemes), 'sim'].join(', ')})`);
  }

  /**
   * Parses and checks a device URI: its family, every parameter (unknown ones refused), and the
   * family's own cross-checks. Throws a UriError naming the wrong part.
   */
  resolve(text: string): ResolvedDevice {
    const uri = parseDeviceUri(text);
    const family = this.of(uri);
    // The parsed values go to the family's cross-checks, so no family parses its URI twice.
    family.check?.(uri, readParams(uri, paramsFor(family, uri)));
    return { uri, family };
  }

  /** The source for a real device's URI (a simulator is started first and its address used). */
  createSource(text: string, options: SourceOptions = {}): Source {
    const { uri, family } = this.resolve(text);
    if (uri.scheme === 'sim') throw new UriError(text, 'a simulator must be started before a source can connect to it');
    return family.createSource(uri, options);
  }

  /** `text` with relative paths made absolute against `baseDir`, as its family resolves them. */
  resolvePaths(text: string, baseDir: string): string {
    try {
      return this.of(parseDeviceUri(text)).resolvePaths?.(text, baseDir) ?? text.trim();
    } catch {
      // A bad URI is reported where it is used, with its own message.
      return text.trim();
    }
  }

  /** The family that plays files (createDirStreams); throws if none is registered. */
  fileStreams(): Family & { fileStreams: NonNullable<Family['fileStreams']> } {
    const family = this.list.find((f) => f.fileStreams);
    if (!family) throw new Error(`no registered family plays files (registered: ${this.list.map((f) => f.id).join(', ') || 'none'})`);
    return family as Family & { fileStreams: NonNullable<Family['fileStreams']> };
  }

  /** The absolute file a URI plays, for any family that plays files; undefined otherwise. */
  fileOf(text: string): string | undefined {
    try {
      const uri = parseDeviceUri(text);
      return this.of(uri).fileStreams?.fileOf(uri);
    } catch {
      return undefined;
    }
  }
}

let registered: Families | undefined;

/** Hands the core its families; the composition root calls this once (again replaces them). */
export function registerFamilies(list: readonly Family[]): Families {
  registered = new Families(list);
  return registered;
}

/** The registered families; throws a message a developer can act on when nobody registered any. */
export function families(): Families {
  if (!registered) {
    throw new Error(
      'no instrument families are registered: the program must call registerFamilies() at start-up (importing src/devices does)',
    );
  }
  return registered;
}
