import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, RevealOutputChannelOn, State } from 'vscode-languageclient/node';
import { COMMANDS, LANGUAGES, RUNNING_CONTEXT, SERVER_ID, SERVER_NAME } from './constants';
import { discoverServer, type ServerCommand } from './discovery';
import { activeInterpreter } from './python';
import { initializationOptions, readSettings } from './settings';
import type { ServerStatus } from './status';
import { executable, succeeds, which } from './system';

const INSTALL_HINT = "Install it with 'pipx install migration-lsp' or set migration-lsp.server.command.";
// A bundled server that cannot start (an unsupported system, a damaged install) has the
// environment's server as its way out.
const BUNDLED_HINT =
  "Install it with 'pipx install migration-lsp' and set migration-lsp.importStrategy to fromEnvironment.";
const OPEN_DOCUMENTATION = 'Open documentation';
const SHOW_OUTPUT = 'Show output';

/** Owns the language client: finds the server, starts it, restarts and stops it, one operation at a time. */
export class ServerController {
  private client: LanguageClient | undefined;
  private wanted = false;
  private stopping = false;
  /** Which server runs, for the status bar's tooltip: known once it has answered `initialize`. */
  private running = '';
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly status: ServerStatus,
    private readonly documentationUrl: string,
    /** Where the executable of the bundled server is, when this build carries one. */
    private readonly bundledServerPath: string,
  ) {}

  /** Whether the server should run: it was started, even if it could not be found. */
  get active(): boolean {
    return this.wanted;
  }

  start(): Promise<void> {
    this.wanted = true;
    return this.enqueue(async () => {
      if (!this.client) {
        await this.startClient();
      }
    });
  }

  restart(): Promise<void> {
    this.wanted = true;
    return this.enqueue(async () => {
      await this.stopClient();
      await this.startClient();
    });
  }

  stop(): Promise<void> {
    this.wanted = false;
    return this.enqueue(() => this.stopClient());
  }

  // A restart clicked while the server is still starting must wait for that start, not race it.
  private enqueue(operation: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(operation, operation);
    return this.queue;
  }

  private async startClient(): Promise<void> {
    this.status.set('starting');
    const server = await this.discover();
    if (!server) {
      this.status.set('error', 'The language server was not found.');
      void this.notify(`${SERVER_NAME}: the language server was not found. ${INSTALL_HINT}`, [OPEN_DOCUMENTATION]);
      return;
    }
    const commandLine = [server.command, ...server.args].join(' ');
    this.output.info(`Starting ${commandLine} (${server.origin})`);
    const client = new LanguageClient(
      SERVER_ID,
      SERVER_NAME,
      {
        command: server.command,
        // No transport option: with one, the client appends --stdio, which the server rejects.
        args: server.args,
        options: { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath },
      },
      this.clientOptions(),
    );
    client.onDidChangeState(({ newState }) => this.onStateChange(newState));
    this.client = client;
    this.running = '';
    try {
      await client.start();
    } catch (error) {
      this.output.error(`${commandLine} failed to start: ${String(error)}`);
      this.status.set('error', `${commandLine} failed to start.`);
      const hint = server.source === 'bundled' ? BUNDLED_HINT : INSTALL_HINT;
      void this.notify(`${SERVER_NAME}: the language server failed to start. ${hint}`, [
        SHOW_OUTPUT,
        OPEN_DOCUMENTATION,
      ]);
      return;
    }
    const info = client.initializeResult?.serverInfo;
    const started = info ? `${info.name} ${info.version ?? '(no version given)'}` : 'a server that did not say its name';
    this.output.info(`Started ${started}: ${commandLine} (${server.origin})`);
    this.running = `${started}, ${server.origin}`;
    this.status.set('running', this.running);
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    if (!client) {
      return;
    }
    this.client = undefined;
    this.stopping = true;
    try {
      await client.dispose();
    } catch (error) {
      this.output.warn(`Stopping the server: ${String(error)}`);
    } finally {
      this.stopping = false;
    }
    this.status.set('stopped');
  }

  private async discover(): Promise<ServerCommand | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const config = vscode.workspace.getConfiguration(SERVER_ID, folder);
    const discovery = await discoverServer({
      configuredCommand: config.get('server.command'),
      importStrategy: config.get('importStrategy'),
      bundledServer: async () => ((await executable(this.bundledServerPath)) ? this.bundledServerPath : undefined),
      which,
      succeeds,
      pythonInterpreter: () =>
        activeInterpreter(folder?.uri).catch((error: unknown) => {
          this.output.warn(`Asking the Python extension for its interpreter: ${String(error)}`);
          return undefined;
        }),
    });
    for (const line of discovery.tried) {
      this.output.info(`Looked for the server: ${line}`);
    }
    return discovery.found;
  }

  private onStateChange(state: State): void {
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, state === State.Running);
    if (state === State.Starting) {
      this.status.set('starting');
    } else if (state === State.Running) {
      this.status.set('running', this.running);
    } else if (!this.stopping) {
      // The client gave up restarting a server that kept exiting.
      this.status.set('error', 'The server stopped unexpectedly.');
    }
  }

  private clientOptions(): LanguageClientOptions {
    const folders = vscode.workspace.workspaceFolders ?? [];
    return {
      documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
      diagnosticCollectionName: SERVER_ID,
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: initializationOptions(
        folders.map((folder) => ({
          uri: folder.uri.toString(),
          config: vscode.workspace.getConfiguration(SERVER_ID, folder),
        })),
        vscode.workspace.getConfiguration(SERVER_ID),
      ),
      synchronize: { configurationSection: SERVER_ID },
      middleware: {
        workspace: {
          // The server reads the same keys from workspace/configuration as from
          // its initialization options, not the raw shape of the settings.
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            return params.items.map((item, index) =>
              item.section === SERVER_ID
                ? readSettings(
                    vscode.workspace.getConfiguration(
                      SERVER_ID,
                      item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined,
                    ),
                  )
                : answers[index],
            );
          },
        },
        executeCommand: async (command, args, next) => {
          // From the Command Palette, verify gets no argument: it means the file being edited.
          if (command === COMMANDS.verify && args.length === 0) {
            const document = vscode.window.activeTextEditor?.document;
            if (!document) {
              void vscode.window.showWarningMessage(`${SERVER_NAME}: open a migration file to verify it.`);
              return undefined;
            }
            args = [document.uri.toString()];
          }
          const result = await next(command, args);
          // The findings land in the Problems panel; say that the check ran and what it found.
          if (command === COMMANDS.checkWorkspace && typeof result?.filesWithFindings === 'number') {
            const files = result.filesWithFindings;
            void vscode.window.showInformationMessage(
              `${SERVER_NAME}: checked the workspace, ${files === 0 ? 'no' : files} file${files === 1 ? '' : 's'} with findings.`,
            );
          }
          return result;
        },
      },
    };
  }

  private async notify(message: string, actions: string[]): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === OPEN_DOCUMENTATION) {
      await vscode.env.openExternal(vscode.Uri.parse(this.documentationUrl));
    } else if (choice === SHOW_OUTPUT) {
      this.output.show();
    }
  }
}
