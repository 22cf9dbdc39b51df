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

    // A bloc's cadre uploads a scanned minute through the form Swagger UI draws for
    // multipart/form-data (a file picker), as a tester would.
    const api = async (method, path, body, bearer) => {
      const res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: 'Bearer ' + bearer } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    };
    const pw = 'Mật-khẩu-tạm-2016', own = 'Mật-khẩu-riêng-2016';
    await api('POST', '/api/v1/blocs', { name: 'Khối xã Quảng Minh', level: 'commune', province: 'Quảng Ninh',
      head: { full_name: 'Nguyễn Văn Hải', username: 'hai.head', password: pw } }, token);
    const first = (await api('POST', '/api/v1/auth/login', { username: 'hai.head', password: pw })).access_token;
    await api('POST', '/api/v1/me/password', { current_password: pw, new_password: own }, first);
    const head = (await api('POST', '/api/v1/auth/login', { username: 'hai.head', password: own })).access_token;
    const up = await browser.newPage();
    await up.goto(base + '/swagger-ui/');
    await up.click('button.authorize');
    await up.fill('.modal-ux input[type=text]', head);
    await up.click('.modal-ux button.authorize');
    await up.click('.modal-ux button.btn-done');
    const files = '#operations-files-files_upload';
    await up.click(files);
    await up.click(`${files} button.try-out__btn`);
    await up.setInputFiles(`${files} input[type=file]`, {
      name: 'Biên bản hội nghị.pdf', mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n% biên bản\n1 0 obj << >> endobj\n%%EOF\n'),
    });
    await up.click(`${files} button.execute`);
    const upStatus = (await up.locator(`${files} .live-responses-table tbody .response-col_status`).first().innerText()).trim();
    const upBody = await up.locator(`${files} .live-responses-table tbody .response-col_description pre.microlight`).first().innerText();
    if (upStatus !== '201') throw new Error(`POST /api/v1/files answered ${upStatus} in Swagger UI: ${upBody}`);
    const stored = JSON.parse(upBody);
    if (stored.name !== 'Biên bản hội nghị.pdf' || stored.media_type !== 'application/pdf') {
      throw new Error('unexpected upload answer: ' + upBody);
    }
    console.log('swagger-ui: POST /api/v1/files with a file chosen in the form -> 201');
  } finally {
    await browser.close();
  }
}

main().then(
  () => console.log('browser: 1 passed, 0 failed'),
  (e) => { console.error(e); console.log('browser: 0 passed, 1 failed'); process.exit(1); },
);
