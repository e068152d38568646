import * as vscode from 'vscode';
import { COMMANDS, SERVER_ID, SERVER_NAME } from './constants';

export type ServerState = 'starting' | 'running' | 'stopped' | 'error';

const ICONS: Record<ServerState, string> = {
  starting: '$(loading~spin)',
  running: '$(database)',
  stopped: '$(circle-slash)',
  error: '$(error)',
};

/** A status bar item with the server's state and how many findings it reports, opening the output when clicked. */
export class ServerStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(`${SERVER_ID}.status`, vscode.StatusBarAlignment.Left);
  private readonly findings = new Map<string, number>();
  private readonly subscription: vscode.Disposable;
  private state: ServerState = 'stopped';
  private detail = '';

  constructor() {
    this.item.name = SERVER_NAME;
    this.item.command = COMMANDS.showOutput;
    this.subscription = vscode.languages.onDidChangeDiagnostics(({ uris }) => {
      for (const uri of uris) {
        const count = vscode.languages.getDiagnostics(uri).filter((d) => d.source === SERVER_ID).length;
        if (count > 0) {
          this.findings.set(uri.toString(), count);
        } else {
          this.findings.delete(uri.toString());
        }
      }
      this.render();
    });
  }

  set(state: ServerState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    this.render();
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }

  private render(): void {
    let total = 0;
    this.findings.forEach((count) => (total += count));
    const findings = `${total} finding${total === 1 ? '' : 's'}`;
    const summary = this.state === 'running' ? `${SERVER_NAME}: ${findings}` : `${SERVER_NAME}: ${this.state}`;
    this.item.text = `${ICONS[this.state]} ${summary}`;
    this.item.accessibilityInformation = { label: `${SERVER_NAME}: ${this.state}, ${findings}` };
    this.item.tooltip = [`Server ${this.state}`, this.detail, findings, 'Click to show the output.']
      .filter(Boolean)
      .join('\n');
    this.item.backgroundColor =
      this.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
