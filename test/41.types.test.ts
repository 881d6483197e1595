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

function readmeBlocks(): string[] {
  const blocks: string[] = [];
  const re = /^```ts\n([\s\S]*?)^```$/gm;
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) blocks.push(m[1]!);
  return blocks;
}

describe('41 types: the README and test/types are type-checked', function () {
  this.timeout(60000);

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
