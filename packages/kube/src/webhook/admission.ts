// AdmissionReview v1 handling, free of I/O: parse and validate the body the API server sends, run a
// handler, and turn its decision into the AdmissionReview response (JSONPatch included for mutations).

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface AdmissionUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The `request` of an AdmissionReview (admission.k8s.io/v1). */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: AdmissionUserInfo;
  /** The object as admitted so far (null for DELETE). */
  object?: unknown;
  /** The existing object, for UPDATE and DELETE. */
  oldObject?: unknown;
  dryRun?: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions. */
  options?: unknown;
}

/** The subset of metav1.Status an admission response carries. */
export interface AdmissionStatus {
  code: number;
  message: string;
  reason: string;
}

/** One RFC 6902 operation. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** The `response` of an AdmissionReview (admission.k8s.io/v1). */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  /** Base64 of the JSON-encoded JSONPatch operations. */
  patch?: string;
  patchType?: 'JSONPatch';
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/** What a handler decides; `patch` is only sent for allowed requests. */
export interface AdmissionResult {
  allowed: boolean;
  status?: AdmissionStatus;
  warnings?: string[];
  patch?: JsonPatchOperation[];
  auditAnnotations?: Record<string, string>;
}

export type AdmissionHandler = (req: AdmissionRequest) => Promise<AdmissionResult> | AdmissionResult;

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  504: 'Timeout',
};

/** The metav1.StatusReason the API server uses for an HTTP code. */
export function statusReason(code: number): string {
  return REASONS[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
}

export function allow(warnings?: string[]): AdmissionResult {
  return warnings?.length ? { allowed: true, warnings } : { allowed: true };
}

function admissionStatus(code: number, message: string): AdmissionStatus {
  return { code, message, reason: statusReason(code) };
}

export function deny(message: string, code = 403): AdmissionResult {
  return { allowed: false, status: admissionStatus(code, message) };
}

export function patch(ops: JsonPatchOperation[], warnings?: string[]): AdmissionResult {
  return { ...allow(warnings), patch: ops };
}

/**
 * Allows the request with the patch that turns `original` into `mutated`. Build `mutated` from a copy
 * (`structuredClone(req.object)`): editing the original in place leaves nothing to diff.
 */
export function mutate(original: unknown, mutated: unknown, warnings?: string[]): AdmissionResult {
  return patch(jsonPatchDiff(original, mutated), warnings);
}

// ---- JSON patch diff ----

/** Escapes one reference token per RFC 6901 ('~' first, so '/' -> '~1' is not re-escaped). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i] as Json));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k]!, b[k]!))
    );
  }
  return false;
}

function diffInto(a: Json, b: Json, path: string, ops: JsonPatchOperation[]): void {
  if (jsonEqual(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) {
      const p = `${path}/${escapePointerToken(key)}`;
      if (!Object.hasOwn(b, key)) ops.push({ op: 'remove', path: p });
      else diffInto(a[key]!, b[key]!, p, ops);
    }
    for (const key of Object.keys(b)) {
      if (!Object.hasOwn(a, key))
        ops.push({ op: 'add', path: `${path}/${escapePointerToken(key)}`, value: b[key] });
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) diffInto(a[i]!, b[i]!, `${path}/${i}`, ops);
    // Remove from the end so earlier indices stay valid while the ops apply in order.
    for (let i = a.length - 1; i >= b.length; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
    for (let i = a.length; i < b.length; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: b[i] });
    return;
  }
  ops.push({ op: 'replace', path, value: b });
}

/**
 * The RFC 6902 operations that turn `from` into `to`. Both are compared as their JSON encodings
 * (undefined members vanish, Dates become strings), since that is what the API server sees.
 */
export function jsonPatchDiff(from: unknown, to: unknown): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  diffInto(toJson(from), toJson(to), '', ops);
  return ops;
}

function toJson(v: unknown): Json {
  const text = JSON.stringify(v);
  return text === undefined ? null : (JSON.parse(text) as Json);
}

// ---- AdmissionReview parsing and response ----

/** A parse failure: the HTTP status to answer with and why. */
export interface AdmissionReviewError {
  httpStatus: 400;
  message: string;
}

/** Parses and validates an AdmissionReview request body; never throws. */
export function parseAdmissionReview(
  body: string | Uint8Array,
): { review: AdmissionReview & { request: AdmissionRequest } } | { error: AdmissionReviewError } {
  const fail = (message: string) => ({ error: { httpStatus: 400 as const, message } });
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (text.trim() === '') return fail('empty body: expected an AdmissionReview');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('body must be a JSON object (an AdmissionReview)');
  }
  const review = parsed as Record<string, unknown>;
  if (review.kind !== 'AdmissionReview') {
    return fail(`kind must be "AdmissionReview", got ${JSON.stringify(review.kind ?? null)}`);
  }
  if (review.apiVersion !== ADMISSION_API_VERSION) {
    return fail(
      `apiVersion must be "${ADMISSION_API_VERSION}", got ${JSON.stringify(review.apiVersion ?? null)}` +
        ' (set admissionReviewVersions: ["v1"])',
    );
  }
  const request = review.request;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return fail('AdmissionReview has no request object');
  }
  const uid = (request as Record<string, unknown>).uid;
  if (typeof uid !== 'string' || uid === '') return fail('AdmissionReview request.uid is missing');
  return { review: review as unknown as AdmissionReview & { request: AdmissionRequest } };
}

/** Turns a handler's decision into the response for the request `uid`. */
export function admissionResponse(uid: string, result: AdmissionResult): AdmissionResponse {
  const response: AdmissionResponse = { uid, allowed: result.allowed };
  if (result.status) response.status = result.status;
  else if (!result.allowed) response.status = admissionStatus(403, 'denied');
  if (result.warnings?.length) response.warnings = result.warnings;
  if (result.auditAnnotations) response.auditAnnotations = result.auditAnnotations;
  // A denial carries no patch: the API server would reject the object anyway.
  if (result.allowed && result.patch?.length) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(result.patch)).toString('base64');
  }
  return response;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `handler`, failing closed: a throw or a malformed result becomes a 500 denial. */
export async function runAdmissionHandler(
  handler: AdmissionHandler,
  request: AdmissionRequest,
): Promise<AdmissionResponse> {
  let result: AdmissionResult;
  try {
    result = await handler(request);
  } catch (err) {
    return admissionResponse(request.uid, deny(`admission handler failed: ${errorMessage(err)}`, 500));
  }
  if (typeof result !== 'object' || result === null || typeof result.allowed !== 'boolean') {
    return admissionResponse(request.uid, deny('admission handler returned no decision', 500));
  }
  return admissionResponse(request.uid, result);
}

/** An HTTP answer: status and JSON body. */
export interface AdmissionHttpReply {
  httpStatus: number;
  body: AdmissionReview | KubeStatus;
}

/** A metav1.Status, which the API server reads from non-2xx webhook replies. */
export interface KubeStatus {
  apiVersion: 'v1';
  kind: 'Status';
  status: 'Failure';
  code: number;
  reason: string;
  message: string;
}

export function kubeStatus(code: number, message: string): KubeStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason: statusReason(code), message };
}

/** Parses `body`, dispatches to `handler` and builds the HTTP reply. Never throws. */
export async function reviewAdmission(
  body: string | Uint8Array,
  handler: AdmissionHandler,
): Promise<AdmissionHttpReply> {
  const parsed = parseAdmissionReview(body);
  if ('error' in parsed)
    return { httpStatus: parsed.error.httpStatus, body: kubeStatus(400, parsed.error.message) };
  const response = await runAdmissionHandler(handler, parsed.review.request);
  return { httpStatus: 200, body: { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response } };
}
