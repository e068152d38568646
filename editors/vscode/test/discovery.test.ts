import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DiscoveryEnvironment, discoverServer, parseConfiguredCommand } from '../src/discovery';

interface Calls {
  which: string[];
  succeeds: string[][];
}

function environment(overrides: Partial<DiscoveryEnvironment>): { env: DiscoveryEnvironment; calls: Calls } {
  const calls: Calls = { which: [], succeeds: [] };
  const env: DiscoveryEnvironment = {
    configuredCommand: [],
    which: async (name) => {
      calls.which.push(name);
      return undefined;
    },
    succeeds: async (command, args) => {
      calls.succeeds.push([command, ...args]);
      return false;
    },
    pythonInterpreter: async () => undefined,
    ...overrides,
  };
  return { env, calls };
}

describe('discoverServer', () => {
  it('uses the configured command as given, without probing the machine', async () => {
    const { env, calls } = environment({
      configuredCommand: ['/venv/bin/python', '-m', 'migration_lsp'],
      which: async () => '/usr/bin/migration-lsp',
    });
    const { found } = await discoverServer(env);
    assert.deepEqual(found, {
      command: '/venv/bin/python',
      args: ['-m', 'migration_lsp'],
      origin: 'setting migration-lsp.server.command',
    });
    assert.deepEqual(calls, { which: [], succeeds: [] });
  });

  it('falls back to migration-lsp on PATH', async () => {
    const { env, calls } = environment({ which: async () => '/usr/local/bin/migration-lsp' });
    const { found, tried } = await discoverServer(env);
    assert.deepEqual(found, { command: '/usr/local/bin/migration-lsp', args: [], origin: 'PATH' });
    assert.deepEqual(tried, ['setting migration-lsp.server.command: not set']);
    assert.deepEqual(calls.succeeds, []);
  });

  it("then runs the module with the Python extension's interpreter once --version works", async () => {
    const { env, calls } = environment({
      pythonInterpreter: async () => '/project/.venv/bin/python',
      succeeds: async (command, args) => {
        calls.succeeds.push([command, ...args]);
        return true;
      },
    });
    const { found } = await discoverServer(env);
    assert.deepEqual(found?.command, '/project/.venv/bin/python');
    assert.deepEqual(found?.args, ['-m', 'migration_lsp']);
    assert.deepEqual(calls.which, ['migration-lsp']);
    assert.deepEqual(calls.succeeds, [['/project/.venv/bin/python', '-m', 'migration_lsp', '--version']]);
  });

  it('reports every place it looked when the interpreter lacks the package', async () => {
    const { env } = environment({ pythonInterpreter: async () => '/usr/bin/python3' });
    const { found, tried } = await discoverServer(env);
    assert.equal(found, undefined);
    assert.deepEqual(tried, [
      'setting migration-lsp.server.command: not set',
      'PATH: no migration-lsp executable',
      'Python extension interpreter /usr/bin/python3: cannot run -m migration_lsp',
    ]);
  });

  it('says so when there is no Python extension', async () => {
    const { env } = environment({ configuredCommand: undefined });
    const { found, tried } = await discoverServer(env);
    assert.equal(found, undefined);
    assert.equal(tried.at(-1), 'Python extension: not installed or no interpreter selected');
  });

  it('ignores a malformed setting and keeps looking', async () => {
    const { env } = environment({
      configuredCommand: 'migration-lsp --stdio',
      which: async () => '/bin/migration-lsp',
    });
    const { found, tried } = await discoverServer(env);
    assert.equal(found?.origin, 'PATH');
    assert.match(tried[0], /ignored, it must be a non-empty list of strings/);
  });
});

describe('parseConfiguredCommand', () => {
  it('accepts a non-empty list of strings', () => {
    assert.deepEqual(parseConfiguredCommand(['migration-lsp']), ['migration-lsp']);
  });

  for (const value of [undefined, null, [], 'migration-lsp', [''], ['  '], ['python', 3]]) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      assert.equal(parseConfiguredCommand(value), undefined);
    });
  }
});
