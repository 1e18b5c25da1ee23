// One real VS Code for an e2e file: code-server with the extension under development, a chromium
// page on it, the console errors it logs, and what a person does there (context menus, the side
// bar, screenshots). Screenshots land in .test-tmp/e2e, and in LABSCOPE_SCREENSHOTS for the README.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { tmpDir } from '../helpers/tmp';

export const REPO = path.resolve(__dirname, '../..');
export const SHOTS = path.join(REPO, '.test-tmp/e2e');

// The drivers are ES modules shared with the demo and the suite runner: loaded as such.
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(REPO, file)).href);
type Server = typeof import('../../scripts/vscode/server.mjs');
export type Driver = typeof import('../../scripts/vscode/browser.mjs');

export class Workbench {
  private constructor(
    readonly server: Awaited<ReturnType<Server['startCodeServer']>>,
    readonly browser: Browser,
    readonly page: Page,
    readonly driver: Driver,
    readonly errors: string[],
    readonly workspace: string,
  ) {}

  /** Starts code-server and chromium on a fresh workspace whose settings are `settings`. */
  static async open(settings: Record<string, unknown>): Promise<Workbench> {
    const workspace = tmpDir('labscope-e2e-ws-');
    fs.mkdirSync(path.join(workspace, '.vscode'));
    fs.writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify(settings, null, 2));
    const { startCodeServer } = await load<Server>('scripts/vscode/server.mjs');
    const driver = await load<Driver>('scripts/vscode/browser.mjs');
    const server = await startCodeServer();
    const browser = await driver.launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    const errors = driver.collectConsoleErrors(page);
    await driver.openWorkbench(page, server.workbenchUrl(workspace, { extensionDevelopmentPath: REPO }));
    return new Workbench(server, browser, page, driver, errors, workspace);
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
  }

  runCommand(title: string): Promise<void> {
    return this.driver.runCommand(this.page, title);
  }

  async errorNotifications(): Promise<unknown[]> {
    return (await this.driver.notifications(this.page)).filter((n: { severity: string }) => n.severity === 'error');
  }

  async shot(name: string): Promise<string> {
    // code-server offers its new default theme a few seconds after start; not ours, and it would
    // cover the picture. Only that toast is dismissed, so ours stay visible and checked.
    const offer = this.page.locator('.notification-toast', { hasText: 'new default theme' }).getByRole('button', { name: 'Cancel' });
    if (await offer.isVisible()) await offer.click();
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    const readme = process.env.LABSCOPE_SCREENSHOTS;
    if (readme) {
      fs.mkdirSync(readme, { recursive: true });
      fs.copyFileSync(file, path.join(readme, `${name}.png`));
    }
    return file;
  }

  /** The content frame of the webview whose page holds `selector` (several may be open). */
  webviewWith(selector: string, timeoutMs = 15_000): Promise<Frame> {
    return this.driver.webviewFrame(this.page, selector, { timeout: timeoutMs });
  }

  /** The tree row of a device or session: its label and its description. */
  row(text: string): Locator {
    return this.page.locator('.monaco-list-row', { hasText: text }).first();
  }

  /**
   * Right-click → item. A freshly opened workbench menu can swallow the first click (it ignores
   * the mouse for a moment after opening), so the click is repeated while the menu stays open.
   */
  async contextMenu(target: Locator, item: string): Promise<void> {
    await target.click({ button: 'right' });
    const entry = this.page.getByRole('menuitem', { name: item });
    for (let attempt = 0; ; attempt++) {
      await entry.click();
      try {
        await entry.waitFor({ state: 'hidden', timeout: 2000 });
        return;
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }
  }

  /** Drags the side bar's edge so the tree's descriptions are not cut off in the screenshots. */
  async widenSideBar(): Promise<void> {
    const box = await this.page.locator('#workbench\\.parts\\.sidebar').boundingBox();
    if (!box) return;
    const x = box.x + box.width;
    await this.page.mouse.move(x, box.y + 200);
    await this.page.mouse.down();
    await this.page.mouse.move(x + 260, box.y + 200, { steps: 5 });
    await this.page.mouse.up();
  }

  async openLabscope(): Promise<void> {
    await this.page.getByRole('tab', { name: /^Labscope/ }).click();
  }
}
