//! The signature side of a capture's detail: its verdict, or a detected provider with a shortcut
//! to an endpoint for it, and "Open in workbench" with the request and the endpoint's secrets.
import { useEndpoints, useSchemes } from '../../api/queries';
import type { Capture, Endpoint, SchemeInfo } from '../../api/types';
import { useNav, type WorkbenchPrefill } from '../../nav';
import { base64ToBytes, utf8OrNull } from '../inbox/body';
import { formatHeaderLines } from './headerPaste';
import { DetectionHint, VerdictPanel } from './VerdictPanel';

function schemeIdOf(e: Endpoint | undefined, schemes: SchemeInfo[]): string | undefined {
  const kind = (e?.signature?.scheme as { kind?: string } | undefined)?.kind;
  if (!kind) return undefined;
  if (kind === 'custom_hmac') return undefined;
  return schemes.find((s) => (s.scheme as { kind: string }).kind === kind)?.id;
}

export function workbenchPrefill(c: Capture, endpoint: Endpoint | undefined, schemes: SchemeInfo[], scheme?: string): WorkbenchPrefill {
  const bytes = base64ToBytes(c.body_base64);
  const text = utf8OrNull(bytes);
  return {
    method: c.method,
    url: c.url,
    headers: formatHeaderLines(c.headers),
    body: text ?? '',
    bodyBase64: text === null ? (c.body_base64 ?? null) : null,
    scheme: scheme ?? schemeIdOf(endpoint, schemes),
    secrets: endpoint?.signature?.secrets,
  };
}

export function CaptureSignature({ capture }: { capture: Capture }) {
  const nav = useNav();
  const endpoints = useEndpoints();
  const schemes = useSchemes();
  const endpoint = endpoints.data?.find((e) => e.id === capture.endpoint_id);
  const schemeList = schemes.data ?? [];
  if (capture.verdict) {
    return (
      <VerdictPanel
        verdict={capture.verdict}
        onUseScheme={(id) => nav.openWorkbench(workbenchPrefill(capture, endpoint, schemeList, id))}
      />
    );
  }
  return (
    <DetectionHint
      detected={capture.detected ?? []}
      onSetUp={(d) => {
        const info = schemeList.find((s) => s.id === d.scheme_id);
        const first = capture.path.split('/').filter(Boolean)[0];
        nav.newEndpoint({
          name: d.label,
          path_prefix: first ? `/${first}` : `/${d.scheme_id}`,
          signature: info ? { scheme: info.scheme as NonNullable<Endpoint['signature']>['scheme'], secrets: [], tolerance_secs: null } : null,
        });
      }}
    />
  );
}

export function OpenInWorkbench({ capture }: { capture: Capture }) {
  const nav = useNav();
  const endpoints = useEndpoints();
  const schemes = useSchemes();
  const endpoint = endpoints.data?.find((e) => e.id === capture.endpoint_id);
  return (
    <button
      type="button"
      className="btn"
      data-testid="open-workbench"
      onClick={() => nav.openWorkbench(workbenchPrefill(capture, endpoint, schemes.data ?? []))}
    >
      Open in workbench
    </button>
  );
}
