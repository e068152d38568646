// Packages the extension into out/. By default, the .vsix of this machine's platform
// (`vsce package --target`), carrying the server that scripts/bundle-server.py froze on
// this machine; PyInstaller builds only for the machine it runs on, so each platform's
// .vsix is made on a machine of that platform. With --universal, the .vsix for the
// platforms without one: it carries no server and runs the one installed on the machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const ARCHES = { x64: 'x64', arm64: 'arm64', arm: 'armhf' };

/** This machine as a `vsce --target`: linux-x64, darwin-arm64, win32-x64, alpine-x64, … */
function hostTarget() {
  const platform = process.platform === 'linux' && existsSync('/etc/alpine-release') ? 'alpine' : process.platform;
  const arch = ARCHES[process.arch];
  if (!arch || !['linux', 'alpine', 'darwin', 'win32'].includes(platform)) {
    throw new Error(`no VS Code target for ${process.platform}-${process.arch}; package it with --universal`);
  }
  return `${platform}-${arch}`;
}

const universal = process.argv.includes('--universal');
const vsce = ['package', '--no-dependencies'];
mkdirSync('out', { recursive: true });
if (universal) {
  // vsce applies every negation after every exclusion, so the line that ships the server goes.
  const ignore = 'out/universal.vscodeignore';
  const lines = readFileSync('.vscodeignore', 'utf8').split('\n');
  writeFileSync(ignore, lines.filter((line) => !line.startsWith('!bundled/')).join('\n'));
  vsce.push('--ignoreFile', ignore, '--out', 'out/migration-lsp-universal.vsix');
} else {
  const target = hostTarget();
  const server = `bundled/server/migration-lsp${process.platform === 'win32' ? '.exe' : ''}`;
  if (!existsSync(server)) {
    throw new Error(`${server} is missing: freeze the server first (npm run bundle-server)`);
  }
  vsce.push('--target', target, '--out', `out/migration-lsp-${target}.vsix`);
}
// npm puts node_modules/.bin on PATH; on Windows, vsce is a .cmd file, which needs a shell.
execFileSync('vsce', vsce, { stdio: 'inherit', shell: process.platform === 'win32' });
