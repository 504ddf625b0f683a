// Server-side apply: a controller declares the fields it wants and becomes their manager. When another
// manager owns one of those fields the apiserver answers 409; ConflictError names who, so the caller
// can decide whether to force (take ownership) or to leave the field alone.
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../client/client.ts';
import { ApiError } from '../client/errors.ts';
import { apiVersionOf, type ResourceRef } from '../client/resources.ts';

export interface ApplyObjectOptions {
  fieldManager: string;
  /** Take over fields owned by other managers instead of failing with a ConflictError. */
  force?: boolean;
}

export interface FieldConflict {
  manager: string;
  /** Path of the contested field, e.g. `.data.key`. */
  field: string;
}

/** A 409 from server-side apply: fields of the request are owned by other managers. */
export class ConflictError extends ApiError {
  readonly conflicts: FieldConflict[];
  constructor(cause: ApiError, conflicts: FieldConflict[]) {
    const managers = [...new Set(conflicts.map((c) => c.manager))].join(', ');
    const fields = conflicts.map((c) => `${c.field} (${c.manager})`).join(', ');
    super(
      cause.status,
      cause.reason,
      `apply conflicts with field managers ${managers}: ${fields}`,
      cause.body,
    );
    this.name = 'ConflictError';
    this.conflicts = conflicts;
  }
}

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** Applies `desired` to the object's main resource; returns the object as stored. */
export function applyObject<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  desired: KubeObject,
  opts: ApplyObjectOptions,
): Promise<T> {
  return apply<T>(client, ref, desired, opts);
}

/** Applies `desired.status` through the status subresource (other fields are ignored there). */
export function applyStatus<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  desired: KubeObject,
  opts: ApplyObjectOptions,
): Promise<T> {
  return apply<T>(client, ref, desired, opts, 'status');
}

async function apply<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  desired: KubeObject,
  opts: ApplyObjectOptions,
  subresource?: string,
): Promise<T> {
  // The apiserver rejects an apply carrying managedFields, as an object read back from it does.
  const { managedFields: _managedFields, ...metadata } = desired.metadata;
  const body: KubeObject = { ...desired, apiVersion: apiVersionOf(ref), kind: ref.kind, metadata };
  try {
    return await client.apply<T>(ref, body, {
      fieldManager: opts.fieldManager,
      force: opts.force,
      subresource,
    });
  } catch (err) {
    throw toConflictError(err) ?? err;
  }
}

/** The ConflictError of a field-manager conflict, or undefined for any other error. */
export function toConflictError(err: unknown): ConflictError | undefined {
  if (!(err instanceof ApiError) || err.status !== 409) return undefined;
  const causes = (err.body as { details?: { causes?: StatusCause[] } } | undefined)?.details?.causes ?? [];
  const conflicts = causes
    .filter((c) => c.reason === 'FieldManagerConflict')
    .map((c) => ({
      manager: /conflict with "([^"]*)"/.exec(c.message ?? '')?.[1] ?? '',
      field: c.field ?? '',
    }));
  return conflicts.length ? new ConflictError(err, conflicts) : undefined;
}
