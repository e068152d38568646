import * as vscode from 'vscode';
import { mentionsMigrationSql, type WorkspaceProbe, workspaceUsesMigrationSql } from './activation';
import { COMMANDS, LANGUAGES, SERVER_ID, SERVER_NAME } from './constants';
import { ServerController } from './server';
import { readSettings } from './settings';
import { ServerStatus } from './status';

let server: ServerController | undefined;

/** The frozen server of a platform-specific build (scripts/bundle-server.py); the universal build has none. */
const BUNDLED_SERVER = `bundled/server/migration-lsp${process.platform === 'win32' ? '.exe' : ''}`;

/** The settings that choose which server runs: a change restarts it. */
const SERVER_SETTINGS = ['server.command', 'importStrategy'];

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel(SERVER_NAME, { log: true });
  const status = new ServerStatus();
  server = new ServerController(
    output,
    status,
    context.extension.packageJSON.homepage,
    context.asAbsolutePath(BUNDLED_SERVER),
  );
  const controller = server;
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand(COMMANDS.restart, () => controller.restart()),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => output.show()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Also after a failed start: changing these is how the user answers that error.
      if (controller.active && SERVER_SETTINGS.some((key) => event.affectsConfiguration(`${SERVER_ID}.${key}`))) {
        void controller.restart();
      }
    }),
  );
  startWhenNeeded(controller, context.subscriptions).catch((error: unknown) =>
    output.error(`Deciding whether to start the server: ${String(error)}`),
  );
}

export function deactivate(): Promise<void> | undefined {
  return server?.stop();
}

// Activation happens for every TypeScript or JavaScript workspace; the server
// only starts in one that has migrations, or once a migration file is opened.
async function startWhenNeeded(controller: ServerController, subscriptions: vscode.Disposable[]): Promise<void> {
  const extraVariableNames = () => readSettings(vscode.workspace.getConfiguration(SERVER_ID)).variableNames;
  const isMigrationDocument = (document: vscode.TextDocument) =>
    (LANGUAGES as readonly string[]).includes(document.languageId) &&
    mentionsMigrationSql(document.getText(), extraVariableNames());

  if (
    vscode.workspace.textDocuments.some(isMigrationDocument) ||
    (await workspaceUsesMigrationSql(workspaceProbe, extraVariableNames()))
  ) {
    await controller.start();
    return;
  }
  const watcher = vscode.workspace.onDidOpenTextDocument((document) => {
    if (isMigrationDocument(document)) {
      watcher.dispose();
      void controller.start();
    }
  });
  subscriptions.push(watcher);
}

const workspaceProbe: WorkspaceProbe<vscode.Uri> = {
  findFiles: async (include, exclude, maxResults) => vscode.workspace.findFiles(include, exclude, maxResults),
  readText: async (uri) => new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)),
};
