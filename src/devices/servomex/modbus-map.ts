// The SERVOPRO 4100 Modbus map (PROTOCOLS.md). Input registers (FC04), data-model numbers from
// 30001, PDU address = number − 30001: ten slots of 7 registers — I1–I4 transducers, D1–D4
// derived values, E1–E2 external mA inputs — each a float32 value (high word first), a 6-char
// name and a 4-char unit. Discrete inputs (FC02): 8 status bits per slot from 10001, analyser
// fault at 11001 and maintenance at 11002. Pure functions: the client and the simulator share them.
import { decodeDisplayText, encodeDisplayText } from './display-charset';

export const SLOTS = ['I1', 'I2', 'I3', 'I4', 'D1', 'D2', 'D3', 'D4', 'E1', 'E2'] as const;
export type SlotId = (typeof SLOTS)[number];

export const REGISTERS_PER_SLOT = 7;
export const INPUT_REGISTERS = SLOTS.length * REGISTERS_PER_SLOT;
export const STATUS_BITS_PER_SLOT = 8;
export const STATUS_BITS = SLOTS.length * STATUS_BITS_PER_SLOT;
/** PDU addresses of 11001 and 11002. */
export const FAULT_ADDRESS = 1000;
export const MAINTENANCE_ADDRESS = 1001;

export interface SlotInfo {
  slot: SlotId;
  /** Index in SLOTS: the slot's registers start at 7 × index. */
  index: number;
  name: string;
  unit: string;
}

export function slotBase(index: number): number {
  return index * REGISTERS_PER_SLOT;
}

/** float32 from two registers, high word first. */
export function wordsToFloat(high: number, low: number): number {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(high & 0xffff, 0);
  b.writeUInt16BE(low & 0xffff, 2);
  return b.readFloatBE(0);
}

export function floatToWords(value: number): [number, number] {
  const b = Buffer.allocUnsafe(4);
  b.writeFloatBE(value, 0);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}

/** Text packed two characters per register, high byte first; NULs and padding trimmed. */
export function wordsToText(words: readonly number[]): string {
  const bytes: number[] = [];
  for (const w of words) bytes.push((w >> 8) & 0xff, w & 0xff);
  return decodeDisplayText(Uint8Array.from(bytes.filter((b) => b !== 0))).trim();
}

export function textToWords(text: string, registers: number): number[] {
  const bytes = encodeDisplayText(text);
  const words: number[] = [];
  for (let i = 0; i < registers; i++) words.push(((bytes[2 * i] ?? 0x20) << 8) | (bytes[2 * i + 1] ?? 0x20));
  return words;
}

/** The slots an analyser has configured: those with a name. */
export function slotsFromRegisters(registers: readonly number[]): SlotInfo[] {
  if (registers.length < INPUT_REGISTERS) throw new Error(`expected ${INPUT_REGISTERS} input registers, got ${registers.length}`);
  const slots: SlotInfo[] = [];
  SLOTS.forEach((slot, index) => {
    const base = slotBase(index);
    const name = wordsToText(registers.slice(base + 2, base + 5));
    if (!name) return;
    slots.push({ slot, index, name, unit: wordsToText(registers.slice(base + 5, base + 7)) });
  });
  return slots;
}

export function valueOf(registers: readonly number[], index: number): number {
  const base = slotBase(index);
  return wordsToFloat(registers[base], registers[base + 1]);
}

/** The simulator's side: the whole input-register block for these slot contents. */
export function registersFor(slots: readonly { index: number; name: string; unit: string; value: number }[]): number[] {
  const registers = new Array<number>(INPUT_REGISTERS).fill(0);
  for (const s of slots) {
    const base = slotBase(s.index);
    [registers[base], registers[base + 1]] = floatToWords(s.value);
    textToWords(s.name, 3).forEach((w, i) => (registers[base + 2 + i] = w));
    textToWords(s.unit, 2).forEach((w, i) => (registers[base + 5 + i] = w));
  }
  return registers;
}
