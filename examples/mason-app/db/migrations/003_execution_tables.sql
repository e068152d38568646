CREATE TABLE mason_pm_execution_runs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  repository_id UUID NOT NULL REFERENCES mason_github_repositories(id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending',
  started_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE mason_pm_execution_tasks (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  execution_run_id UUID NOT NULL REFERENCES mason_pm_execution_runs(id) ON DELETE CASCADE,
  backlog_item_id UUID REFERENCES mason_pm_backlog_items(id) ON DELETE SET NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE mason_remote_execution_runs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES mason_users(id) ON DELETE CASCADE,
  repository_id UUID REFERENCES mason_github_repositories(id) ON DELETE SET NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE mason_execution_logs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  execution_run_id UUID NOT NULL REFERENCES mason_pm_execution_runs(id) ON DELETE CASCADE,
  level TEXT NOT NULL DEFAULT 'info',
  message TEXT NOT NULL,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_mason_pm_execution_runs_repository_id ON mason_pm_execution_runs(repository_id);
CREATE INDEX idx_mason_remote_execution_runs_user_id ON mason_remote_execution_runs(user_id);
CREATE INDEX idx_mason_execution_logs_run ON mason_execution_logs(execution_run_id);
