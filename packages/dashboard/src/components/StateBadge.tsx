const TONE: Record<string, string> = {
  accepted: 'good',
  settled: 'good',
  completed: 'good',
  online: 'good',
  failed: 'bad',
  expired: 'bad',
  cancelled: 'muted',
  offline: 'bad',
  suspended: 'bad',
};

/** A job or provider state as a coloured label (the colour repeats the text, never replaces it). */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge ${TONE[state] ?? 'busy'}`}>{state}</span>;
}
