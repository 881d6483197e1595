// The type checks that `npm test` runs before mocha (npm run typecheck):
// test/types/*.ts pins what the types must accept and refuse, and the
// README's code blocks are compiled as a user would compile them. These
// tests pin the machinery itself: every block of the README is extracted,
// verbatim, and a block that does not compile fails the check.

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');

import { ROOT } from './helpers';

const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');

/**
 * The code of a TypeScript file without its comments, string contents,
 * imports and exports lists (whose `as` renames), for the checks below.
 */
function code(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (text[i] === "'" || text[i] === '"' || text[i] === '`') {
      const q = text[i]!;
      for (i++; i < text.length && text[i] !== q; i++) if (text[i] === '\\') i++;
      i++;
      out += `${q}${q}`;
    } else {
      out += text[i++];
    }
  }
  return out.replace(/^(import|export)\b[^;]*;/gm, '');
}

/** The `as` casts (but `as const`) and non-null assertions of a file, as `line: what`. */
function castsIn(text: string): string[] {
  const c = code(text);
  const found: string[] = [];
  const line = (at: number) => c.slice(0, at).split('\n').length;
  for (const m of c.matchAll(/\bas\s+(?!const\b)[\w[{(]/g)) found.push(`${line(m.index)}: as-cast`);
  for (const m of c.matchAll(/[\w)\]]!(?=[.)\],;\s[])/g)) found.push(`${line(m.index)}: non-null assertion`);
  return found;
}

function readmeBlocks(): string[] {
  const blocks: string[] = [];
  const re = /^```ts\n([\s\S]*?)^```$/gm;
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) blocks.push(m[1]!);
  return blocks;
}

describe('41 types: the README and test/types are type-checked', function () {
  this.timeout(60000);

  it('the examples and test/types/trial.ts have no `as` cast and no non-null assertion', () => {
    const files = [
      ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => path.join('examples', f)),
      path.join('test', 'types', 'trial.ts'),
    ];
    assert.ok(files.length >= 20, `${files.length} programs`);
    for (const file of files) assert.deepEqual(castsIn(fs.readFileSync(path.join(ROOT, file), 'utf8')), [], file);
    // The check itself finds them.
    assert.deepEqual(castsIn("const x = s.getsockname() as [string, number]; // 'as' in a comment"), ['1: as-cast']);
    assert.deepEqual(castsIn("import { a as b } from 'x';\nconst y = fds[0]!;\nconst z = 'no!';\nif (a !== b) f(q as const);"), ['2: non-null assertion']);
  });

  it('scripts/readme-snippets.js extracts every ts block of the README, verbatim, one module each', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'readme-snippets.js')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const blocks = readmeBlocks();
    assert.ok(blocks.length >= 8, `only ${blocks.length} blocks`);
    const dir = path.join(ROOT, 'test', 'types', 'readme');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
    assert.equal(files.length, blocks.length);
    for (const [i, file] of files.entries()) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      assert.ok(text.includes(blocks[i]!), `${file} is not block ${i + 1}`);
      assert.ok(text.trimEnd().endsWith('export {};'), file);
    }
  });

  it('a snippet that does not type-check fails the check, naming its file; the README as it is passes', () => {
    // A sibling of the generated directory, so that 'bsdsock' resolves to
    // this package as it does there.
    const dir = path.join(ROOT, 'test', 'types', `readme-check-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(path.join(ROOT, 'test', 'types', 'readme'), dir, { recursive: true });
    try {
      const good = spawnSync(TSC, ['-p', path.join(dir, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(good.status, 0, good.stdout + good.stderr);
      fs.writeFileSync(
        path.join(dir, 'readme-bad.ts'),
        "import { socket } from 'bsdsock';\nconst [, port] = socket().getsockname();\nsocket().connect('/tmp/x');\nexport { port };\n",
      );
      const bad = spawnSync(TSC, ['-p', path.join(dir, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stdout, /readme-bad\.ts\(3,18\): error TS2345/);
      assert.equal(bad.stdout.trim().split('\n').length, 1, bad.stdout);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
