// Every table the dashboard reads or writes. Queries name tables through this constant
// (`supabase.from(TABLES.USERS)`), so that a search for `TABLES.` finds them all.
export const TABLES = {
  USERS: 'mason_users',
  API_KEYS: 'mason_api_keys',
  GITHUB_REPOSITORIES: 'mason_github_repositories',
  PM_ANALYSIS_RUNS: 'mason_pm_analysis_runs',
  PM_BACKLOG_ITEMS: 'mason_pm_backlog_items',
  PM_EXECUTION_RUNS: 'mason_pm_execution_runs',
  PM_EXECUTION_TASKS: 'mason_pm_execution_tasks',
  REMOTE_EXECUTION_RUNS: 'mason_remote_execution_runs',
  EXECUTION_LOGS: 'mason_execution_logs',
  AI_PROVIDER_KEYS: 'mason_ai_provider_keys',
  FEATURE_FLAGS: 'mason_feature_flags',
} as const;

// These values look like table names, but they are not tables.
export const STORAGE_KEYS = {
  THEME: 'mason_theme',
  LAST_REPOSITORY: 'mason_last_repository',
} as const;

export const REALTIME_CHANNELS = {
  BACKLOG: 'mason_pm_backlog_items_changes',
} as const;
