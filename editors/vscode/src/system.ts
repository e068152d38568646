import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import * as path from 'node:path';

// Importing the interpreter and the server package can take a while on a cold disk.
const PROBE_TIMEOUT_MS = 30_000;

export async function which(executable: string): Promise<string | undefined> {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const suffixes = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const directory of directories) {
    for (const suffix of suffixes) {
      const candidate = path.join(directory, executable + suffix);
      try {
        await access(candidate, constants.X_OK);
        if ((await stat(candidate)).isFile()) {
          return candidate;
        }
      } catch {
        // Not in this directory; keep looking.
      }
    }
  }
  return undefined;
}

export function succeeds(command: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: PROBE_TIMEOUT_MS }, (error) => resolve(error === null));
  });
}
