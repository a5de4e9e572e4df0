//! The Inbox with nothing in it: how to send a first webhook, ready to copy.
import { CopyButton } from '../../components/CopyButton';
import { SendTestWebhook } from '../samples/SendTestWebhook';

export function firstWebhookCurl(receiverUrl: string): string {
  return `curl -X POST '${receiverUrl.replace(/\/+$/, '')}/webhooks/test' -H 'Content-Type: application/json' -d '{"hello":"world"}'`;
}

export function EmptyState({ receiverUrl, filtered }: { receiverUrl: string | null; filtered: boolean }) {
  if (filtered) {
    return (
      <div className="empty">
        <h2>No captures match these filters</h2>
        <p className="muted">Clear the filters to see every capture.</p>
      </div>
    );
  }
  const line = receiverUrl ? firstWebhookCurl(receiverUrl) : null;
  return (
    <div className="empty" data-testid="empty-state">
      <h2>Waiting for the first webhook</h2>
      <p className="muted">
        Anything sent to the receiver shows up here at once: any method, any path, any body. Try it from a terminal:
      </p>
      {line && (
        <div className="codeline">
          <code data-testid="first-curl">{line}</code>
          <CopyButton text={line} label="Copy" testId="copy-first-curl" />
        </div>
      )}
      {receiverUrl && <SendTestWebhook receiverUrl={receiverUrl} />}
      <p className="muted small">
        Point a provider at it through a tunnel (ngrok, cloudflared, <code>stripe listen --forward-to</code>) and give
        it any path you like; the path shows up in the list.
      </p>
    </div>
  );
}
