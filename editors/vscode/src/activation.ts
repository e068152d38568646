import { MIGRATION_VARIABLE } from './constants';

/** The little of `vscode.workspace` that deciding to start needs, injected so that it can be tested. */
export interface WorkspaceProbe<File> {
  findFiles(include: string, exclude: string, maxResults: number): Promise<File[]>;
  readText(file: File): Promise<string>;
}

// Every JavaScript file of a workspace is opened with the TypeScript languages,
// so deciding must cost a few small searches, not a scan of the workspace.
const EXCLUDE = '**/{node_modules,.git,dist,build,out,.next}/**';
const SOURCE_EXTENSIONS = '{ts,tsx,js,jsx,mjs,cjs}';
const CANDIDATES_PER_SEARCH = 5;

const CONFIG_FILE_GLOB = '**/migration-lsp.toml';
const PYPROJECT_GLOB = '**/pyproject.toml';
const PYPROJECT_SECTION = /^\s*\[tool\.migration-lsp[\].]/m;
const MIGRATION_SOURCE_GLOBS = [`**/*migration*/**/*.${SOURCE_EXTENSIONS}`, `**/*migration*.${SOURCE_EXTENSIONS}`];

/** Whether a source text declares one of the variables whose template literal the server checks. */
export function mentionsMigrationSql(text: string, extraVariableNames: readonly string[]): boolean {
  return [MIGRATION_VARIABLE, ...extraVariableNames].some((name) => text.includes(name));
}

/**
 * Whether the workspace is configured for the server or has a migration file
 * where one is usually kept. A file elsewhere starts the server when it is opened.
 */
export async function workspaceUsesMigrationSql<File>(
  probe: WorkspaceProbe<File>,
  extraVariableNames: readonly string[],
): Promise<boolean> {
  const exists = async (glob: string) => (await probe.findFiles(glob, EXCLUDE, 1)).length > 0;
  const anyFileMatches = async (glob: string, matches: (text: string) => boolean) => {
    for (const file of await probe.findFiles(glob, EXCLUDE, CANDIDATES_PER_SEARCH)) {
      if (matches(await probe.readText(file))) {
        return true;
      }
    }
    return false;
  };
  const checks = [
    exists(CONFIG_FILE_GLOB),
    anyFileMatches(PYPROJECT_GLOB, (text) => PYPROJECT_SECTION.test(text)),
    ...MIGRATION_SOURCE_GLOBS.map((glob) =>
      anyFileMatches(glob, (text) => mentionsMigrationSql(text, extraVariableNames)),
    ),
  ];
  return (await Promise.all(checks)).some(Boolean);
}
