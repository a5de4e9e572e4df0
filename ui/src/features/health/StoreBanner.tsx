//! A banner while the store refuses writes (another process holds the database, the disk is full):
//! requests get 503 until it clears, and the user should know why. Polls `/api/health`, faster while
//! in trouble.
import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/queries';
import type { components } from '../../api/schema';
import './health.css';

type Trouble = components['schemas']['StoreTroubleView'];

export function StoreBannerView({ trouble }: { trouble: Trouble | null | undefined }) {
  if (!trouble) return null;
  const since = new Date(trouble.since).toLocaleTimeString();
  const full = /full/i.test(trouble.error);
  const hint = full
    ? 'Free disk space (or delete old captures); storing resumes by itself.'
    : 'Another program holds the database (hookbench.db) locked; close it and storing resumes by itself.';
  return (
    <div className="store-banner" role="alert" data-testid="store-banner">
      <strong>Requests are not being stored.</strong> Since {since}, {trouble.failed_writes}{' '}
      {trouble.failed_writes === 1 ? 'write was' : 'writes were'} refused and senders got 503: {trouble.error}. {hint}
    </div>
  );
}

export function StoreBanner() {
  const api = useApi();
  const health = useQuery({
    queryKey: ['health'],
    queryFn: () => api.health(),
    refetchInterval: (q) => (q.state.data?.store ? 2_000 : 10_000),
    retry: false,
  });
  return <StoreBannerView trouble={health.data?.store} />;
}
