// ESLint (flat config): typescript-eslint's recommended rules, no import cycles, and the layers of
// docs/architecture.md. Formatting (line length, spacing, quotes) is prettier's job, not this one's.
// Not type-aware, so it takes seconds; LABSCOPE_LINT_TYPES=1 adds typescript-eslint's type-checked
// rules (about three times as long).
//   npm run lint
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The layers of docs/architecture.md: who may not import whom (paths from the repository root). */
const families = readdirSync(new URL('./src/devices', import.meta.url), { withFileTypes: true });
const sharedDeviceFiles = families.filter((e) => e.isFile() && e.name !== 'index.ts').map((e) => `./${e.name}`);
const layers = [
  {
    target: './src/core',
    from: ['./src/devices', './src/ui', './src/extension.ts'],
    message: 'core knows no family and no UI (docs/architecture.md, Layers)',
  },
  {
    target: './src/transports',
    from: ['./src/devices', './src/ui', './src/extension.ts'],
    message: 'a transport knows bytes, not families or the UI (docs/architecture.md, Layers)',
  },
  {
    target: './src/devices',
    from: ['./src/ui', './src/extension.ts'],
    message: 'a device family may not depend on the UI (docs/architecture.md, Layers)',
  },
  // A family may use src/devices' shared helpers (stop-serving.ts…), not another family.
  ...families
    .filter((e) => e.isDirectory())
    .map((e) => ({
      target: `./src/devices/${e.name}`,
      from: './src/devices',
      except: [`./${e.name}`, ...sharedDeviceFiles],
      message: 'a family may not import another family (docs/architecture.md, Layers)',
    })),
  { target: './src/cli', from: ['./src/ui', './src/extension.ts'], message: 'the CLI runs without VS Code (docs/architecture.md, Layers)' },
];

const vscodeOnlyInUi = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: 'only src/ui/** and src/extension.ts may import vscode (layers: docs/architecture.md)' }],
    },
  ],
};

const typeChecked =
  process.env.LABSCOPE_LINT_TYPES === '1'
    ? [
        ...tseslint.configs.recommendedTypeCheckedOnly.map((config) => ({ ...config, files: ['**/*.ts'] })),
        { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
      ]
    : [];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'build/',
      'out/',
      'node_modules/',
      '.code-server/',
      '.test-tmp/',
      'recordings/',
      'native/',
      'demo/workspace/',
      '**/*.d.mts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mts', '.js', '.mjs', '.json', '.node'] })],
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/core-modules': ['vscode'],
    },
    rules: {
      // Unused is an error, but `_`-prefixed arguments, variables and caught errors are on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `cond ? a() : b();` and `ok && run();` as statements are the code's style, not mistakes.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layers }],
      ...vscodeOnlyInUi,
    },
  },
  {
    // The only places that may import vscode.
    files: ['src/ui/**/*.ts', 'src/extension.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The VS Code test suites run inside the extension host and use mocha's globals.
    files: ['test/vscode/**/*.ts'],
    languageOptions: { globals: { ...globals.mocha } },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  ...typeChecked,
);
