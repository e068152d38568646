/** The server's id: settings section, diagnostics source, command prefix and trace setting. */
export const SERVER_ID = 'migration-lsp';

/** What the user sees: the output channel, the status bar and the language client's messages. */
export const SERVER_NAME = 'migration-lsp';

/** The variable the server always checks; `migration-lsp.variableNames` adds to it. */
export const MIGRATION_VARIABLE = 'MIGRATION_SQL';

export const LANGUAGES = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'] as const;

export const COMMANDS = {
  restart: `${SERVER_ID}.restart`,
  showOutput: `${SERVER_ID}.showOutput`,
  // Advertised by the server; the language client registers these two while it runs.
  checkWorkspace: `${SERVER_ID}.checkWorkspace`,
  verify: `${SERVER_ID}.verify`,
} as const;

/** Context key that shows the server's commands in the Command Palette only while it runs. */
export const RUNNING_CONTEXT = `${SERVER_ID}.serverRunning`;
