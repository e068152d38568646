/** A command line that starts the language server on stdio. */
export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for the output channel. */
  origin: string;
}

/** What discovery may ask of the machine, injected so that it can be tested without one. */
export interface DiscoveryEnvironment {
  /** The value of `migration-lsp.server.command`, unvalidated. */
  configuredCommand: unknown;
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

export function parseConfiguredCommand(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    return undefined;
  }
  if (!value.every((part): part is string => typeof part === 'string') || value[0].trim() === '') {
    return undefined;
  }
  return value;
}

/**
 * Looks for the server in order: the setting, `migration-lsp` on PATH, then
 * `python -m migration_lsp` with the Python extension's interpreter.
 */
export async function discoverServer(env: DiscoveryEnvironment): Promise<Discovery> {
  const tried: string[] = [];

  const configured = parseConfiguredCommand(env.configuredCommand);
  if (configured) {
    const [command, ...args] = configured;
    return { found: { command, args, origin: 'setting migration-lsp.server.command' }, tried };
  }
  tried.push(
    env.configuredCommand === undefined || (Array.isArray(env.configuredCommand) && env.configuredCommand.length === 0)
      ? 'setting migration-lsp.server.command: not set'
      : 'setting migration-lsp.server.command: ignored, it must be a non-empty list of strings',
  );

  const onPath = await env.which(SERVER_EXECUTABLE);
  if (onPath) {
    return { found: { command: onPath, args: [], origin: 'PATH' }, tried };
  }
  tried.push(`PATH: no ${SERVER_EXECUTABLE} executable`);

  const python = await env.pythonInterpreter();
  if (!python) {
    tried.push('Python extension: not installed or no interpreter selected');
    return { found: undefined, tried };
  }
  const moduleArgs = ['-m', SERVER_MODULE];
  if (await env.succeeds(python, [...moduleArgs, '--version'])) {
    return { found: { command: python, args: moduleArgs, origin: `Python extension interpreter ${python}` }, tried };
  }
  tried.push(`Python extension interpreter ${python}: cannot run -m ${SERVER_MODULE}`);
  return { found: undefined, tried };
}
