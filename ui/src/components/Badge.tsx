//! Small labels: HTTP methods, verdicts, duplicates.
import type { ReactNode } from 'react';

export function MethodBadge({ method }: { method: string }) {
  const known = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
  return <span className={`method method-${known ? method.toLowerCase() : 'other'}`}>{method}</span>;
}

export function Badge({
  tone,
  children,
  title,
  testId,
}: {
  tone: 'ok' | 'bad' | 'muted' | 'warn';
  children: ReactNode;
  title?: string;
  testId?: string;
}) {
  return (
    <span className={`badge badge-${tone}`} title={title} data-testid={testId}>
      {children}
    </span>
  );
}

export function VerdictBadge({ valid }: { valid: boolean | null | undefined }) {
  if (valid == null) return null;
  return valid ? (
    <Badge tone="ok" title="signature valid" testId="verdict-valid">
      ✓ valid
    </Badge>
  ) : (
    <Badge tone="bad" title="signature invalid" testId="verdict-invalid">
      ✗ invalid
    </Badge>
  );
}
