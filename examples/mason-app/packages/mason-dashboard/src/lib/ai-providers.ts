import { TABLES } from '@/lib/constants';
import { supabase } from '@/lib/supabase';

// [table-not-in-migration] MIGRATION_SQL does not create mason_ai_provider_keys.
export async function saveProviderKey(userId: string, provider: string, encryptedKey: string) {
  return supabase
    .from(TABLES.AI_PROVIDER_KEYS)
    .upsert({ user_id: userId, provider, api_key_encrypted: encryptedKey, is_active: true });
}

export async function activeProviders(userId: string) {
  return supabase
    .from(TABLES.AI_PROVIDER_KEYS)
    .select('provider, is_active')
    .eq('user_id', userId)
    .eq('is_active', true);
}
