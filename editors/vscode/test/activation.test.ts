import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mentionsMigrationSql, type WorkspaceProbe, workspaceUsesMigrationSql } from '../src/activation';

/** A workspace of path → text, matched by the globs' distinctive parts only. */
function probe(files: Record<string, string>): WorkspaceProbe<string> & { searches: string[]; reads: string[] } {
  const searches: string[] = [];
  const reads: string[] = [];
  const matches = (glob: string, path: string) => {
    if (glob.endsWith('migration-lsp.toml')) return path.endsWith('/migration-lsp.toml');
    if (glob.endsWith('pyproject.toml')) return path.endsWith('/pyproject.toml');
    if (glob.includes('*migration*/')) return /migration[^/]*\/.*\.[cm]?[jt]sx?$/.test(path);
    return /\/[^/]*migration[^/]*\.[cm]?[jt]sx?$/.test(path);
  };
  return {
    searches,
    reads,
    findFiles: async (include, exclude, maxResults) => {
      assert.match(exclude, /node_modules/);
      searches.push(include);
      return Object.keys(files)
        .filter((path) => matches(include, path))
        .slice(0, maxResults);
    },
    readText: async (path) => {
      reads.push(path);
      return files[path];
    },
  };
}

describe('workspaceUsesMigrationSql', () => {
  it('starts for a migration-lsp.toml without reading it', async () => {
    const workspace = probe({ '/app/migration-lsp.toml': '' });
    assert.equal(await workspaceUsesMigrationSql(workspace, []), true);
    assert.deepEqual(workspace.reads, []);
  });

  it('starts for a pyproject.toml with a [tool.migration-lsp] table', async () => {
    const workspace = probe({
      '/app/pyproject.toml': '[project]\nname = "x"\n\n[tool.migration-lsp]\ncheck-on = "save"\n',
    });
    assert.equal(await workspaceUsesMigrationSql(workspace, []), true);
  });

  it('does not start for an unrelated pyproject.toml', async () => {
    const workspace = probe({ '/app/pyproject.toml': '[tool.ruff]\nline-length = 100\n' });
    assert.equal(await workspaceUsesMigrationSql(workspace, []), false);
  });

  it('starts for a migration route that declares MIGRATION_SQL', async () => {
    const workspace = probe({
      '/app/src/app/api/setup/migrations/route.ts': 'export const MIGRATION_SQL = `CREATE TABLE t (id int);`;',
    });
    assert.equal(await workspaceUsesMigrationSql(workspace, []), true);
  });

  it('recognises the extra variable names', async () => {
    const workspace = probe({ '/app/db/migration.ts': 'export const SETUP_SQL = `select 1`;' });
    assert.equal(await workspaceUsesMigrationSql(workspace, []), false);
    assert.equal(await workspaceUsesMigrationSql(workspace, ['SETUP_SQL']), true);
  });

  it('reads only a few candidates in a large workspace', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) {
      files[`/app/migrations/${i}.ts`] = 'export const unrelated = 1;';
    }
    const workspace = probe(files);
    assert.equal(await workspaceUsesMigrationSql(workspace, []), false);
    assert.ok(workspace.reads.length <= 10, `read ${workspace.reads.length} files`);
  });
});

describe('mentionsMigrationSql', () => {
  it('finds MIGRATION_SQL and the extra names', () => {
    assert.equal(mentionsMigrationSql('const MIGRATION_SQL = ``', []), true);
    assert.equal(mentionsMigrationSql('const SETUP_SQL = ``', ['SETUP_SQL']), true);
    assert.equal(mentionsMigrationSql('const sql = ``', ['SETUP_SQL']), false);
  });
});
