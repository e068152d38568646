// Reporting views. "Update Database Schema" installs them after MIGRATION_SQL in
// ../migrations/route.ts, so they follow the same rules.
const RETENTION_DAYS = Number(process.env.MASON_LOG_RETENTION_DAYS ?? 30);

export const MIGRATION_SQL = `
-- [dynamic-sql] the retention period is only known at run time.
CREATE OR REPLACE VIEW mason_recent_execution_logs AS
  SELECT * FROM mason_execution_logs WHERE created_at > NOW() - INTERVAL '${RETENTION_DAYS} days';

-- [syntax-error] PostgreSQL rejects the comma before FROM.
CREATE OR REPLACE VIEW mason_open_backlog_items AS
  SELECT id, title, FROM mason_pm_backlog_items WHERE status <> 'done';
`;
