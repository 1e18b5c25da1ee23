// Types for browser.mjs (plain ESM, no build step), for TypeScript tests that import it.
import type { Browser, Frame, LaunchOptions, Page } from 'playwright-core';

export declare const CHROMIUM: string;
export declare function launchChromium(options?: LaunchOptions): Promise<Browser>;
export declare function openWorkbench(page: Page, url: string, options?: { timeout?: number }): Promise<void>;
export declare function runCommand(page: Page, title: string, options?: { timeout?: number }): Promise<void>;
export interface Notification {
  severity: 'error' | 'warning' | 'info' | 'unknown';
  message: string;
}
export declare function notifications(page: Page): Promise<Notification[]>;
/** The content frame of the webview whose page holds `selector`. */
export declare function webviewFrame(page: Page, selector: string, options?: { timeout?: number }): Promise<Frame>;
/** Fills, from now on, with console errors and page errors (minus known offline noise). */
export declare function collectConsoleErrors(page: Page): string[];
export declare function isOfflineNoise(text: string, url?: string): boolean;
