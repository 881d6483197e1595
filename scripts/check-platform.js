// Runs first at install time: bsdsock wraps POSIX sockets, so say so plainly
// on Windows instead of failing later in the compiler.
'use strict';
if (process.platform === 'win32') {
  console.error(
    'bsdsock: Windows is not supported (bsdsock wraps POSIX sockets). ' +
      'Linux is tested; macOS and the BSDs are supported in the code.',
  );
  process.exit(1);
}
