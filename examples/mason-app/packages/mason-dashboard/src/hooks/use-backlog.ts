'use client';

import { useEffect, useState } from 'react';

import { REALTIME_CHANNELS, STORAGE_KEYS, TABLES } from '@/lib/constants';
import { supabase } from '@/lib/supabase';

type BacklogItem = { id: string; title: string; status: string; priority: number };

export function useBacklog(repositoryId: string) {
  const [items, setItems] = useState<BacklogItem[]>([]);

  useEffect(() => {
    localStorage.setItem(STORAGE_KEYS.LAST_REPOSITORY, repositoryId);
    supabase
      .from(TABLES.PM_BACKLOG_ITEMS)
      .select('id, title, status, priority')
      .eq('repository_id', repositoryId)
      .order('priority', { ascending: false })
      .then(({ data }) => setItems(data ?? []));

    const channel = supabase
      .channel(REALTIME_CHANNELS.BACKLOG)
      .on(
        'postgres_changes',
        { event: '*', schema: 'public', table: TABLES.PM_BACKLOG_ITEMS, filter: `repository_id=eq.${repositoryId}` },
        (payload) => setItems((current) => [...current.filter((i) => i.id !== (payload.new as BacklogItem).id), payload.new as BacklogItem]),
      )
      .subscribe();
    return () => {
      supabase.removeChannel(channel);
    };
  }, [repositoryId]);

  return items;
}
