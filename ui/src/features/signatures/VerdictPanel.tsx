//! A signature verdict, explained: valid with which secret, or invalid with the reason and the
//! likely causes; the signed string; expected (per secret) against received, side by side; the
//! timestamp skew; every step of the computation. Used by the capture detail and the workbench.
import type { Detection, Verdict } from '../../api/types';
import { Badge } from '../../components/Badge';

function skewText(skew: number): string {
  if (skew === 0) return 'exactly now';
  const abs = Math.abs(skew);
  const amount = abs < 120 ? `${abs} s` : abs < 7200 ? `${Math.round(abs / 60)} min` : `${(abs / 3600).toFixed(1)} h`;
  return skew > 0 ? `${amount} old` : `${amount} in the future`;
}

export function VerdictPanel({
  verdict,
  onUseScheme,
}: {
  verdict: Verdict;
  /** Offered next to a likely cause that suggests another scheme. */
  onUseScheme?: (schemeId: string) => void;
}) {
  const rows = Math.max(verdict.expected.length, verdict.received.length);
  return (
    <section className={`verdict ${verdict.valid ? 'verdict-ok' : 'verdict-bad'}`} data-testid="verdict-panel">
      <div className="verdict-head">
        {verdict.valid ? (
          <Badge tone="ok">✓ valid</Badge>
        ) : (
          <Badge tone="bad">✗ invalid</Badge>
        )}
        <span className="verdict-title" data-testid="verdict-summary">
          {verdict.valid
            ? `Signed with the ${verdict.matched_secret_label ?? 'configured'} secret`
            : (verdict.reason?.message ?? 'The signature does not match')}
        </span>
        <span className="muted small">scheme {verdict.scheme}</span>
      </div>
      {verdict.likely_causes.length > 0 && (
        <div className="causes">
          <div className="muted small">Likely cause{verdict.likely_causes.length > 1 ? 's' : ''}</div>
          <ul>
            {verdict.likely_causes.map((c, i) => (
              <li key={i} data-testid="likely-cause">
                {c.message}
                {c.suggested_scheme && onUseScheme && (
                  <>
                    {' '}
                    <button type="button" className="btn small" onClick={() => onUseScheme(c.suggested_scheme as string)}>
                      Use scheme {c.suggested_scheme}
                    </button>
                  </>
                )}
                {c.suggested_scheme && !onUseScheme && <span className="muted"> (try scheme {c.suggested_scheme})</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      {rows > 0 && (
        <table className="sigs" data-testid="signature-compare">
          <thead>
            <tr>
              <th>Expected</th>
              <th>Received</th>
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: rows }, (_, i) => {
              const e = verdict.expected[i];
              return (
                <tr key={i}>
                  <td className={e?.matches ? 'sig-match' : ''}>
                    {e && (
                      <>
                        <span className="muted small">{e.secret_label}</span>
                        <div className="mono sig">{e.signature ?? '(public key: verifies, cannot sign)'}</div>
                      </>
                    )}
                  </td>
                  <td>{verdict.received[i] !== undefined && <div className="mono sig">{verdict.received[i]}</div>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {verdict.timestamp != null && (
        <div className="small">
          Timestamp <span className="mono">{verdict.timestamp}</span>
          {verdict.skew_secs != null && <> — {skewText(verdict.skew_secs)}</>}
          {verdict.tolerance_secs != null && <> (tolerance ±{verdict.tolerance_secs} s)</>}
        </div>
      )}
      {verdict.signed_content != null && (
        <details>
          <summary>Signed content{verdict.signed_content_base64 ? ' (not UTF-8: shown lossy)' : ''}</summary>
          <pre className="code" data-testid="signed-content">
            {verdict.signed_content}
          </pre>
        </details>
      )}
      {verdict.steps.length > 0 && (
        <details>
          <summary>Steps ({verdict.steps.length})</summary>
          <ol className="steps">
            {verdict.steps.map((s, i) => (
              <li key={i}>
                <span className="step-label">{s.label}</span> <span className="mono">{s.detail}</span>
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}

/** No scheme checked, but the headers look like a known provider's. */
export function DetectionHint({
  detected,
  onSetUp,
}: {
  detected: Detection[];
  onSetUp: (d: Detection) => void;
}) {
  if (detected.length === 0) return null;
  const d = detected[0];
  return (
    <div className="hint" data-testid="detection-hint">
      Looks like {d.label} ({d.evidence.join(', ')}) —{' '}
      <button type="button" className="btn-link" onClick={() => onSetUp(d)}>
        set up an endpoint
      </button>{' '}
      to check its signatures.
    </div>
  );
}
