import { TABLES as T } from '@/lib/constants';
import { supabase } from '@/lib/supabase';

export async function listApiKeys(userId: string) {
  return supabase.from(T.API_KEYS).select('id, name, last_used_at').eq('user_id', userId);
}

export async function recordApiKeyUse(keyId: string) {
  // [function-not-in-migration] no migration creates increment_api_key_usage.
  return supabase.rpc('increment_api_key_usage', { key_id: keyId });
}
