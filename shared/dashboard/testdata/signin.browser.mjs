// The deployed page's sign-in, against the stand-in hosted UI of
// signin_test.go: sign in, use the API with the token, sign out, and refuse
// an answer the page did not ask for.
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';

const base = process.env.BASE_URL;
const cognito = process.env.COGNITO_URL;
const { browser, page, problems, step } = await launch({ shots: '' });

await step('the page sends the visitor to sign in, then back, renews the short-lived token, and reads the API with it', async () => {
  await page.goto(base + '/#resources');
  await page.waitForSelector('#resources-table tbody tr[data-id="i-0signedin"]');
  const url = new URL(page.url());
  assert.equal(url.origin, base);
  assert.equal(url.search, '', 'the code and state are gone from the address bar');
  assert.equal(url.hash, '#resources', 'the panel asked for is kept');
  assert.match(await page.innerText('#signed-in'), /ops@example\.com/);
});

await step('signing out ends the session: the next visit meets the sign-in form', async () => {
  await page.click('#signed-in button');
  await page.waitForURL(u => u.origin === cognito && u.pathname === '/oauth2/authorize');
  assert.equal(await page.title(), 'Sign in');
});

await step('an answer the page did not ask for (forged state) is refused', async () => {
  await page.goto(base + '/?code=forged&state=forged');
  await page.waitForSelector('#banner:not([hidden])');
  assert.match(await page.innerText('#banner'), /Sign-in failed: the answer does not match/);
  assert.equal(new URL(page.url()).search, '', 'the forged code is gone from the address bar');
  assert.equal(await page.locator('#banner button', { hasText: 'Sign in again' }).count(), 1);
});

await step('no console errors and no failed requests', async () => {
  assert.deepEqual(problems, []);
});
await browser.close();
