// Edits to a settings file's text (settings.json, a .code-workspace) made in place with
// jsonc-parser, so what a person wrote around them (comments, order, indentation, trailing commas)
// stays as it was. VS Code's own configuration update rewrites the whole value of the setting,
// which dropped the comments between a user's device entries. No `vscode` here: plain text in,
// plain text out, unit-tested in Node.
import {
  applyEdits,
  createScanner,
  findNodeAtLocation,
  modify,
  parse,
  parseTree,
  SyntaxKind,
  type FormattingOptions,
  type JSONPath,
  type Node,
  type ParseError,
} from 'jsonc-parser';

/** Where a setting lives in the file: a top-level key, or under "settings" in a .code-workspace. */
export function settingPath(key: string, workspaceFile: boolean): JSONPath {
  return workspaceFile ? ['settings', key] : [key];
}

/** The file's own indentation (the first indented line's), so new lines look like their neighbours. */
function formatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return indent.includes('\t') ? { insertSpaces: false, tabSize: 1, eol } : { insertSpaces: true, tabSize: indent.length, eol };
}

/** The text parsed, or an error naming the file and the first fault (a file we would only make worse). */
function parsed(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) throw new Error(`${file} is not valid JSON with comments (at offset ${errors[0].offset}): fix it, then try again`);
  return value;
}

function valueAt(root: unknown, path: JSONPath): unknown {
  let at: unknown = root;
  for (const key of path) at = at && typeof at === 'object' ? (at as Record<string | number, unknown>)[key] : undefined;
  return at;
}

/** The array node at `path`, after checking the file parses (see parsed). */
function arrayAt(text: string, path: JSONPath, file: string): Node | undefined {
  const current = valueAt(parsed(text, file), path);
  if (current !== undefined && !Array.isArray(current))
    throw new Error(`${path.join('.')} in ${file} is not a list: fix it, then try again`);
  const root = parseTree(text, [], { allowTrailingComma: true });
  return root && findNodeAtLocation(root, path);
}

/** Offset just past the next token after `offset` when it is a comma (comments and blanks skipped), else undefined. */
function commaAfter(text: string, offset: number): number | undefined {
  const scanner = createScanner(text.slice(offset), false);
  for (;;) {
    const token = scanner.scan();
    if (
      token === SyntaxKind.Trivia ||
      token === SyntaxKind.LineBreakTrivia ||
      token === SyntaxKind.LineCommentTrivia ||
      token === SyntaxKind.BlockCommentTrivia
    )
      continue;
    return token === SyntaxKind.CommaToken ? offset + scanner.getTokenOffset() + 1 : undefined;
  }
}

/** A flat object on one line as people write device entries (`{ "name": "A", "uri": "…" }`); anything else as JSON. */
function inline(entry: unknown): string {
  if (entry && typeof entry === 'object' && !Array.isArray(entry) && Object.values(entry).every((v) => v === null || typeof v !== 'object'))
    return `{ ${Object.entries(entry)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(', ')} }`;
  return JSON.stringify(entry);
}

/** `entry` appended to the array setting at `path` (made if missing); every other byte untouched. */
export function appendToArray(text: string, path: JSONPath, entry: unknown, file = 'the settings file'): string {
  const source = text.trim() === '' ? '{}' : text;
  const array = arrayAt(source, path, file);
  const last = array?.children?.at(-1);
  if (!array || !last) {
    // No list yet, or an empty one: jsonc-parser writes it, in the file's indentation.
    return applyEdits(source, modify(source, path, [entry], { formattingOptions: formatting(source) }));
  }
  // After the last entry, on a line of its own, indented like it; its trailing comma style kept.
  const lineStart = source.lastIndexOf('\n', last.offset) + 1;
  const indent = /^[ \t]*/.exec(source.slice(lineStart, last.offset))?.[0] ?? '';
  const eol = formatting(source).eol ?? '\n';
  const end = last.offset + last.length;
  const trailing = commaAfter(source, end);
  return trailing !== undefined
    ? `${source.slice(0, trailing)}${eol}${indent}${inline(entry)},${source.slice(trailing)}`
    : `${source.slice(0, end)},${eol}${indent}${inline(entry)}${source.slice(end)}`;
}

/** Where a removal may start after `pos`: past the rest of pos's line when `node` starts on a later one (that line's comment is the line's). */
function lineAfter(text: string, pos: number, node: Node): number {
  const newline = text.indexOf('\n', pos);
  return newline >= 0 && newline < node.offset ? newline : pos;
}

/**
 * The array setting at `path` without its element `index`, with the comments on the lines in front
 * of it (they were about it); the other entries, and comments on their lines, stay byte for byte.
 */
export function removeFromArray(text: string, path: JSONPath, index: number, file = 'the settings file'): string {
  const array = arrayAt(text, path, file);
  const children = array?.children ?? [];
  const node = children[index];
  if (!array || !node) throw new Error(`${path.join('.')} in ${file} has no entry ${index} (it changed meanwhile?)`);
  const previous = children[index - 1];
  const end = node.offset + node.length;
  const ownComma = commaAfter(text, end);
  if (ownComma !== undefined || !previous) {
    // From the line after the separator before it (the previous entry's comma, or the "[") to just after its own comma.
    const separator = previous ? commaAfter(text, previous.offset + previous.length)! : array.offset + 1;
    return text.slice(0, lineAfter(text, separator, node)) + text.slice(ownComma ?? end);
  }
  // The last entry, without a trailing comma: the previous entry's comma goes, its line's comment stays.
  const comma = commaAfter(text, previous.offset + previous.length)! - 1;
  return text.slice(0, comma) + text.slice(comma + 1, lineAfter(text, comma + 1, node)) + text.slice(end);
}
