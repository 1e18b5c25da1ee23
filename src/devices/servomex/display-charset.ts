// The analyser's display character set. Its names are printed with it: 0x82 is a subscript two
// (CO₂ arrives as "CO\x82"). Only 0x82 is documented; the subscript digits are assumed to be the
// run 0x80–0x89, as the display's font tables put them together. Other bytes read as Latin-1.
const SUBSCRIPT_DIGITS = '₀₁₂₃₄₅₆₇₈₉';

export function decodeDisplayText(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += b >= 0x80 && b <= 0x89 ? SUBSCRIPT_DIGITS[b - 0x80] : String.fromCharCode(b);
  return text;
}

/** The simulator's inverse, so it can print names the way an analyser does. */
export function encodeDisplayText(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const sub = SUBSCRIPT_DIGITS.indexOf(ch);
    const code = sub >= 0 ? 0x80 + sub : ch.charCodeAt(0);
    if (code > 0xff) throw new RangeError(`"${ch}" is not in the analyser's display character set`);
    out.push(code);
  }
  return Uint8Array.from(out);
}
