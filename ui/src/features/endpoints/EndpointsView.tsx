//! Endpoints: the list (each with its full receiving URL) and the create/edit form — signature
//! scheme and secrets (rotation), tolerance, flag or enforce, duplicate detection.
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client';
import { useDeleteEndpoint, useEndpoints, useSaveEndpoint, useSchemes } from '../../api/queries';
import type { Endpoint, EndpointInput, SchemeInfo } from '../../api/types';
import { Badge } from '../../components/Badge';
import { CopyButton } from '../../components/CopyButton';
import { useForwardLive } from '../../api/forward';
import { ForwardFields } from '../forward/ForwardFields';
import { forwardSummary } from '../forward/form';
import { HeldQueue } from '../forward/HeldQueue';
import {
  CUSTOM,
  DEDUPE_HEADER_PRESETS,
  DEFAULT_TTL_SECS,
  errorsFor,
  formFrom,
  secretLabel,
  splitFieldErrors,
  toInput,
  type EndpointForm,
  type FieldErrors,
} from './form';
import { SendTestWebhook } from '../samples/SendTestWebhook';

function receivingUrl(receiverUrl: string, prefix: string): string {
  return receiverUrl.replace(/\/+$/, '') + prefix;
}

function schemeLabel(e: Endpoint, schemes: SchemeInfo[]): string {
  if (!e.signature) return 'no signature check';
  const kind = (e.signature.scheme as { kind: string }).kind;
  if (kind === 'custom_hmac') return 'custom HMAC';
  return schemes.find((s) => (s.scheme as { kind: string }).kind === kind)?.label ?? kind;
}

function dedupeLabel(e: Endpoint): string {
  const d = e.dedupe;
  if (!d) return 'duplicates not checked';
  const src = d.source.kind === 'header' ? d.source.name : d.source.kind === 'json_pointer' ? `JSON ${d.source.pointer}` : 'body hash';
  return `dedupe by ${src}`;
}

function Field({ label, errors = [], children, hint }: { label: string; errors?: string[]; children: ReactNode; hint?: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="muted small">{hint}</span>}
      {errors.map((e, i) => (
        <span key={i} className="field-error" data-testid="field-error">
          {e}
        </span>
      ))}
    </label>
  );
}

function EndpointFormView({
  initial,
  editing,
  schemes,
  receiverUrl,
  onDone,
}: {
  initial: EndpointForm;
  editing: Endpoint | null;
  schemes: SchemeInfo[];
  receiverUrl: string;
  onDone: () => void;
}) {
  const [f, setF] = useState<EndpointForm>(initial);
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const save = useSaveEndpoint();
  const isDefault = editing?.id === 1;
  const set = (patch: Partial<EndpointForm>) => setF((x) => ({ ...x, ...patch }));
  const setCustom = (patch: Partial<EndpointForm['custom']>) => setF((x) => ({ ...x, custom: { ...x.custom, ...patch } }));
  const scheme = schemes.find((s) => s.id === f.scheme);
  const tolPlaceholder =
    f.scheme === CUSTOM
      ? '300 (default)'
      : scheme?.default_tolerance_secs != null
        ? `${scheme.default_tolerance_secs} (default)`
        : 'no timestamp in this scheme';

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setErrors(null);
    save.mutate(
      { id: editing?.id ?? null, input: toInput(f, schemes) },
      {
        onSuccess: onDone,
        onError: (err) => {
          const msg = err instanceof ApiError ? err.message : String(err);
          const split = splitFieldErrors(msg);
          setErrors(Object.keys(split.fields).length > 0 ? split : { fields: {}, general: [msg] });
        },
      },
    );
  };

  const moveSecret = (i: number, d: -1 | 1) =>
    setF((x) => {
      const s = [...x.secrets];
      const j = i + d;
      if (j < 0 || j >= s.length) return x;
      [s[i], s[j]] = [s[j], s[i]];
      return { ...x, secrets: s };
    });

  return (
    <form className="endpoint-form" onSubmit={submit} data-testid="endpoint-form">
      <h2>{editing ? `Edit ${editing.name}` : 'New endpoint'}</h2>
      {errors && errors.general.length + Object.keys(errors.fields).length > 0 && (
        <div className="form-errors" data-testid="form-errors">
          {errors.general.map((g, i) => (
            <div key={i}>{g}</div>
          ))}
          {Object.keys(errors.fields).length > 0 && <div>Please fix the fields marked below.</div>}
        </div>
      )}
      <div className="grid2">
        <Field label="Name" errors={errorsFor(errors, 'name')}>
          <input value={f.name} onChange={(e) => set({ name: e.target.value })} data-testid="ep-name" placeholder="Stripe" />
        </Field>
        <Field
          label="Path prefix"
          errors={errorsFor(errors, 'path_prefix')}
          hint={isDefault ? 'The default endpoint takes every other path.' : `Receives at ${receivingUrl(receiverUrl, f.prefix || '/…')}`}
        >
          <input
            value={isDefault ? '(every other path)' : f.prefix}
            disabled={isDefault}
            onChange={(e) => set({ prefix: e.target.value })}
            data-testid="ep-prefix"
            placeholder="/stripe"
          />
        </Field>
      </div>

      <fieldset>
        <legend>Signature</legend>
        <div className="grid2">
          <Field label="Scheme" errors={errorsFor(errors, 'signature.scheme')}>
            <select value={f.scheme} onChange={(e) => set({ scheme: e.target.value })} data-testid="ep-scheme">
              <option value="">None (only detect the provider)</option>
              {schemes.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
              <option value={CUSTOM}>Custom HMAC…</option>
            </select>
          </Field>
          {f.scheme && (
            <Field label="When the signature is invalid" errors={errorsFor(errors, 'signature_mode')}>
              <select value={f.mode} onChange={(e) => set({ mode: e.target.value as EndpointForm['mode'] })} data-testid="ep-mode">
                <option value="flag">Flag only (answer as usual)</option>
                <option value="enforce">Enforce (answer 401)</option>
              </select>
            </Field>
          )}
        </div>
        {f.scheme === CUSTOM && (
          <div className="grid3">
            <Field label="Algorithm">
              <select value={f.custom.algorithm} onChange={(e) => setCustom({ algorithm: e.target.value as EndpointForm['custom']['algorithm'] })}>
                <option value="sha256">HMAC-SHA256</option>
                <option value="sha1">HMAC-SHA1</option>
                <option value="sha512">HMAC-SHA512</option>
              </select>
            </Field>
            <Field label="Signature header">
              <input value={f.custom.header} onChange={(e) => setCustom({ header: e.target.value })} placeholder="X-Signature" />
            </Field>
            <Field label="Encoding">
              <select value={f.custom.encoding} onChange={(e) => setCustom({ encoding: e.target.value as EndpointForm['custom']['encoding'] })}>
                <option value="hex">hex</option>
                <option value="base64">base64</option>
              </select>
            </Field>
            <Field label="Prefix" hint="written before the signature, e.g. sha256=">
              <input value={f.custom.prefix} onChange={(e) => setCustom({ prefix: e.target.value })} />
            </Field>
            <Field label="Timestamp header" hint="optional; checked against the tolerance">
              <input value={f.custom.timestampHeader} onChange={(e) => setCustom({ timestampHeader: e.target.value })} placeholder="X-Timestamp" />
            </Field>
            <Field label="Signed content" hint="{body} {timestamp} {url} {method} {header:Name}">
              <input value={f.custom.template} onChange={(e) => setCustom({ template: e.target.value })} placeholder="{timestamp}.{body}" />
            </Field>
          </div>
        )}
        {f.scheme && (
          <>
            <div className="field">
              <span className="field-label">Secrets, newest first</span>
              {f.secrets.map((s, i) => (
                <div className="secret-row" key={i}>
                  <span className="secret-label muted small">{secretLabel(i)}</span>
                  <input
                    value={s}
                    onChange={(e) => setF((x) => ({ ...x, secrets: x.secrets.map((y, j) => (j === i ? e.target.value : y)) }))}
                    data-testid="ep-secret"
                    placeholder={i === 0 ? 'the signing secret (or public key)' : 'an older secret still accepted'}
                    spellCheck={false}
                    autoComplete="off"
                  />
                  <button type="button" className="btn small" onClick={() => moveSecret(i, -1)} disabled={i === 0} title="newer">
                    ↑
                  </button>
                  <button type="button" className="btn small" onClick={() => moveSecret(i, 1)} disabled={i === f.secrets.length - 1} title="older">
                    ↓
                  </button>
                  <button
                    type="button"
                    className="btn small"
                    onClick={() => setF((x) => ({ ...x, secrets: x.secrets.length > 1 ? x.secrets.filter((_, j) => j !== i) : [''] }))}
                  >
                    Remove
                  </button>
                </div>
              ))}
              <div>
                <button type="button" className="btn small" onClick={() => setF((x) => ({ ...x, secrets: ['', ...x.secrets] }))}>
                  Add a newer secret
                </button>{' '}
                <button type="button" className="btn small" onClick={() => setF((x) => ({ ...x, secrets: [...x.secrets, ''] }))}>
                  Add an older secret
                </button>
              </div>
              {errorsFor(errors, 'signature.secrets').map((e, i) => (
                <span key={i} className="field-error" data-testid="field-error">
                  {e}
                </span>
              ))}
            </div>
            <Field label="Timestamp tolerance (seconds)" errors={errorsFor(errors, 'signature.tolerance_secs')}>
              <input value={f.tolerance} onChange={(e) => set({ tolerance: e.target.value })} placeholder={tolPlaceholder} inputMode="numeric" />
            </Field>
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>Duplicates</legend>
        <div className="grid2">
          <Field label="Idempotency key" errors={errorsFor(errors, 'dedupe.source', 'dedupe')}>
            <select value={f.dedupe} onChange={(e) => set({ dedupe: e.target.value as EndpointForm['dedupe'] })} data-testid="ep-dedupe">
              <option value="off">Off</option>
              <option value="header">A header</option>
              <option value="json_pointer">A JSON pointer into the body</option>
              <option value="body_hash">A hash of the body</option>
            </select>
          </Field>
          {f.dedupe === 'header' && (
            <Field label="Header">
              <input list="dedupe-presets" value={f.dedupeHeader} onChange={(e) => set({ dedupeHeader: e.target.value })} data-testid="ep-dedupe-header" />
              <datalist id="dedupe-presets">
                {DEDUPE_HEADER_PRESETS.map((p) => (
                  <option key={p} value={p} />
                ))}
              </datalist>
            </Field>
          )}
          {f.dedupe === 'json_pointer' && (
            <Field label="JSON pointer">
              <input value={f.dedupePointer} onChange={(e) => set({ dedupePointer: e.target.value })} placeholder="/id" />
            </Field>
          )}
        </div>
        {f.dedupe !== 'off' && (
          <div className="grid2">
            <Field label="Remember keys for (seconds)" errors={errorsFor(errors, 'dedupe.ttl_secs')} hint={`default ${DEFAULT_TTL_SECS} = 7 days`}>
              <input value={f.ttl} onChange={(e) => set({ ttl: e.target.value })} inputMode="numeric" />
            </Field>
            <Field label="Answer to a duplicate" errors={errorsFor(errors, 'dedupe.on_duplicate')}>
              <select value={f.onDuplicate} onChange={(e) => set({ onDuplicate: e.target.value as EndpointForm['onDuplicate'] })}>
                <option value="same_as_first">Same as the first</option>
                <option value="ok_duplicate">200 {'{"duplicate":true}'}</option>
                <option value="conflict">409 Conflict</option>
              </select>
            </Field>
          </div>
        )}
      </fieldset>
      <ForwardFields
        value={f.forward}
        onChange={(patch) => setF((x) => ({ ...x, forward: { ...x.forward, ...patch } }))}
        errorsFor={(path) => errorsFor(errors, path)}
        hasOwnPolicy={f.forwardCurrent?.policy != null}
      />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="ep-save">
          {editing ? 'Save' : 'Create endpoint'}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function EndpointsView({
  receiverUrl,
  prefill,
  onPrefillUsed,
}: {
  receiverUrl: string;
  prefill: Partial<EndpointInput> | null;
  onPrefillUsed: () => void;
}) {
  const endpoints = useEndpoints();
  const schemes = useSchemes();
  const del = useDeleteEndpoint();
  const [editing, setEditing] = useState<{ endpoint: Endpoint | null; form: EndpointForm; key: number } | null>(null);
  const schemeList = schemes.data ?? [];
  useForwardLive();

  useEffect(() => {
    if (prefill && schemes.data) {
      setEditing({ endpoint: null, form: formFrom(prefill, schemes.data), key: Date.now() });
      onPrefillUsed();
    }
  }, [prefill, schemes.data, onPrefillUsed]);

  return (
    <div className="endpoints">
      <div className="endpoints-list">
        <div className="section-head">
          <h2>Endpoints</h2>
          <button
            type="button"
            className="btn btn-primary"
            data-testid="ep-new"
            onClick={() => setEditing({ endpoint: null, form: formFrom({}, schemeList), key: Date.now() })}
          >
            New endpoint
          </button>
        </div>
        <p className="muted small">A request goes to the endpoint with the longest matching path prefix; the default one takes the rest.</p>
        <SendTestWebhook receiverUrl={receiverUrl} />
        {(endpoints.data ?? []).map((e) => (
          <div key={e.id} className="endpoint-card" data-testid="endpoint-card" data-endpoint-id={e.id}>
            <div className="endpoint-top">
              <strong>{e.name}</strong>
              <span className="mono muted">{e.id === 1 ? 'every other path' : e.path_prefix}</span>
              <span className="spacer" />
              <button type="button" className="btn small" onClick={() => setEditing({ endpoint: e, form: formFrom(e, schemeList), key: Date.now() })}>
                Edit
              </button>
              {e.id !== 1 && (
                <button type="button" className="btn small btn-danger" onClick={() => del.mutate(e.id)}>
                  Delete
                </button>
              )}
            </div>
            <div className="codeline small">
              <code data-testid="endpoint-url">{receivingUrl(receiverUrl, e.id === 1 ? '/' : e.path_prefix)}</code>
              <CopyButton text={receivingUrl(receiverUrl, e.id === 1 ? '/' : e.path_prefix)} className="small" />
            </div>
            <div className="endpoint-tags">
              <Badge tone={e.signature ? 'ok' : 'muted'}>{schemeLabel(e, schemeList)}</Badge>
              {e.signature && (
                <Badge tone="muted">
                  {e.signature.secrets.length} secret{e.signature.secrets.length === 1 ? '' : 's'}
                </Badge>
              )}
              {e.signature && <Badge tone={e.signature_mode === 'enforce' ? 'warn' : 'muted'}>{e.signature_mode === 'enforce' ? 'enforce (401)' : 'flag only'}</Badge>}
              <Badge tone={e.dedupe ? 'ok' : 'muted'}>{dedupeLabel(e)}</Badge>
              {e.forward && (
                <Badge tone={e.forward.hold ? 'warn' : 'ok'}>
                  <span data-testid="endpoint-forward">{forwardSummary(e.forward)}</span>
                </Badge>
              )}
            </div>
            <HeldQueue endpointId={e.id} />
          </div>
        ))}
      </div>
      <div className="endpoints-form">
        {editing ? (
          <EndpointFormView
            key={editing.key}
            initial={editing.form}
            editing={editing.endpoint}
            schemes={schemeList}
            receiverUrl={receiverUrl}
            onDone={() => setEditing(null)}
          />
        ) : (
          <div className="muted pad center">Select an endpoint to edit, or create one.</div>
        )}
      </div>
    </div>
  );
}
