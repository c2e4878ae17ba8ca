/** Loading and error lines for a section whose data comes from the coordinator. */
export function Status({ error, loading }: { error: Error | undefined; loading: boolean }) {
  if (error)
    return (
      <p role="alert" className="error">
        Could not read the coordinator: {error.message}
      </p>
    );
  return loading ? <p aria-live="polite">Loading…</p> : null;
}
