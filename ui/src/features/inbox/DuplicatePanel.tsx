//! Duplicates: a copy says which capture it duplicates and shows a line diff of its headers and
//! body against that first one; a first copy says how many duplicates followed.
import { useMemo } from 'react';
import { useCapture } from '../../api/queries';
import type { Capture } from '../../api/types';
import { base64ToBytes, prettyJson, prettyKind, utf8Lossy } from './body';
import { diffLines, hasChanges, type DiffLine } from './diff';

function bodyLines(c: Capture): string[] {
  if (!c.body_stored) return ['(body over the size limit, not stored)'];
  const bytes = base64ToBytes(c.body_base64);
  const text = utf8Lossy(bytes);
  return (prettyKind(c.content_type, bytes) === 'json' ? prettyJson(text) : text).split('\n');
}

function headerLines(c: Capture): string[] {
  return c.headers.map((h) => `${h.name}: ${h.value}`);
}

function Diff({ title, lines }: { title: string; lines: DiffLine[] }) {
  return (
    <div>
      <div className="muted small">{title}</div>
      {hasChanges(lines) ? (
        <pre className="code diff" data-testid="dup-diff">
          {lines.map((l, i) => (
            <div key={i} className={`diff-${l.op}`}>
              {l.op === 'same' ? '  ' : l.op === 'removed' ? '- ' : '+ '}
              {l.text}
            </div>
          ))}
        </pre>
      ) : (
        <div className="small">identical</div>
      )}
    </div>
  );
}

export function DuplicatePanel({ capture, onSelect }: { capture: Capture; onSelect: (id: number) => void }) {
  const firstId = capture.duplicate_of ?? null;
  const first = useCapture(firstId);
  const diffs = useMemo(() => {
    if (!first.data) return null;
    return {
      headers: diffLines(headerLines(first.data), headerLines(capture)),
      body: diffLines(bodyLines(first.data), bodyLines(capture)),
    };
  }, [first.data, capture]);

  if (firstId === null) {
    if (capture.duplicate_count === 0) return null;
    return (
      <section className="dup" data-testid="dup-panel">
        <strong>
          {capture.duplicate_count} duplicate{capture.duplicate_count === 1 ? '' : 's'}
        </strong>{' '}
        <span className="muted">arrived after this one with the same idempotency key</span>
        {capture.dedupe_key && <span className="mono small"> ({capture.dedupe_key})</span>}
      </section>
    );
  }
  return (
    <section className="dup" data-testid="dup-panel">
      <div>
        <strong>Duplicate</strong> of{' '}
        <button type="button" className="btn-link" data-testid="dup-of" onClick={() => onSelect(firstId)}>
          #{firstId}
        </button>
        {capture.dedupe_key && <span className="muted small"> — key {capture.dedupe_key}</span>}
      </div>
      {first.isError && <div className="muted small">The first copy is gone ({first.error.message}).</div>}
      {diffs && (
        <div className="dup-diffs">
          <Diff title="Headers against the first" lines={diffs.headers} />
          <Diff title="Body against the first" lines={diffs.body} />
        </div>
      )}
    </section>
  );
}
