//! Names for the API's JSON shapes. Most come from the generated OpenAPI types (schema.d.ts);
//! the verdict is written out here because the OpenAPI document types it only as `object`.
import type { HealthLiveEvent } from './metrics';
import type { components } from './schema';

type S = components['schemas'];

export type CaptureSummary = S['CaptureSummary'];
export type Capture = S['Capture'] & { verdict?: Verdict | null; detected?: Detection[] };
export type CapturePage = S['CapturePage'];
export type HeaderView = S['HeaderView'];
export type Info = S['Info'];
export type Endpoint = S['Endpoint'];
export type EndpointInput = S['EndpointInput'];
/** The document types `scheme` as a bare object; it is a `Scheme`. */
export type SchemeInfo = Omit<S['SchemeInfo'], 'scheme'> & { scheme: S['Scheme'] };
export type Scheme = S['Scheme'];
export type KeySource = S['KeySource'];
export type DuplicateResponse = S['DuplicateResponse'];
export type SignInput = Omit<S['SignInput'], 'scheme'> & { scheme: S['Scheme'] };
export type SignOutput = S['SignOutput'];
export type Detection = S['Detection'];
export type HmacAlgorithm = S['HmacAlgorithm'];
export type Encoding = S['Encoding'];

export interface Reason {
  code: string;
  message: string;
}

export interface LikelyCause {
  code: string;
  message: string;
  suggested_scheme: string | null;
}

export interface SignatureCandidate {
  secret_label: string;
  signature: string | null;
  matches: boolean;
}

export interface Step {
  label: string;
  detail: string;
}

/** A signature check's result (the engine's `Verdict`). */
export interface Verdict {
  valid: boolean;
  scheme: string;
  matched_secret: number | null;
  matched_secret_label: string | null;
  reason: Reason | null;
  likely_causes: LikelyCause[];
  signed_content: string | null;
  signed_content_base64: string | null;
  expected: SignatureCandidate[];
  received: string[];
  timestamp: number | null;
  skew_secs: number | null;
  tolerance_secs: number | null;
  steps: Step[];
}

export type VerifyInput = Omit<S['VerifyInput'], 'scheme'> & { scheme: Scheme };
export type VerifyOutput = Verdict & { detected: Detection[] };

/** Filters of the capture list; every field maps to a query parameter of `GET /api/captures`. */
export interface CaptureFilter {
  q?: string;
  /** Full-text: every word (a prefix) in the path, headers or body; `"quoted phrase"` kept together. */
  search?: string;
  /** The status the receiver answered (`0`: none). */
  status?: number;
  /** Received at or after / before, unix ms. */
  since?: number;
  until?: number;
  method?: string;
  endpoint?: number;
  verdict?: 'valid' | 'invalid';
  duplicate?: boolean;
}

/** The live events of `GET /api/stream`. */
export type LiveEvent =
  | { type: 'capture.created'; capture: CaptureSummary }
  | { type: 'capture.deleted'; id: number }
  | { type: 'captures.cleared' }
  | { type: 'endpoints.changed' }
  | { type: 'resync' }
  | HealthLiveEvent;
