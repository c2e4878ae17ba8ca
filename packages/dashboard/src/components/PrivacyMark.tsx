/** Marks a private job: its inputs and outputs are sealed to its client and the providers leased to run it. */
export function PrivacyMark({ privacy }: { privacy: string }) {
  if (privacy !== 'private') return null;
  return (
    <span
      className="badge private"
      data-testid="job-private"
      title="Inputs and outputs sealed: only the client and the providers leased to run it can read them"
    >
      private
    </span>
  );
}
