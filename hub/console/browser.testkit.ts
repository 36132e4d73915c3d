// Tests only: what the console's Chromium tests share: Debian's Chromium via playwright-core, the screenshots folder, an app served on a free port (the hub with the built console), a page signed in through the console's form.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { chromiumPath } from "../../test/support/requires.js";
import { mountConsole } from "./serve.js";

const CHROMIUM = chromiumPath();
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** Where the screenshots go (docs/console.md uses some of them). */
export const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts", "console");
export const DESKTOP = { width: 1366, height: 900 };
/** The same, taller: the configuration and report pages. */
export const DESKTOP_TALL = { width: 1366, height: 1000 };

/** First in a beforeAll: these suites fail (they do not skip) without Chromium; makes the screenshots folder. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required for the console's browser tests (${CHROMIUM}; apt-get install chromium fonts-noto-cjk)`);
  mkdirSync(ARTIFACTS, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A screenshot into ARTIFACTS as `<name>.png`: the viewport, or the whole page. */
export function shot(page: Page, name: string, fullPage = false): Promise<Buffer> {
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

export interface Served {
  /** http://127.0.0.1:<port> */
  base: string;
  /** Drops open connections (the console's polling keeps some), then stops listening. */
  close(): Promise<void>;
}

type Fetch = (req: Request) => Response | Promise<Response>;

/** Serves `fetch` on 127.0.0.1 and a free port. */
export function serveApp(fetch: Fetch): Promise<Served> {
  return new Promise((resolve) => {
    const s: ServerType = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve({
        base: `http://127.0.0.1:${info.port}`,
        close: () => {
          (s as { closeAllConnections?: () => void }).closeAllConnections?.();
          return new Promise<void>((r) => s.close(() => r()));
        },
      }),
    );
  });
}

/** The built console (`dir`, from ensureConsoleBuilt) under /console and everything else answered by the hub's app. */
export function serveConsole(dir: string, hub: { fetch: Fetch }): Promise<Served> {
  const consoleApp = new Hono();
  mountConsole(dir)(consoleApp);
  return serveApp((req) => (new URL(req.url).pathname.startsWith("/console") ? consoleApp.fetch(req) : hub.fetch(req)));
}

/** A new browser context in zh-CN (DESKTOP unless `options` say otherwise) and a page in it. */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: DESKTOP, locale: "zh-CN", ...options });
  return { ctx, page: await ctx.newPage() };
}

/** Signs `userId` in through the console's form at `url`, and waits until the console shows who is signed in. */
export async function signInPage(page: Page, url: string, userId: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId("signin-user").fill(userId);
  await page.getByTestId("signin-password").fill(password);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("whoami").waitFor();
}

/** A new context and page (see newPage) with `userId` signed in at `url` (see signInPage). */
export async function signedIn(
  browser: Browser,
  url: string,
  userId: string,
  password: string,
  options: BrowserContextOptions = {},
): Promise<{ ctx: BrowserContext; page: Page }> {
  const opened = await newPage(browser, options);
  await signInPage(opened.page, url, userId, password);
  return opened;
}

/** The end of a console suite's beforeAll: once the console is built (`build`, from ensureConsoleBuilt), serves it with the hub's app and launches Chromium. */
export async function openConsole(build: Promise<{ dir: string }>, hub: { fetch: Fetch }): Promise<{ browser: Browser; server: Served; base: string }> {
  const server = await serveConsole((await build).dir, hub);
  return { browser: await launchChromium(), server, base: server.base };
}

/** Its afterAll: the browser, then the server (either may be missing when beforeAll failed). */
export async function closeConsole(browser: Browser | undefined, server: Served | undefined): Promise<void> {
  await browser?.close();
  await server?.close();
}
