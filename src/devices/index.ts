// The instrument families Labscope ships, as one list. Adding a family is a folder under
// src/devices/<id>/ with a family.ts, and one line here. Importing this module registers the list
// with the core (registerFamilies), which is what the composition roots (the extension, the CLI,
// the acquisition worker's entry, tests) do; the core itself never imports it.
import type { Family } from '../core/family';
import { registerFamilies } from '../core/registry';
import { audio } from './audio/family';
import { bela } from './bela/family';
import { moku } from './moku/family';
import { rda } from './rda/family';
import { servomex } from './servomex/family';

export const FAMILIES: readonly Family[] = [rda, servomex, audio, bela, moku];

export const registry = registerFamilies(FAMILIES);
