// Type-checked (strict, not run) against the installed declarations, as
// CommonJS under node16 resolution.
import bsdsock = require('bsdsock');

const info: bsdsock.AddonInfo = bsdsock.addon;
const s: bsdsock.Socket = bsdsock.socket(bsdsock.AF_INET, bsdsock.SOCK_DGRAM);
const n: number = s.sendto(Buffer.from('x'), ['127.0.0.1', 9]);
// @ts-expect-error: recv takes a byte count
s.recv('1024');

export = { info, n };
