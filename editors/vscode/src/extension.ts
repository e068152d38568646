import * as vscode from 'vscode';
import { mentionsMigrationSql, type WorkspaceProbe, workspaceUsesMigrationSql } from './activation';
import { COMMANDS, LANGUAGES, SERVER_ID, SERVER_NAME } from './constants';
import { ServerController } from './server';
import { readSettings } from './settings';
import { ServerStatus } from './status';

let server: ServerController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel(SERVER_NAME, { log: true });
  const status = new ServerStatus();
  server = new ServerController(output, status, context.extension.packageJSON.homepage);
  const controller = server;
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand(COMMANDS.restart, () => controller.restart()),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => output.show()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Also after a failed start: setting the command is how the user answers that error.
      if (controller.active && event.affectsConfiguration(`${SERVER_ID}.server.command`)) {
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
