// Colours from the VS Code theme (light, dark, high contrast), read from the CSS variables VS Code
// puts on the webview's body; re-read when the theme changes (VS Code swaps the body's class).

export interface Palette {
  background: string;
  foreground: string;
  grid: string;
  marker: string;
  cursor: string;
  series: string[];
}

const SERIES_VARS = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-red',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
  '--vscode-terminal-ansiCyan',
  '--vscode-terminal-ansiMagenta',
];
const FALLBACK_SERIES = ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700', '#29b8db', '#d670d6'];

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--vscode-editor-background', '#1e1e1e'),
    foreground: v('--vscode-editor-foreground', '#cccccc'),
    grid: v('--vscode-editorIndentGuide-background1', v('--vscode-panel-border', '#80808040')),
    marker: v('--vscode-editorWarning-foreground', '#cca700'),
    cursor: v('--vscode-editorCursor-foreground', '#aeafad'),
    series: SERIES_VARS.map((name, i) => v(name, FALLBACK_SERIES[i])),
  };
}

/** Calls `changed` whenever VS Code switches theme. */
export function onThemeChange(changed: () => void): void {
  new MutationObserver(changed).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}
