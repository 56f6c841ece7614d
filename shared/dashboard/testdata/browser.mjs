// What the browser tests share: Debian's Chromium under playwright-core
// (flags for a machine without a network), and the record of every console
// error, page error and failed request, which a run must end without.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export async function launch({ shots = process.env.SCREENSHOTS, width = 1280, height = 900 } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width, height } });
  const problems = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', r => problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', r => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
  if (shots) mkdirSync(shots, { recursive: true });
  const shot = name => shots ? page.screenshot({ path: join(shots, name + '.png'), fullPage: true }) : Promise.resolve();

  /** step runs one named check; the first failure ends the run with exit 1. */
  async function step(name, f) {
    const began = Date.now();
    try {
      await f();
      console.log(`ok   ${name} (${Date.now() - began} ms)`);
    } catch (e) {
      console.log(`FAIL ${name}: ${e.message}`);
      await shot('failed-' + name.replace(/\W+/g, '-')).catch(() => {});
      await browser.close();
      process.exit(1);
    }
  }
  return { browser, page, problems, shot, step };
}
