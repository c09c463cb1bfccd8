/**
 * Every `sh`, `js` and `ts` block of README.md and docs/**.md runs here, as written, against a started
 * mock — unless an HTML comment `<!-- not run: reason -->` on the line above it says why not.
 *
 * - `ts` blocks that are vitest tests (they call `it(`) are collected into this file; other `ts`
 *   blocks run in this process. Both import `'wxpay-mock'` as the package entry's source (as the other
 *   tests do, so no build is needed): the only change made to them.
 * - `js` blocks run in a `node` child as ES modules, with `'wxpay-mock'` resolved by Node's package
 *   self-reference (the built `dist/`, like an installed package).
 * - `sh` blocks run in `bash -e` in an empty directory (with `scripts/` of this repository), with
 *   `wxpay-mock` (and `npx wxpay-mock`) on PATH as the built CLI, and `WXPAY_MOCK_URL` plus the
 *   credentials env block of a started mock. The documented ports are replaced: `8750` by the started
 *   mock's port, or by a free one when the block starts its own mock; `8751` by a free one. Processes a
 *   block leaves in the background are stopped after it.
 * - js and sh blocks must exit 0 within 30 s (a few seconds on an idle machine); their output is kept quiet.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envBlock } from '../mock-server/credentials.js';
import { startMock, type RunningMock } from '../mock-server/index.js';
import { unusedPort } from './helpers/ports.js';

const ROOT = join(import.meta.dirname, '..');
const SOURCE_ENTRY = join(ROOT, 'mock-server', 'index.ts');
// The package's bin, as `npx wxpay-mock` runs it (it sizes libuv's pool, then runs dist/mock-server/cli.js).
const CLI = join(ROOT, 'dist', 'mock-server', 'wxpay-mock.cjs');
const LANGS = new Set(['sh', 'bash', 'js', 'ts']);

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  skip?: string;
}

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))];
}

/** Fenced blocks of the languages above (indented ones in list items too), with their `not run` marker. */
function blocksOf(path: string): Block[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, lang] = open;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end < 0) throw new Error(`${path}:${i + 1}: unclosed code block`);
    if (LANGS.has(lang)) {
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n');
      const marker = /^\s*<!-- not run: (.*) -->\s*$/.exec(lines[i - 1] ?? '');
      blocks.push({ file: relative(ROOT, path), line: i + 1, lang, code: code + '\n', skip: marker?.[1] });
    }
    i = end;
  }
  return blocks;
}

const blocks = markdownFiles().flatMap(blocksOf);
const name = (b: Block) => `${b.file}:${b.line} (${b.lang})`;
const fromSource = (code: string) => code.replaceAll(/from 'wxpay-mock'/g, `from ${JSON.stringify(SOURCE_ENTRY)}`);

let mock: RunningMock;
let work: string; // where blocks run and generated files live (removed afterwards)
let env: Record<string, string>;

beforeAll(async () => {
  mock = await startMock();
  // Generated modules live inside the repository so package imports and self-reference resolve.
  mkdirSync(join(ROOT, '.vitest'), { recursive: true });
  work = mkdtempSync(join(ROOT, '.vitest', 'docs-examples-'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'wxpay-mock'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  // `npx wxpay-mock …` runs the package's bin, as it does in a project that installed it.
  writeFileSync(
    join(bin, 'npx'),
    `#!/bin/sh\n[ "$1" = wxpay-mock ] || { echo "docs example: only npx wxpay-mock is available" >&2; exit 127; }\nshift\nexec wxpay-mock "$@"\n`,
  );
  // A block must not run this repository's own scripts (`npm test` would start the whole suite).
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "docs example: npm is not available here" >&2\nexit 127\n`);
  for (const f of ['wxpay-mock', 'npx', 'npm']) chmodSync(join(bin, f), 0o755);
  const shell = join(work, 'sh');
  mkdirSync(shell);
  symlinkSync(join(ROOT, 'scripts'), join(shell, 'scripts'));
  const block = Object.fromEntries(
    [...envBlock(mock.credentials, mock.url).matchAll(/^export (\w+)='([^']*)'$/gm)].map(([, k, v]) => [k, v]),
  );
  env = { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME ?? tmpdir(), LANG: 'C.UTF-8', ...block, WXPAY_MOCK_URL: mock.url };
});

afterAll(async () => {
  await mock?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs a command in its own process group; resolves with its exit code and output, then stops what it left behind. */
function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => kill(), timeoutMs);
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // the group is gone already
      }
    };
    child.on('exit', (code) => {
      clearTimeout(timer);
      kill(); // background servers the block started
      resolve({ code, output });
    });
  });
}

async function shellScript(code: string): Promise<string> {
  const startsMock = /wxpay-mock (start )?--port 8750|wxpay-mock [^\n]*--port 8750/.test(code);
  const port8750 = startsMock ? await unusedPort() : Number(new URL(mock.url).port);
  const port8751 = await unusedPort();
  return code.replaceAll('8750', String(port8750)).replaceAll('8751', String(port8751));
}

it('the README stays short (≤ 10 KB: the rest belongs in docs/) and every relative link of README and docs names a file that exists', () => {
  expect(readFileSync(join(ROOT, 'README.md')).length).toBeLessThanOrEqual(10_240);
  const broken: string[] = [];
  for (const path of markdownFiles()) {
    const text = readFileSync(path, 'utf8').replaceAll(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const file = join(path, '..', decodeURIComponent(target.split('#')[0]));
      if (!existsSync(file)) broken.push(`${relative(ROOT, path)}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
});

it('every sh, js and ts block is run, or says why not', () => {
  expect(blocks.filter((b) => !b.skip).length).toBeGreaterThan(5);
  for (const b of blocks.filter((b) => b.skip !== undefined)) expect(b.skip, name(b)).toMatch(/\w{3,}/);
});

describe.each(blocks.filter((b) => !b.skip && b.lang === 'ts' && /^\s*it\(/m.test(b.code)))('$file:$line, a vitest test', async (b) => {
  const path = join(ROOT, '.vitest', `docs-example-${b.file.replaceAll(/\W/g, '_')}-${b.line}.test-module.ts`);
  mkdirSync(join(ROOT, '.vitest'), { recursive: true });
  writeFileSync(path, fromSource(b.code));
  try {
    await import(path);
  } finally {
    rmSync(path, { force: true });
  }
});

// Concurrently: each block is its own process (or module); the shared mock's state is only added to.
for (const b of blocks.filter((b) => !b.skip && !(b.lang === 'ts' && /^\s*it\(/m.test(b.code)))) {
  it.concurrent(
    `${name(b)} runs`,
    async () => {
      if (b.lang === 'ts') {
        const path = join(work, `block-${b.line}.ts`);
        writeFileSync(path, fromSource(b.code));
        await import(path);
        return;
      }
      const script = join(work, `block-${b.file.replaceAll(/\W/g, '_')}-${b.line}.${b.lang === 'js' ? 'mjs' : 'sh'}`);
      writeFileSync(script, b.lang === 'js' ? b.code : await shellScript(b.code));
      const { code, output } =
        b.lang === 'js'
          ? await run(process.execPath, [script], work, 30_000)
          : await run('bash', ['-e', '-o', 'pipefail', script], join(work, 'sh'), 30_000);
      expect(code, `${name(b)} output:\n${output}`).toBe(0);
    },
    35_000,
  );
}
