// The package as users get it: it loads from CommonJS and from an ES module,
// and its constants are the platform's own values (compared with CPython's).

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');

import * as bsdsock from '../lib';
import { ROOT, python, start, tempDirs } from './helpers';

describe('00 setup', () => {
  const tmp = tempDirs();

  it("require('bsdsock') resolves to the built package", () => {
    const resolved = require.resolve('bsdsock', { paths: [ROOT] });
    assert.equal(resolved, path.join(ROOT, 'dist', 'index.js'));
    const pkg = require(resolved) as typeof bsdsock;
    assert.equal(typeof pkg.socket, 'function');
    assert.equal(pkg.AF_INET, bsdsock.AF_INET);
  });

  it('the CommonJS entry holds plain values, not getters (reading a constant costs nothing)', () => {
    const pkg = require(require.resolve('bsdsock', { paths: [ROOT] })) as Record<string, unknown>;
    for (const name of ['socket', 'Socket', 'SOL_SOCKET', 'AF_INET', 'constants', 'select']) {
      const d = Object.getOwnPropertyDescriptor(pkg, name);
      assert.ok(d && 'value' in d, `${name} is not a data property`);
    }
    assert.equal(pkg.SOL_SOCKET, bsdsock.SOL_SOCKET);
  });

  it("import { socket } from 'bsdsock' works in an .mjs file", async () => {
    const dir = tmp();
    const file = path.join(dir, 'probe.mjs');
    // The probe resolves 'bsdsock' through a node_modules link, as a user's
    // project does after `npm install bsdsock`.
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'bsdsock'));
    fs.writeFileSync(
      file,
      [
        "import { socket, socketpair, AF_UNIX, SocketError } from 'bsdsock';",
        "import def from 'bsdsock';",
        'const [a, b] = socketpair(AF_UNIX);',
        "a.sendall('ping');",
        'console.log(b.recv(4).toString(), typeof socket, SocketError.name, def.socket === socket);',
        'a.close(); b.close();',
      ].join('\n'),
    );
    const child = start(process.execPath, [file]);
    const { code, stdout, stderr } = await child.exit();
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.equal(stdout, 'ping function SocketError true\n');
  });

  it('constants equal CPython socket/select values on this machine', async () => {
    const script = [
      'import json, socket, select',
      'names = [n for n in dir(socket) + dir(select) if n[:1].isupper()]',
      'vals = {n: getattr(socket, n, getattr(select, n, None)) for n in names}',
      'print(json.dumps({n: v for n, v in vals.items() if type(v) is int or isinstance(v, int) and type(v).__name__ in ("AddressFamily", "SocketKind", "MsgFlag", "AddressInfo")}))',
    ].join('\n');
    const child = python(script);
    const { code, stdout } = await child.exit();
    assert.equal(code, 0);
    const py = JSON.parse(stdout) as Record<string, number>;
    const required = /^(AF|SOCK|SOL|SO|IPPROTO|IP|IPV6|TCP|MSG|SHUT|SCM)_/;
    let compared = 0;
    for (const [name, value] of Object.entries(py)) {
      if (!required.test(name)) continue;
      assert.equal(bsdsock.constants[name], value, name);
      assert.equal((bsdsock as unknown as Record<string, number>)[name], value, name);
      compared++;
    }
    assert.ok(compared > 180, `only ${compared} constants compared`);
    for (const [name, value] of Object.entries(bsdsock.constants)) {
      if (name in py) assert.equal(value, py[name], name);
    }
    assert.ok(Object.isFrozen(bsdsock.constants));
  });
});
