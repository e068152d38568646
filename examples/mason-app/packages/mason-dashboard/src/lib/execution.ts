import { TABLES } from '@/lib/constants';
import { supabase } from '@/lib/supabase';

export async function startExecution(repositoryId: string, backlogItemIds: string[]) {
  const { data: run, error } = await supabase
    .from(TABLES.PM_EXECUTION_RUNS)
    .insert({ repository_id: repositoryId, status: 'pending' })
    .select('id')
    .single();
  if (error) throw error;
  await supabase.from(TABLES.PM_EXECUTION_TASKS).insert(
    backlogItemIds.map((id) => ({ execution_run_id: run.id, backlog_item_id: id, description: 'Implement backlog item' })),
  );
  return run.id as string;
}

export async function logLine(executionRunId: string, message: string) {
  await supabase.from(TABLES.EXECUTION_LOGS).insert({ execution_run_id: executionRunId, level: 'info', message });
}

export async function queueRemoteRun(userId: string, repositoryId: string) {
  return supabase.from(TABLES.REMOTE_EXECUTION_RUNS).insert({ user_id: userId, repository_id: repositoryId });
}

export async function latestAnalysis(repositoryId: string) {
  return supabase
    .from(TABLES.PM_ANALYSIS_RUNS)
    .select('id, status, completed_at')
    .eq('repository_id', repositoryId)
    .order('started_at', { ascending: false })
    .limit(1);
}

export async function repositories(userId: string) {
  return supabase.from(TABLES.GITHUB_REPOSITORIES).select('id, full_name, default_branch').eq('user_id', userId);
}

// A storage bucket, not a table: `.storage.from()` is not a query.
export async function uploadArtifact(path: string, body: Blob) {
  return supabase.storage.from('mason-artifacts').upload(path, body);
}
