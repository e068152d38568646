import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DiscoveryEnvironment,
  discoverServer,
  parseConfiguredCommand,
  parseImportStrategy,
} from '../src/discovery';

interface Calls {
  bundled: number;
  which: string[];
  succeeds: string[][];
  python: number;
}

const BUNDLED = '/ext/bundled/server/migration-lsp';

/** A machine with nothing installed, and an extension build that carries no server (the universal one). */
function environment(overrides: Partial<DiscoveryEnvironment>): { env: DiscoveryEnvironment; calls: Calls } {
  const calls: Calls = { bundled: 0, which: [], succeeds: [], python: 0 };
  const env: DiscoveryEnvironment = {
    configuredCommand: [],
    importStrategy: undefined,
    bundledServer: async () => {
      calls.bundled++;
      return undefined;
    },
    which: async (name) => {
      calls.which.push(name);
      return undefined;
    },
    succeeds: async (command, args) => {
      calls.succeeds.push([command, ...args]);
      return false;
    },
    pythonInterpreter: async () => {
      calls.python++;
      return undefined;
    },
    ...overrides,
  };
  return { env, calls };
}

const withBundle = { bundledServer: async () => BUNDLED };

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
      source: 'setting',
      origin: 'set in migration-lsp.server.command',
    });
    assert.deepEqual(calls, { bundled: 0, which: [], succeeds: [], python: 0 });
  });

  it('falls back to migration-lsp on PATH when the build carries no server', async () => {
    const { env, calls } = environment({ which: async () => '/usr/local/bin/migration-lsp' });
    const { found, tried } = await discoverServer(env);
    assert.deepEqual(found, { command: '/usr/local/bin/migration-lsp', args: [], source: 'path', origin: 'found on PATH' });
    assert.deepEqual(tried, [
      'setting migration-lsp.server.command: not set',
      'bundled server: this build of the extension carries none',
    ]);
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
      'bundled server: this build of the extension carries none',
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
    assert.equal(found?.source, 'path');
    assert.match(tried[0], /ignored, it must be a non-empty list of strings/);
  });
});

describe('discoverServer with migration-lsp.importStrategy', () => {
  it('runs the bundled server by default, without looking at the machine', async () => {
    const { env, calls } = environment({
      ...withBundle,
      which: async () => '/usr/local/bin/migration-lsp',
      pythonInterpreter: async () => '/project/.venv/bin/python',
    });
    const { found, tried } = await discoverServer(env);
    assert.deepEqual(found, { command: BUNDLED, args: [], source: 'bundled', origin: 'bundled with the extension' });
    assert.deepEqual(tried, ['setting migration-lsp.server.command: not set']);
    assert.deepEqual(calls.which, []);
    assert.deepEqual(calls.succeeds, []);
  });

  it('runs the bundled server with useBundled', async () => {
    const { env } = environment({ ...withBundle, importStrategy: 'useBundled' });
    assert.equal((await discoverServer(env)).found?.source, 'bundled');
  });

  it('lets the setting migration-lsp.server.command win over useBundled', async () => {
    const { env, calls } = environment({ ...withBundle, configuredCommand: ['/opt/migration-lsp'] });
    assert.equal((await discoverServer(env)).found?.command, '/opt/migration-lsp');
    assert.equal(calls.bundled, 0);
  });

  it('prefers migration-lsp on PATH with fromEnvironment', async () => {
    const { env, calls } = environment({
      ...withBundle,
      importStrategy: 'fromEnvironment',
      which: async () => '/home/me/.local/bin/migration-lsp',
    });
    const { found } = await discoverServer(env);
    assert.equal(found?.source, 'path');
    assert.equal(found?.command, '/home/me/.local/bin/migration-lsp');
    assert.equal(calls.python, 0);
  });

  it("then the Python extension's interpreter with fromEnvironment", async () => {
    const { env } = environment({
      ...withBundle,
      importStrategy: 'fromEnvironment',
      pythonInterpreter: async () => '/project/.venv/bin/python',
      succeeds: async () => true,
    });
    const { found } = await discoverServer(env);
    assert.deepEqual(found, {
      command: '/project/.venv/bin/python',
      args: ['-m', 'migration_lsp'],
      source: 'python',
      origin: "found through the Python extension's interpreter",
    });
  });

  it('falls back to the bundled server when the environment has none', async () => {
    const { env, calls } = environment({ ...withBundle, importStrategy: 'fromEnvironment' });
    const { found, tried } = await discoverServer(env);
    assert.equal(found?.source, 'bundled');
    assert.deepEqual(calls.which, ['migration-lsp']);
    assert.deepEqual(tried, [
      'setting migration-lsp.server.command: not set',
      'PATH: no migration-lsp executable',
      'Python extension: not installed or no interpreter selected',
    ]);
  });

  it('finds nothing with fromEnvironment in a build without a server and an empty machine', async () => {
    const { env } = environment({ importStrategy: 'fromEnvironment' });
    const { found, tried } = await discoverServer(env);
    assert.equal(found, undefined);
    assert.equal(tried.at(-1), 'bundled server: this build of the extension carries none');
  });

  it('says that it ignored an unknown strategy, and uses the bundled server', async () => {
    const { env } = environment({ ...withBundle, importStrategy: 'fromPath' });
    const { found, tried } = await discoverServer(env);
    assert.equal(found?.source, 'bundled');
    assert.deepEqual(tried.at(-1), 'setting migration-lsp.importStrategy: ignored "fromPath", it must be useBundled or fromEnvironment');
  });
});

describe('parseImportStrategy', () => {
  it('accepts the two strategies', () => {
    assert.equal(parseImportStrategy('useBundled'), 'useBundled');
    assert.equal(parseImportStrategy('fromEnvironment'), 'fromEnvironment');
  });

  for (const value of [undefined, null, '', 'bundled', 'FromEnvironment', ['useBundled']]) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      assert.equal(parseImportStrategy(value), undefined);
    });
  }
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
