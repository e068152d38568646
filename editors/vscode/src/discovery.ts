/** Where a server command came from: decides what the output says and what a failure suggests. */
export type ServerSource = 'setting' | 'bundled' | 'path' | 'python';

/** A command line that starts the language server on stdio. */
export interface ServerCommand {
  command: string;
  args: string[];
  source: ServerSource;
  /** Where the command came from, as the output channel says it. */
  origin: string;
}

/** `useBundled`: the server this build carries; `fromEnvironment`: one installed on the machine. */
export type ImportStrategy = 'useBundled' | 'fromEnvironment';

/** What discovery may ask of the machine, injected so that it can be tested without one. */
export interface DiscoveryEnvironment {
  /** The value of `migration-lsp.server.command`, unvalidated. */
  configuredCommand: unknown;
  /** The value of `migration-lsp.importStrategy`, unvalidated. */
  importStrategy: unknown;
  /** The executable of the server this build of the extension carries; none in the universal build. */
  bundledServer(): Promise<string | undefined>;
  /** The absolute path of an executable on PATH, if any. */
  which(executable: string): Promise<string | undefined>;
  /** Whether the command exits with status 0. */
  succeeds(command: string, args: readonly string[]): Promise<boolean>;
  /** The interpreter selected in the Python extension, if that extension is installed. */
  pythonInterpreter(): Promise<string | undefined>;
}

export interface Discovery {
  found: ServerCommand | undefined;
  /** One line per place looked at, so that a failure can say what was tried. */
  tried: string[];
}

export const SERVER_EXECUTABLE = 'migration-lsp';
export const SERVER_MODULE = 'migration_lsp';
export const DEFAULT_IMPORT_STRATEGY: ImportStrategy = 'useBundled';

export function parseConfiguredCommand(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    return undefined;
  }
  if (!value.every((part): part is string => typeof part === 'string') || value[0].trim() === '') {
    return undefined;
  }
  return value;
}

export function parseImportStrategy(value: unknown): ImportStrategy | undefined {
  return value === 'useBundled' || value === 'fromEnvironment' ? value : undefined;
}

/**
 * Looks for the server: the setting `migration-lsp.server.command` always wins. Then, with
 * `useBundled`, the server the extension carries; with `fromEnvironment`, or when this build
 * carries none, `migration-lsp` on PATH and `python -m migration_lsp` with the Python
 * extension's interpreter. `fromEnvironment` falls back to the bundled server last, so that
 * the setting never leaves a user without a server the extension has.
 */
export async function discoverServer(env: DiscoveryEnvironment): Promise<Discovery> {
  const tried: string[] = [];

  const configured = parseConfiguredCommand(env.configuredCommand);
  if (configured) {
    const [command, ...args] = configured;
    return { found: { command, args, source: 'setting', origin: 'set in migration-lsp.server.command' }, tried };
  }
  tried.push(
    env.configuredCommand === undefined || (Array.isArray(env.configuredCommand) && env.configuredCommand.length === 0)
      ? 'setting migration-lsp.server.command: not set'
      : 'setting migration-lsp.server.command: ignored, it must be a non-empty list of strings',
  );

  let strategy = parseImportStrategy(env.importStrategy);
  if (!strategy) {
    strategy = DEFAULT_IMPORT_STRATEGY;
    if (env.importStrategy !== undefined) {
      tried.push(
        `setting migration-lsp.importStrategy: ignored ${JSON.stringify(env.importStrategy)}, it must be useBundled or fromEnvironment`,
      );
    }
  }

  const bundled = async (): Promise<ServerCommand | undefined> => {
    const executable = await env.bundledServer();
    if (executable) {
      return { command: executable, args: [], source: 'bundled', origin: 'bundled with the extension' };
    }
    tried.push('bundled server: this build of the extension carries none');
    return undefined;
  };

  if (strategy === 'useBundled') {
    const found = await bundled();
    if (found) {
      return { found, tried };
    }
  }
  const installed = await fromEnvironment(env, tried);
  if (installed) {
    return { found: installed, tried };
  }
  return { found: strategy === 'fromEnvironment' ? await bundled() : undefined, tried };
}

/** The environment's server: `migration-lsp` on PATH, then the Python extension's interpreter. */
async function fromEnvironment(env: DiscoveryEnvironment, tried: string[]): Promise<ServerCommand | undefined> {
  const onPath = await env.which(SERVER_EXECUTABLE);
  if (onPath) {
    return { command: onPath, args: [], source: 'path', origin: 'found on PATH' };
  }
  tried.push(`PATH: no ${SERVER_EXECUTABLE} executable`);

  const python = await env.pythonInterpreter();
  if (!python) {
    tried.push('Python extension: not installed or no interpreter selected');
    return undefined;
  }
  const moduleArgs = ['-m', SERVER_MODULE];
  if (await env.succeeds(python, [...moduleArgs, '--version'])) {
    return { command: python, args: moduleArgs, source: 'python', origin: "found through the Python extension's interpreter" };
  }
  tried.push(`Python extension interpreter ${python}: cannot run -m ${SERVER_MODULE}`);
  return undefined;
}
