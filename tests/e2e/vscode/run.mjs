// Drives VS Code (code-server) in Chromium as a person would, and writes what it
// saw as JSON for test_vscode.py to judge. Each step records its own outcome and
// the run goes on, so that one missing feature does not hide the state of the others.
//
// Environment: CODE_SERVER_URL, WORKSPACE (the folder code-server opened),
// SCENARIO ("full" or "missing-server"), ARTIFACTS (screenshots), RESULTS (JSON out),
// PLAYWRIGHT_CORE and CHROMIUM (from editors/vscode/scripts/setup-e2e.sh).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const { chromium } = createRequire(import.meta.url)(env('PLAYWRIGHT_CORE'));
const workspace = env('WORKSPACE');
const artifacts = env('ARTIFACTS');

// The server starts a Python process and indexes the workspace; on a loaded CI
// machine that can take far longer than on a laptop.
const SERVER_TIMEOUT = 120_000;
// Under load, a quick open's file search or a widget's first show can take tens of seconds.
const UI_TIMEOUT = 60_000;

const ROUTE = 'src/app/api/setup/migrations/route.ts';
const UNGUARDED_TABLE_LINE = 'CREATE TABLE mason_users';
const RULE = 'create-table-not-idempotent';
const FIX_TITLE = 'Add IF NOT EXISTS';
const TABLE = 'mason_users';

const results = {};
const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
page.setDefaultTimeout(UI_TIMEOUT);

async function step(name, run) {
  const started = Date.now();
  try {
    results[name] = { ok: true, ...(await run()) };
  } catch (error) {
    results[name] = { ok: false, error: String(error?.message ?? error) };
    await screenshot(`failed-${name}`);
  }
  results[name].seconds = (Date.now() - started) / 1000;
}

const screenshot = (name) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), animations: 'disabled' }).catch(() => undefined);
const editorLines = () => page.locator('.part.editor .monaco-editor .view-line');
const problemRows = () => page.locator('.markers-panel .monaco-list-row');
const statusItem = (state) => page.locator(`.part.statusbar .statusbar-item[aria-label^="migration-lsp: ${state}"]`);

/** Opens a quick input with `key`, types `text` and, once `row` is listed, accepts it. */
async function quickInput(key, text, row) {
  await page.keyboard.press(key);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  if (row) await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor();
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

const runCommand = (title) => quickInput('F1', `>${title}`, title);
const goToLine = (line, column) => quickInput('Control+G', `:${line}:${column}`);

/** The 1-based line of the route file that holds `text`, as the fixture has it on disk. */
function routeLine(text) {
  const index = readFileSync(path.join(workspace, ROUTE), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${ROUTE} has no line with ${text}`);
  return index + 1;
}

/** The screen point at the middle of `word` on the first editor line that contains `lineText`. */
async function pointAtWord(lineText, word) {
  return page.evaluate(
    ([lineText, word]) => {
      const normalise = (text) => text.replace(/\u00a0/g, ' ');
      const line = [...document.querySelectorAll('.part.editor .monaco-editor .view-line')].find((element) =>
        normalise(element.textContent).includes(lineText),
      );
      if (!line) return undefined;
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      const text = normalise(line.textContent);
      const start = text.indexOf(word, text.indexOf(lineText));
      let offset = 0;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const length = node.textContent.length;
        if (start < offset + length) {
          const range = document.createRange();
          range.setStart(node, start - offset);
          range.setEnd(node, Math.min(start - offset + word.length, length));
          const box = range.getBoundingClientRect();
          return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
        }
        offset += length;
      }
      return undefined;
    },
    [lineText, word],
  );
}

await step('workbench', async () => {
  await page.goto(`${env('CODE_SERVER_URL')}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible', timeout: SERVER_TIMEOUT });
  await page.locator('.monaco-workbench').click({ position: { x: 800, y: 500 } });
  await quickInput('Control+P', path.basename(ROUTE), path.basename(ROUTE));
  await editorLines().filter({ hasText: 'MIGRATION_SQL' }).first().waitFor();
  return {};
});

if (env('SCENARIO') === 'missing-server') {
  await step('missingServer', async () => {
    const notification = page.locator('.notification-toast', { hasText: 'pipx install migration-lsp' });
    await notification.waitFor({ timeout: SERVER_TIMEOUT });
    const status = statusItem('error');
    await status.waitFor();
    await screenshot('missing-server');
    return {
      notification: await notification.innerText(),
      buttons: await notification.locator('.monaco-button').allInnerTexts(),
      status: await status.getAttribute('aria-label'),
    };
  });
} else {
  await step('highlighting', async () => {
    const line = routeLine(UNGUARDED_TABLE_LINE);
    // Lines show uncoloured until the grammars have loaded and tokenised them, and a loaded
    // machine shows intermediate colours on the way: read them until the SQL keyword has the
    // theme's keyword colour, and report the last reading when it never gets there.
    const readColours = () =>
      page.evaluate((sqlLine) => {
        const normalise = (text) => text.replace(/\u00a0/g, ' ');
        const lines = [...document.querySelectorAll('.part.editor .monaco-editor .view-line')];
        // A token is one span, or, for a string, a span of its text (the quotes may be spans of their own).
        const colour = (lineText, matches) => {
          const element = lines.find((l) => normalise(l.textContent).includes(lineText));
          const token = element && [...element.querySelectorAll('span > span')].find((s) => matches(normalise(s.textContent)));
          return token ? getComputedStyle(token).color : undefined;
        };
        return {
          sqlKeyword: colour(sqlLine, (text) => text.trim() === 'CREATE'),
          tsKeyword: colour('export const dynamic', (text) => text.trim() === 'const'),
          plainString: colour('export const dynamic', (text) => text.includes('force-dynamic')),
        };
      }, UNGUARDED_TABLE_LINE);
    const deadline = Date.now() + SERVER_TIMEOUT;
    let colours = await readColours();
    const settled = (found) =>
      found.sqlKeyword && found.plainString && found.sqlKeyword === found.tsKeyword;
    while (!settled(colours) && Date.now() < deadline) {
      await page.waitForTimeout(500);
      colours = await readColours();
    }
    await goToLine(line, 2);
    await runCommand('Developer: Inspect Editor Tokens and Scopes');
    const widget = page.locator('.token-inspect-widget');
    await widget.waitFor({ state: 'visible' });
    await widget.getByText('keyword.other.create.sql').first().waitFor();
    const scopes = await widget.innerText();
    await screenshot('highlighting');
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden' });
    return { colours, scopes };
  });

  await step('findings', async () => {
    await page.keyboard.press('Control+Shift+M');
    await problemRows().filter({ hasText: RULE }).first().waitFor({ timeout: SERVER_TIMEOUT });
    const status = statusItem('running');
    await status.waitFor({ timeout: SERVER_TIMEOUT });
    await screenshot('findings');
    return { problems: await problemRows().allInnerTexts(), status: await status.getAttribute('aria-label') };
  });

  await step('quickFix', async () => {
    await goToLine(routeLine(UNGUARDED_TABLE_LINE), 1);
    const rows = page.locator('.action-widget .monaco-list-row');
    const fix = rows.filter({ hasText: FIX_TITLE }).first();
    // On a loaded machine the key can land before the editor takes the focus, and the menu
    // then never opens: ask again, as a person would, and keep what each ask offered, so
    // that a fix that is really missing shows in the report.
    const asked = [];
    const deadline = Date.now() + SERVER_TIMEOUT;
    for (;;) {
      await page.keyboard.press('Control+.');
      try {
        await fix.waitFor({ timeout: 15_000 });
        break;
      } catch {
        asked.push(await rows.allInnerTexts());
        if (Date.now() > deadline) throw new Error(`no "${FIX_TITLE}" in the menu; each ask offered ${JSON.stringify(asked)}`);
        await page.keyboard.press('Escape');
      }
    }
    const offered = await rows.allInnerTexts();
    await fix.click();
    await editorLines()
      .filter({ hasText: `CREATE TABLE IF NOT EXISTS ${TABLE}` })
      .first()
      .waitFor();
    await problemRows().filter({ hasText: RULE }).waitFor({ state: 'detached', timeout: SERVER_TIMEOUT });
    await screenshot('fix-applied');
    return { offered, problems: await problemRows().allInnerTexts() };
  });

  await step('hover', async () => {
    // Whether or not the fix applied, the table name stays on the line that creates it.
    const lineText = `${TABLE} (id uuid primary key)`;
    // The diagnostics on that line show in the same hover, and may show before the card: wait
    // for the card's column type.
    const hover = page
      .locator('.monaco-hover:not(.hidden)', { hasText: TABLE })
      .filter({ hasText: /\buuid\b/, visible: true })
      .first();
    const deadline = Date.now() + SERVER_TIMEOUT;
    for (;;) {
      const point = await pointAtWord(lineText, TABLE);
      if (!point) throw new Error(`no editor line shows ${lineText}`);
      // Hovers appear only once the mouse moves onto the word.
      await page.mouse.move(point.x, point.y - 200);
      await page.mouse.move(point.x, point.y, { steps: 5 });
      try {
        await hover.waitFor({ timeout: 10_000 });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    const text = await hover.innerText();
    await screenshot('hover');
    return { text };
  });

  await step('commands', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('>migration-lsp:');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'Check Workspace' }).first().waitFor();
    const listed = await rows.allInnerTexts();
    await page.keyboard.press('Escape');
    await runCommand('migration-lsp: Check Workspace');
    const report = page.locator('.notification-toast', { hasText: 'checked the workspace' });
    await report.waitFor({ timeout: SERVER_TIMEOUT });
    await screenshot('check-workspace');
    return { listed, report: await report.innerText() };
  });
}

await browser.close();
writeFileSync(env('RESULTS'), JSON.stringify(results, null, 2));
