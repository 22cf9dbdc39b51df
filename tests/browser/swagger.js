// What a tester does first: open Swagger UI, sign in through POST /auth/login, press Authorize
// with the token, and run GET /api/v1/me with "Try it out". Uses Debian's Chromium
// (playwright-core cannot download a browser here). BASE and KHOI_ADMIN_PASSWORD from the env.
const { chromium } = require('playwright-core');

async function main() {
  const base = process.env.BASE;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(base + '/swagger-ui/');
    // Sign in through Swagger UI itself.
    const login = '#operations-auth-auth_login';
    await page.click(login);
    await page.click(`${login} button.try-out__btn`);
    await page.fill(`${login} textarea.body-param__text`,
      JSON.stringify({ username: 'admin', password: process.env.KHOI_ADMIN_PASSWORD }));
    await page.click(`${login} button.execute`);
    const body = await page.locator(`${login} .live-responses-table tbody .response-col_description pre.microlight`).first().innerText();
    const token = JSON.parse(body).access_token;
    if (!token) throw new Error('no access_token in the login answer: ' + body);
    await page.click('button.authorize');
    await page.fill('.modal-ux input[type=text]', token);
    await page.click('.modal-ux button.authorize');
    await page.click('.modal-ux button.btn-done');
    const me = '#operations-auth-me_get';
    await page.click(me);
    await page.click(`${me} button.try-out__btn`);
    await page.click(`${me} button.execute`);
    const status = (await page.locator(`${me} .live-responses-table tbody .response-col_status`).first().innerText()).trim();
    if (status !== '200') throw new Error(`GET /api/v1/me answered ${status} in Swagger UI`);
    console.log('swagger-ui: sign in, Authorize, GET /api/v1/me -> 200');
  } finally {
    await browser.close();
  }
}

main().then(
  () => console.log('browser: 1 passed, 0 failed'),
  (e) => { console.error(e); console.log('browser: 0 passed, 1 failed'); process.exit(1); },
);
