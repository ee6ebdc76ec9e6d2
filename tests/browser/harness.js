// Test harness for the dashboard's browser tests: a real `gongjian` server on a free loopback
// port, over a fresh data directory filled by `gongjian demo`, with test tokens; and headless
// Chromium (Debian's /usr/bin/chromium) driven by playwright-core from server/dashboard's
// node_modules. Everything lives in one temporary directory removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, statSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(repo, 'server/dashboard/package.json'));
const { chromium } = require('playwright-core');

export const TOKENS = {
  admin: { token: 'browser-test-admin', role: 'admin', scope: '000000' },
  leader: { token: 'browser-test-leader-63', role: 'leader', scope: '630000' },
  auditor: { token: 'browser-test-auditor', role: 'auditor', scope: '000000' },
};

// GONGJIAN_BINARY, else the newest of build-query/, build-server/, build/ (several engineers
// build in their own directories; the newest has the most endpoints).
export function findBinary() {
  if (process.env.GONGJIAN_BINARY) return process.env.GONGJIAN_BINARY;
  const candidates = ['build-query', 'build-server', 'build']
    .map((d) => path.join(repo, d, 'gongjian'))
    .filter((p) => existsSync(p))
    .map((p) => ({ p, t: statSync(p).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  if (!candidates.length) throw new Error('no gongjian binary: build it or set GONGJIAN_BINARY');
  return candidates[0].p;
}

export function dashboardDir() {
  const d = process.env.GONGJIAN_DASHBOARD_DIR || path.join(repo, 'server/dashboard/dist');
  if (!existsSync(path.join(d, 'index.html'))) throw new Error(`${d}/index.html missing: run scripts/dashboard-build`);
  return d;
}

export class Server {
  // A few provinces keep `gongjian demo` quick (its cost grows with the number of jurisdictions);
  // GONGJIAN_BROWSER_PROVINCES=all for the whole country.
  static async start({ orgs = Number(process.env.GONGJIAN_BROWSER_ORGS || 1500), seed = 1, days,
    provinces = process.env.GONGJIAN_BROWSER_PROVINCES || '11,12,31,46,63,64' } = {}) {
    const s = new Server();
    s.dir = mkdtempSync(path.join(tmpdir(), 'gongjian-browser-'));
    s.binary = findBinary();
    const data = path.join(s.dir, 'data');
    const args = ['demo', '--data', data, '--orgs', String(orgs), '--seed', String(seed)];
    if (days) args.push('--days', String(days));
    if (provinces && provinces !== 'all') args.push('--provinces', provinces);
    // GONGJIAN_DEMO_BINARY: another build to generate the data with (when the one under test has a broken demo).
    const demoBinary = process.env.GONGJIAN_DEMO_BINARY || s.binary;
    const demo = spawnSync(demoBinary, args, { env: { ...process.env, GONGJIAN_SOURCE_DIR: repo }, encoding: 'utf8', timeout: 300000 });
    if (demo.status !== 0) throw new Error(`gongjian demo failed (${demo.status}): ${demo.stderr}\n${demo.stdout}`);
    s.demoOutput = demo.stdout;
    const tokenSections = Object.entries(TOKENS).map(([name, t]) =>
      `[[token]]\nsha256 = "${createHash('sha256').update(t.token).digest('hex')}"\nname = "browser-${name}"\nrole = "${t.role}"\nscope = "${t.scope}"\n`).join('\n');
    s.config = path.join(s.dir, 'gongjian.conf');
    writeFileSync(s.config, `listen_address = "127.0.0.1"\nport = 0\ndata_dir = "${data}"\ndashboard_dir = "${dashboardDir()}"\nlog_level = warn\n` +
      `shutdown_grace_ms = 2000\n\n[limits]\nrequests_per_second_per_token = 100000\nburst_per_token = 100000\n\n${tokenSections}`);
    s.proc = spawn(s.binary, ['serve', '--config', s.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    s.stderr = '';
    s.proc.stderr.on('data', (d) => { s.stderr += d; if (s.stderr.length > 200000) s.stderr = s.stderr.slice(-100000); });
    s.url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('server did not start in 120 s: ' + s.stderr)), 120000);
      s.proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/[^/\s]+\/)/);
        if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
      });
      s.proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${s.stderr}`)); });
    });
    return s;
  }

  async api(pathname, { token = TOKENS.admin.token, method = 'GET', body } = {}) {
    const res = await fetch(this.url + pathname, {
      method, headers: { Authorization: 'Bearer ' + token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await new Promise((resolve) => { const t = setTimeout(() => { this.proc.kill('SIGKILL'); resolve(); }, 5000); this.proc.on('exit', () => { clearTimeout(t); resolve(); }); });
    }
    if (this.dir && !process.env.GONGJIAN_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser({ width = 1366, height = 768 } = {}) {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'gongjian-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width, height },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const close = async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); };
  return { context, close };
}

export const screenshotDir = path.join(repo, 'docs/screenshots');
export async function screenshot(page, name) {
  if (process.env.GONGJIAN_NO_SCREENSHOTS) return;
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, name + '.png') });
}

// Signs in through the form and waits for the first view to render.
export async function signIn(page, server, token) {
  await page.goto(server.url + '/');
  await page.waitForSelector('#token-input', { state: 'visible' });
  await page.fill('#token-input', token);
  await page.click('#signin-button');
  await page.waitForSelector('#app:not([hidden])');
}
