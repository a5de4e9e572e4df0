//! The signature workbench: paste a request and secrets, get the verdict with every step (Verify),
//! or get the headers a provider would send for a body (Sign).
import { useEffect, useState } from 'react';
import { useSchemes, useSign, useVerify } from '../../api/queries';
import type { SchemeInfo, SignOutput, VerifyOutput } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { Tabs } from '../../components/Tabs';
import { useToast } from '../../components/Toast';
import type { WorkbenchPrefill } from '../../nav';
import { CUSTOM, emptyForm, toInput, type CustomForm } from '../endpoints/form';
import { formatHeaderLines, parseHeaderLines } from './headerPaste';
import { VerdictPanel } from './VerdictPanel';

type Mode = 'verify' | 'sign';

function buildScheme(scheme: string, custom: CustomForm, schemes: SchemeInfo[]) {
  const f = emptyForm();
  f.scheme = scheme;
  f.custom = custom;
  f.secrets = ['x'];
  return toInput(f, schemes).signature?.scheme;
}

function utf8ToBase64(text: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

function intOrNull(s: string): number | null {
  const t = s.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isInteger(n) ? n : null;
}

function SchemeFields({
  scheme,
  setScheme,
  custom,
  setCustom,
  schemes,
}: {
  scheme: string;
  setScheme: (s: string) => void;
  custom: CustomForm;
  setCustom: (c: CustomForm) => void;
  schemes: SchemeInfo[];
}) {
  return (
    <>
      <label className="field">
        <span className="field-label">Scheme</span>
        <select value={scheme} onChange={(e) => setScheme(e.target.value)} data-testid="wb-scheme">
          {schemes.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label}
            </option>
          ))}
          <option value={CUSTOM}>Custom HMAC…</option>
        </select>
      </label>
      {scheme === CUSTOM && (
        <div className="grid3">
          <label className="field">
            <span className="field-label">Algorithm</span>
            <select value={custom.algorithm} onChange={(e) => setCustom({ ...custom, algorithm: e.target.value as CustomForm['algorithm'] })}>
              <option value="sha256">HMAC-SHA256</option>
              <option value="sha1">HMAC-SHA1</option>
              <option value="sha512">HMAC-SHA512</option>
            </select>
          </label>
          <label className="field">
            <span className="field-label">Header</span>
            <input value={custom.header} onChange={(e) => setCustom({ ...custom, header: e.target.value })} />
          </label>
          <label className="field">
            <span className="field-label">Encoding</span>
            <select value={custom.encoding} onChange={(e) => setCustom({ ...custom, encoding: e.target.value as CustomForm['encoding'] })}>
              <option value="hex">hex</option>
              <option value="base64">base64</option>
            </select>
          </label>
          <label className="field">
            <span className="field-label">Prefix</span>
            <input value={custom.prefix} onChange={(e) => setCustom({ ...custom, prefix: e.target.value })} />
          </label>
          <label className="field">
            <span className="field-label">Timestamp header</span>
            <input value={custom.timestampHeader} onChange={(e) => setCustom({ ...custom, timestampHeader: e.target.value })} />
          </label>
          <label className="field">
            <span className="field-label">Signed content</span>
            <input value={custom.template} onChange={(e) => setCustom({ ...custom, template: e.target.value })} />
          </label>
        </div>
      )}
    </>
  );
}

export function Workbench({ prefill }: { prefill: WorkbenchPrefill | null }) {
  const schemes = useSchemes();
  const schemeList = schemes.data ?? [];
  const verify = useVerify();
  const sign = useSign();
  const toast = useToast();
  const [mode, setMode] = useState<Mode>('verify');
  const [scheme, setScheme] = useState('stripe');
  const [custom, setCustom] = useState<CustomForm>(emptyForm().custom);
  const [method, setMethod] = useState('POST');
  const [url, setUrl] = useState('');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [bodyBase64, setBodyBase64] = useState<string | null>(null);
  const [secrets, setSecrets] = useState('');
  const [tolerance, setTolerance] = useState('');
  const [now, setNow] = useState('');
  const [timestamp, setTimestamp] = useState('');
  const [msgId, setMsgId] = useState('');
  const [result, setResult] = useState<VerifyOutput | null>(null);
  const [signed, setSigned] = useState<SignOutput | null>(null);

  useEffect(() => {
    if (!prefill) return;
    setMode('verify');
    setMethod(prefill.method);
    setUrl(prefill.url);
    setHeaders(prefill.headers);
    setBody(prefill.body);
    setBodyBase64(prefill.bodyBase64);
    if (prefill.scheme) setScheme(prefill.scheme);
    if (prefill.secrets) setSecrets(prefill.secrets.join('\n'));
    setResult(null);
  }, [prefill]);

  const parsed = parseHeaderLines(headers);
  const secretList = secrets.split('\n').filter((s) => s !== '');
  const schemeObj = () => buildScheme(scheme, custom, schemeList);
  const bodyFields = bodyBase64 !== null ? { body_base64: bodyBase64 } : { body };

  const runVerify = () => {
    const s = schemeObj();
    if (!s) return;
    verify.mutate(
      {
        scheme: s,
        secrets: secretList,
        headers: parsed.headers,
        ...bodyFields,
        url: url || undefined,
        method,
        now_unix: intOrNull(now),
        tolerance_secs: intOrNull(tolerance),
      },
      { onSuccess: setResult },
    );
  };

  const runSign = () => {
    const s = schemeObj();
    if (!s) return;
    if (!secretList[0]) {
      toast.show('Give the secret (or private key) to sign with.', 'error');
      return;
    }
    sign.mutate(
      { scheme: s, secret: secretList[0], ...bodyFields, url: url || undefined, method, timestamp: intOrNull(timestamp), id: msgId || null },
      { onSuccess: setSigned },
    );
  };

  const info = schemeList.find((s) => s.id === scheme);

  return (
    <div className="workbench">
      <div className="wb-form">
        <div className="section-head">
          <h2>Signature workbench</h2>
          <Tabs
            label="Workbench mode"
            value={mode}
            onChange={setMode}
            tabs={[
              { id: 'verify', label: 'Verify' },
              { id: 'sign', label: 'Sign' },
            ]}
          />
        </div>
        <SchemeFields scheme={scheme} setScheme={setScheme} custom={custom} setCustom={setCustom} schemes={schemeList} />
        <label className="field">
          <span className="field-label">{mode === 'verify' ? 'Secrets, one per line, newest first' : 'Secret (or private key)'}</span>
          <textarea rows={2} value={secrets} onChange={(e) => setSecrets(e.target.value)} data-testid="wb-secrets" spellCheck={false} />
        </label>
        <div className="grid2">
          <label className="field">
            <span className="field-label">Method</span>
            <input value={method} onChange={(e) => setMethod(e.target.value)} />
          </label>
          <label className="field">
            <span className="field-label">URL</span>
            <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="the URL the provider signed (Twilio, Square)" />
          </label>
        </div>
        {mode === 'verify' && (
          <label className="field">
            <span className="field-label">Headers, one "Name: value" per line</span>
            <textarea rows={5} value={headers} onChange={(e) => setHeaders(e.target.value)} data-testid="wb-headers" spellCheck={false} />
            {parsed.errors.map((e, i) => (
              <span key={i} className="field-error">
                {e}
              </span>
            ))}
          </label>
        )}
        <label className="field">
          <span className="field-label">Body</span>
          {bodyBase64 !== null ? (
            <div className="notice">
              Binary body from the capture ({atob(bodyBase64).length} bytes), sent exactly.{' '}
              <button type="button" className="btn small" onClick={() => setBodyBase64(null)}>
                Type a body instead
              </button>
            </div>
          ) : (
            <textarea rows={6} value={body} onChange={(e) => setBody(e.target.value)} data-testid="wb-body" spellCheck={false} />
          )}
        </label>
        {mode === 'verify' ? (
          <div className="grid2">
            <label className="field">
              <span className="field-label">Tolerance (seconds)</span>
              <input
                value={tolerance}
                onChange={(e) => setTolerance(e.target.value)}
                placeholder={info?.default_tolerance_secs != null ? `${info.default_tolerance_secs} (default)` : 'scheme default'}
              />
            </label>
            <label className="field">
              <span className="field-label">Now (unix seconds)</span>
              <input value={now} onChange={(e) => setNow(e.target.value)} placeholder="the current time" />
            </label>
          </div>
        ) : (
          <div className="grid2">
            <label className="field">
              <span className="field-label">Timestamp (unix seconds)</span>
              <input value={timestamp} onChange={(e) => setTimestamp(e.target.value)} placeholder="now" />
            </label>
            <label className="field">
              <span className="field-label">Message id</span>
              <input value={msgId} onChange={(e) => setMsgId(e.target.value)} placeholder="a fresh one (Standard Webhooks)" />
            </label>
          </div>
        )}
        <div className="actions">
          {mode === 'verify' ? (
            <button type="button" className="btn btn-primary" onClick={runVerify} disabled={verify.isPending} data-testid="wb-verify">
              Verify
            </button>
          ) : (
            <button type="button" className="btn btn-primary" onClick={runSign} disabled={sign.isPending} data-testid="wb-sign">
              Sign
            </button>
          )}
        </div>
      </div>
      <div className="wb-result">
        {mode === 'verify' && result && (
          <>
            <VerdictPanel verdict={result} onUseScheme={(id) => setScheme(id)} />
            {result.detected.length > 0 && (
              <div className="small muted" data-testid="wb-detected">
                Detected from the headers: {result.detected.map((d) => `${d.label} (${d.evidence.join(', ')})`).join('; ')}
              </div>
            )}
          </>
        )}
        {mode === 'verify' && !result && <div className="muted pad">Paste a request and its secret, then Verify.</div>}
        {mode === 'sign' && signed && (
          <section data-testid="wb-signed">
            <h3>Headers to send</h3>
            <pre className="code">{formatHeaderLines(signed.headers)}</pre>
            <CopyButton text={formatHeaderLines(signed.headers)} label="Copy headers" />
            {bodyBase64 === null && signed.body_base64 !== utf8ToBase64(body) && (
              <p className="muted small">This scheme signs inside the body; the body to send was changed accordingly.</p>
            )}
          </section>
        )}
        {mode === 'sign' && !signed && <div className="muted pad">Give a body and a secret, then Sign.</div>}
      </div>
    </div>
  );
}
