import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import * as path from 'node:path';

// Importing the interpreter and the server package can take a while on a cold disk.
const PROBE_TIMEOUT_MS = 30_000;

/** Whether `file` is a file that this process may execute. */
export async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export async function which(name: string): Promise<string | undefined> {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const suffixes = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const directory of directories) {
    for (const suffix of suffixes) {
      const candidate = path.join(directory, name + suffix);
      if (await executable(candidate)) {
        return candidate;
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
