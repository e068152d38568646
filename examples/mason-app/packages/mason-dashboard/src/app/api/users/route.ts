import { NextResponse } from 'next/server';

import { supabase } from '@/lib/supabase';

export async function GET() {
  // [hardcoded-table-name] 'mason_users' is TABLES.USERS.
  const { data, error } = await supabase.from('mason_users').select('id, email, display_name').order('created_at');
  if (error) {
    return NextResponse.json({ error: error.message }, { status: 500 });
  }
  return NextResponse.json(data);
}
