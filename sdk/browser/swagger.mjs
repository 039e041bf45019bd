// Drives both Swagger UI pages in headless Chromium (Debian's, never a downloaded one) against
// BASE_URL: authorize with the demo client credentials, "Try it out" on search and delete, then
// delete through the session page with the god token. Screenshots go to SCREENSHOTS.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.env.BASE_URL;
const shots = process.env.SCREENSHOTS ?? "target/screenshots";
mkdirSync(shots, { recursive: true });
let passed = 0;
let failed = 0;
function check(name, expected, actual) {
  if (expected === actual) passed++;
  else {
    failed++;
    console.log(`FAIL ${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

/** Opens an operation, presses "Try it out", runs `fill`, executes and returns the live status. */
async function tryItOut(operationId, fill) {
  const op = page.locator(`[id$="-${operationId}"]`).first();
  await op.locator(".opblock-summary").first().click();
  await op.locator("button.try-out__btn").click();
  if (fill) await fill(op);
  await op.locator("button.execute").click();
  const status = op.locator(".live-responses-table tr.response .response-col_status").first();
  await status.waitFor({ timeout: 15000 });
  return (await status.innerText()).trim().split(/\s/)[0];
}

try {
  // Reseller dialect.
  await page.goto(`${base}/docs/reseller`);
  check("reseller page title", "companygate reseller API - Swagger UI", await page.title());
  await page.locator("button.authorize").first().click();
  const dialog = page.locator(".modal-ux");
  await dialog.locator("input#client_id_clientCredentials, input[id^='client_id']").first().fill("acme-reseller");
  await dialog.locator("input#client_secret_clientCredentials, input[id^='client_secret']").first().fill("s3cret-value");
  // The scope checkbox is styled away; its label takes the click.
  const scope = dialog.locator("label[for*='api1']");
  if (await scope.count()) await scope.first().click();
  await dialog.locator("button.authorize").first().click();
  // Swagger UI fetched a token from /connect/token (HTTP Basic) when it offers to log out.
  await dialog.locator("button:has-text('Logout')").first().waitFor({ timeout: 15000 });
  check("authorized", 1, await dialog.locator("button:has-text('Logout')").count());
  await page.screenshot({ path: `${shots}/reseller-authorized.png` });
  await dialog.locator("button.close-modal, button.btn-done").first().click();

  check("search via Try it out", "200", await tryItOut("searchCompanies"));
  await page.screenshot({ path: `${shots}/reseller-search.png`, fullPage: false });
  check("delete via Try it out", "200", await tryItOut("deleteCompany", async (op) => {
    await op.locator("input[placeholder='resourceId']").fill("Cust0mer0002");
  }));
  await page.screenshot({ path: `${shots}/reseller-delete.png` });

  // Session dialect: delete with the god token in the body.
  await page.goto(`${base}/docs/session`);
  check("session page title", "companygate session API - Swagger UI", await page.title());
  check("god delete via Try it out", "200", await tryItOut("deleteCompany", async (op) => {
    await op.locator("input[placeholder='companyId']").fill("Cust0mer0003");
    await op.locator("textarea.body-param__text").fill('{"god_token": "demo-god-token"}');
  }));
  await page.screenshot({ path: `${shots}/session-delete.png` });
} catch (error) {
  failed++;
  console.log(`FAIL ${error.message}`);
  await page.screenshot({ path: `${shots}/failure.png` }).catch(() => {});
} finally {
  await browser.close();
}
console.log(`swagger-ui: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
