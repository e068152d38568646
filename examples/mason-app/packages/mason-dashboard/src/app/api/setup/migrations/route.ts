import { NextResponse } from 'next/server';
import { Client } from 'pg';

// The schema of every Mason database. "Update Database Schema" in Settings runs it on
// existing databases as well as new ones, so every statement must be safe to run again.
//
// Comments of the form `-- [rule-name] …` mark what migration-lsp reports here on purpose.
export const MIGRATION_SQL = `
-- =====================================================================
-- 1. Core tables
-- =====================================================================

-- [column-missing-on-upgrade] display_name is new in this body: databases built by the
-- numbered migrations (db/migrations) have mason_users without it, and nothing adds it there.

-- User accounts
CREATE TABLE IF NOT EXISTS mason_users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  github_id BIGINT UNIQUE NOT NULL,
  email TEXT,
  display_name TEXT,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- CLI authentication
CREATE TABLE IF NOT EXISTS mason_api_keys (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES mason_users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  last_used_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- Connected repos
CREATE TABLE IF NOT EXISTS mason_github_repositories (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES mason_users(id) ON DELETE CASCADE,
  full_name TEXT NOT NULL,
  default_branch TEXT DEFAULT 'main',
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- =====================================================================
-- 2. Feature tables
-- =====================================================================

-- [used-before-created] mason_pm_analysis_runs is only created further down.

-- Backlog items
CREATE TABLE IF NOT EXISTS mason_pm_backlog_items (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  repository_id UUID NOT NULL REFERENCES mason_github_repositories(id) ON DELETE CASCADE,
  analysis_run_id UUID REFERENCES mason_pm_analysis_runs(id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'new',
  priority INTEGER DEFAULT 0,
  updated_at TIMESTAMPTZ DEFAULT NOW(),
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- PM review tracking
CREATE TABLE IF NOT EXISTS mason_pm_analysis_runs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  repository_id UUID NOT NULL REFERENCES mason_github_repositories(id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'running',
  started_at TIMESTAMPTZ DEFAULT NOW(),
  completed_at TIMESTAMPTZ
);

-- [table-not-in-constants] [checklist-out-of-date] TABLES and the checklist lack this table.

-- Filtered items
CREATE TABLE IF NOT EXISTS mason_pm_filtered_items (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  analysis_run_id UUID NOT NULL REFERENCES mason_pm_analysis_runs(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  reason TEXT,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- Execution tracking
CREATE TABLE IF NOT EXISTS mason_pm_execution_runs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  repository_id UUID NOT NULL REFERENCES mason_github_repositories(id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending',
  started_at TIMESTAMPTZ DEFAULT NOW()
);

-- [table-missing-index] no index below leads with either foreign key of this table.

-- Execution tasks
CREATE TABLE IF NOT EXISTS mason_pm_execution_tasks (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  execution_run_id UUID NOT NULL REFERENCES mason_pm_execution_runs(id) ON DELETE CASCADE,
  backlog_item_id UUID REFERENCES mason_pm_backlog_items(id) ON DELETE SET NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- Remote execution
CREATE TABLE IF NOT EXISTS mason_remote_execution_runs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES mason_users(id) ON DELETE CASCADE,
  repository_id UUID REFERENCES mason_github_repositories(id) ON DELETE SET NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- Execution logs
CREATE TABLE IF NOT EXISTS mason_execution_logs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  execution_run_id UUID NOT NULL REFERENCES mason_pm_execution_runs(id) ON DELETE CASCADE,
  level TEXT NOT NULL DEFAULT 'info',
  message TEXT NOT NULL,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- [table-not-in-migration] src/lib/ai-providers.ts uses TABLES.AI_PROVIDER_KEYS
-- (mason_ai_provider_keys), which no statement here creates.

-- =====================================================================
-- 3. Indexes
-- =====================================================================
CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);
-- [column-used-before-added] revoked_at is only added in section 7, below.
CREATE INDEX IF NOT EXISTS idx_mason_api_keys_active ON mason_api_keys(user_id) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS idx_mason_github_repositories_user_id ON mason_github_repositories(user_id);
CREATE INDEX IF NOT EXISTS idx_mason_pm_backlog_items_repository_id ON mason_pm_backlog_items(repository_id);
CREATE INDEX IF NOT EXISTS idx_mason_pm_backlog_items_open ON mason_pm_backlog_items(status) WHERE status <> 'done';
CREATE INDEX IF NOT EXISTS idx_mason_pm_analysis_runs_repository_id ON mason_pm_analysis_runs(repository_id);
CREATE INDEX IF NOT EXISTS idx_mason_pm_filtered_items_analysis_run_id ON mason_pm_filtered_items(analysis_run_id);
CREATE INDEX IF NOT EXISTS idx_mason_pm_execution_runs_repository_id ON mason_pm_execution_runs(repository_id);
CREATE INDEX IF NOT EXISTS idx_mason_remote_execution_runs_user_id ON mason_remote_execution_runs(user_id);
-- [changed-definition-not-applied] older databases have this index on (execution_run_id) alone.
CREATE INDEX IF NOT EXISTS idx_mason_execution_logs_run ON mason_execution_logs(execution_run_id, created_at);

-- =====================================================================
-- 4. Enable RLS
-- =====================================================================
ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_github_repositories ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_pm_backlog_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_pm_analysis_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_pm_filtered_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_pm_execution_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_pm_execution_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_remote_execution_runs ENABLE ROW LEVEL SECURITY;

-- [table-missing-rls] mason_execution_logs is missing from the list above.

-- =====================================================================
-- 5. RLS policies
-- =====================================================================
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_users' AND policyname = 'Allow all on users') THEN
    CREATE POLICY "Allow all on users" ON mason_users FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_api_keys' AND policyname = 'Allow all on api_keys') THEN
    CREATE POLICY "Allow all on api_keys" ON mason_api_keys FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_github_repositories' AND policyname = 'Allow all on github_repositories') THEN
    CREATE POLICY "Allow all on github_repositories" ON mason_github_repositories FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_pm_backlog_items' AND policyname = 'Allow all on pm_backlog_items') THEN
    CREATE POLICY "Allow all on pm_backlog_items" ON mason_pm_backlog_items FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_pm_analysis_runs' AND policyname = 'Allow all on pm_analysis_runs') THEN
    CREATE POLICY "Allow all on pm_analysis_runs" ON mason_pm_analysis_runs FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_pm_filtered_items' AND policyname = 'Allow all on pm_filtered_items') THEN
    CREATE POLICY "Allow all on pm_filtered_items" ON mason_pm_filtered_items FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_pm_execution_runs' AND policyname = 'Allow all on pm_execution_runs') THEN
    CREATE POLICY "Allow all on pm_execution_runs" ON mason_pm_execution_runs FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_pm_execution_tasks' AND policyname = 'Allow all on pm_execution_tasks') THEN
    CREATE POLICY "Allow all on pm_execution_tasks" ON mason_pm_execution_tasks FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_execution_logs' AND policyname = 'Allow all on execution_logs') THEN
    CREATE POLICY "Allow all on execution_logs" ON mason_execution_logs FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;

-- [table-missing-policy] mason_remote_execution_runs has RLS enabled but no policy.

-- =====================================================================
-- 6. Functions, triggers and realtime
-- =====================================================================
CREATE OR REPLACE FUNCTION mason_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated_at = NOW();
  RETURN NEW;
END;
$fn$;

CREATE OR REPLACE TRIGGER trg_mason_pm_backlog_items_updated_at
  BEFORE UPDATE ON mason_pm_backlog_items
  FOR EACH ROW EXECUTE FUNCTION mason_set_updated_at();

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = 'supabase_realtime' AND tablename = 'mason_pm_backlog_items') THEN
    ALTER PUBLICATION supabase_realtime ADD TABLE mason_pm_backlog_items;
  END IF;
END $$;

-- =====================================================================
-- 7. Columns added since the first release
-- =====================================================================
ALTER TABLE mason_api_keys ADD COLUMN IF NOT EXISTS revoked_at TIMESTAMPTZ;

-- [add-column-required] existing backlog items have no area, and there is no default.
ALTER TABLE mason_pm_backlog_items ADD COLUMN IF NOT EXISTS area TEXT NOT NULL;

-- =====================================================================
-- 8. Feature flags, from a hurried pull request: each statement below
--    breaks one of the rulebook's first two principles.
-- =====================================================================

-- [create-table-not-idempotent] the second run stops here: "relation already exists".
CREATE TABLE mason_feature_flags (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  key TEXT NOT NULL UNIQUE,
  enabled BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ DEFAULT NOW()
);
ALTER TABLE mason_feature_flags ENABLE ROW LEVEL SECURITY;

-- [policy-not-guarded] PostgreSQL has no CREATE POLICY IF NOT EXISTS.
CREATE POLICY "Allow all on feature_flags" ON mason_feature_flags FOR ALL USING (true) WITH CHECK (true);

-- [policy-guard-mismatch] copied from section 5: the guard checks the users policy, which
-- exists, so this policy is never created.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_users' AND policyname = 'Allow all on users') THEN
    CREATE POLICY "Service role reads logs" ON mason_execution_logs FOR SELECT TO service_role USING (true);
  END IF;
END $$;

-- [create-index-not-idempotent] [add-column-not-idempotent] [create-not-idempotent]
CREATE INDEX idx_mason_execution_logs_level ON mason_execution_logs(level);
ALTER TABLE mason_users ADD COLUMN avatar_url TEXT;
CREATE FUNCTION mason_enabled_flags() RETURNS SETOF mason_feature_flags LANGUAGE sql AS $fn$
  SELECT * FROM mason_feature_flags WHERE enabled
$fn$;

-- [drop-not-idempotent] fails once the index is gone.
DROP INDEX idx_mason_pm_backlog_items_open;

-- [insert-not-idempotent] adds the flag again on every run.
INSERT INTO mason_feature_flags (key, enabled) VALUES ('remote-execution', true);

-- [column-type-change] [rename]
ALTER TABLE mason_pm_backlog_items ALTER COLUMN priority TYPE SMALLINT;
ALTER TABLE mason_github_repositories RENAME COLUMN full_name TO repository_name;

-- [drop-column] [delete-rows] [truncate] [drop-table] [destructive-ddl]
ALTER TABLE mason_users DROP COLUMN IF EXISTS legacy_token;
DELETE FROM mason_execution_logs WHERE created_at < NOW() - INTERVAL '30 days';
TRUNCATE mason_pm_filtered_items;
DROP TABLE IF EXISTS mason_pm_old_items;
UPDATE mason_pm_backlog_items SET status = 'new';
`;

export async function POST(request: Request) {
  const { databaseUrl } = (await request.json()) as { databaseUrl: string };
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(MIGRATION_SQL);
    return NextResponse.json({ ok: true });
  } catch (error) {
    return NextResponse.json({ ok: false, error: String(error) }, { status: 500 });
  } finally {
    await client.end();
  }
}
