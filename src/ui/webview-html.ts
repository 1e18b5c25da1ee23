// The one way Labscope's webviews are made: scripts on, files only from the extension's
// dist/webview, and a page under a CSP of `default-src 'none'` whose one script and stylesheet carry
// a nonce made for this load. Scope panels and recording editors both build their pages here.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

export interface WebviewPage {
  /** The bundle's name in dist/webview, without extension: `scope` → scope.js and scope.css. */
  bundle: string;
  title: string;
  /** data-* attributes of <body> (values are escaped). */
  data?: Record<string, string>;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = crypto.randomBytes(18).toString('base64');
  const file = (ext: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${page.bundle}.${ext}`));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  const data = Object.entries(page.data ?? {})
    .map(([k, v]) => ` data-${k}="${escapeAttr(v)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${file('css')}" nonce="${nonce}">
<title>${escapeAttr(page.title)}</title>
</head>
<body${data}>
<div id="app"></div>
<script nonce="${nonce}" src="${file('js')}"></script>
</body>
</html>`;
}

function escapeAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
