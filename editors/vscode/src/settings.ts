export type CheckOn = 'type' | 'save';
export type LogLevel = 'error' | 'warning' | 'info' | 'debug';

/** What the server reads, the same keys for one workspace folder or for the whole window. */
export interface ServerSettings {
  checkOn: CheckOn;
  variableNames: string[];
  verifyOnSave: boolean;
  logLevel: LogLevel;
}

export interface WorkspaceSettings extends ServerSettings {
  /** The folder's URI, which the server matches against document URIs. */
  workspace: string;
}

export interface InitializationOptions {
  settings: WorkspaceSettings[];
  globalSettings: ServerSettings;
}

/** The `migration-lsp` section at one scope, as `vscode.WorkspaceConfiguration` reads it. */
export interface ConfigurationReader {
  get(key: string): unknown;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

// The trace setting already says how much the user wants to see; the server's
// own log follows it rather than adding a second knob.
const LOG_LEVEL_FOR_TRACE: Record<string, LogLevel> = {
  off: 'info',
  messages: 'info',
  verbose: 'debug',
};

/** Reads one scope, replacing values that the settings schema would reject with the defaults. */
export function readSettings(config: ConfigurationReader): ServerSettings {
  const checkOn = config.get('checkOn');
  const variableNames = config.get('variableNames');
  const trace = config.get('trace.server');
  return {
    checkOn: checkOn === 'save' ? 'save' : 'type',
    variableNames: Array.isArray(variableNames)
      ? [...new Set(variableNames.filter((name): name is string => typeof name === 'string' && IDENTIFIER.test(name)))]
      : [],
    verifyOnSave: config.get('verifyOnSave') === true,
    logLevel: (typeof trace === 'string' && LOG_LEVEL_FOR_TRACE[trace]) || LOG_LEVEL_FOR_TRACE.off,
  };
}

export function initializationOptions(
  folders: ReadonlyArray<{ uri: string; config: ConfigurationReader }>,
  global: ConfigurationReader,
): InitializationOptions {
  return {
    settings: folders.map(({ uri, config }) => ({ workspace: uri, ...readSettings(config) })),
    globalSettings: readSettings(global),
  };
}
