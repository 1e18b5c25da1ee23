// Add/Remove Device edit settings files in place: comments, order, indentation and the other
// entries stay byte for byte; the result is still the JSON (with comments) VS Code reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import { appendToArray, removeFromArray, settingPath } from '../../src/ui/settings-edit';

const SETTINGS = `{
    // Our lab's instruments.
    "editor.tabSize": 4,
    "labscope.devices": [
        // the EEG amplifier in room 2
        { "name": "EEG", "uri": "rda://10.0.0.5:51244" },
        /* the gas analyser */ { "name": "Gas", "uri": "servomex+serial:///dev/ttyUSB0" },
    ],
    "files.eol": "\\n" // keep unix endings
}
`;

test('appending keeps every comment and byte around the new entry, in the file’s indentation', () => {
  const out = appendToArray(SETTINGS, settingPath('labscope.devices', false), { name: 'Bela', uri: 'bela://bela.local' });
  for (const kept of [
    "// Our lab's instruments.",
    '// the EEG amplifier in room 2',
    '/* the gas analyser */ { "name": "Gas", "uri": "servomex+serial:///dev/ttyUSB0" }',
    '"files.eol": "\\n" // keep unix endings',
  ])
    assert.ok(out.includes(kept), `kept: ${kept}\n${out}`);
  const value = parse(out, [], { allowTrailingComma: true }) as Record<string, { name: string; uri: string }[]>;
  assert.deepEqual(
    value['labscope.devices'].map((d) => d.name),
    ['EEG', 'Gas', 'Bela'],
  );
  assert.equal(value['editor.tabSize'], 4);
  // Everything before the new entry is exactly as it was.
  const head = SETTINGS.slice(0, SETTINGS.indexOf('/* the gas analyser */'));
  assert.ok(out.startsWith(head));
  assert.match(out, /\n {8}\{\n? *"name": "Bela"/, 'indented like its neighbours');
});

test('a missing setting is made, an empty file becomes an object, a workspace file nests under "settings"', () => {
  const made = appendToArray('{\n  // nothing yet\n}\n', ['labscope.devices'], { name: 'A', uri: 'sim:rda' });
  assert.ok(made.includes('// nothing yet'));
  assert.deepEqual((parse(made) as Record<string, unknown>)['labscope.devices'], [{ name: 'A', uri: 'sim:rda' }]);
  assert.deepEqual(parse(appendToArray('', ['labscope.devices'], { name: 'A', uri: 'sim:rda' })), {
    'labscope.devices': [{ name: 'A', uri: 'sim:rda' }],
  });
  const workspace = '{\n  "folders": [{ "path": "." }], // the lab\n  "settings": {}\n}\n';
  const nested = appendToArray(workspace, settingPath('labscope.devices', true), { name: 'A', uri: 'sim:rda' });
  assert.ok(nested.includes('// the lab'));
  assert.deepEqual((parse(nested) as { settings: Record<string, unknown> }).settings['labscope.devices'], [{ name: 'A', uri: 'sim:rda' }]);
});

test('removing takes out only that entry; the comments of the others stay', () => {
  const out = removeFromArray(SETTINGS, ['labscope.devices'], 0);
  assert.ok(out.includes('/* the gas analyser */'));
  assert.ok(out.includes("// Our lab's instruments."));
  const value = parse(out, [], { allowTrailingComma: true }) as Record<string, { name: string }[]>;
  assert.deepEqual(
    value['labscope.devices'].map((d) => d.name),
    ['Gas'],
  );
});

test('removing the last entry of a list without a trailing comma takes the comma before it; appending after one adds its own', () => {
  const text =
    '{\n  "labscope.devices": [\n    { "name": "A", "uri": "sim:rda" }, // first\n    { "name": "B", "uri": "sim:bela" }\n  ]\n}\n';
  const removed = removeFromArray(text, ['labscope.devices'], 1);
  assert.equal(removed, '{\n  "labscope.devices": [\n    { "name": "A", "uri": "sim:rda" } // first\n  ]\n}\n');
  const appended = appendToArray(text, ['labscope.devices'], { name: 'C', uri: 'sim:audio' });
  assert.equal(
    appended,
    '{\n  "labscope.devices": [\n    { "name": "A", "uri": "sim:rda" }, // first\n    { "name": "B", "uri": "sim:bela" },\n    { "name": "C", "uri": "sim:audio" }\n  ]\n}\n',
  );
});

test('a file that is not JSON with comments, or a setting that is not a list, is refused with what to fix', () => {
  assert.throws(
    () => appendToArray('{ "a": ', ['labscope.devices'], {}, '.vscode/settings.json'),
    /\.vscode\/settings\.json is not valid JSON/,
  );
  assert.throws(() => appendToArray('{ "labscope.devices": 3 }', ['labscope.devices'], {}, 'x'), /labscope\.devices in x is not a list/);
  assert.throws(() => removeFromArray(SETTINGS, ['labscope.devices'], 5, 'x'), /has no entry 5/);
});
