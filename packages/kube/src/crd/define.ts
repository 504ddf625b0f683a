// One TypeBox schema per kind yields the TypeScript type (ResourceOf), client-side validation and the CRD.
import { FormatRegistry, Kind, Type } from '@sinclair/typebox';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { ValueError } from '@sinclair/typebox/errors';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { ObjectMeta } from '../api/meta.ts';
import { toStructural } from './structural.ts';
import type { StructuralSchema } from './structural.ts';

export type Scope = 'Namespaced' | 'Cluster';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** Simple JSONPath relative to the object, e.g. `.status.phase`. */
  jsonPath: string;
  description?: string;
  /** 0 shows in the default table; greater values only with `-o wide`. */
  priority?: number;
  format?: 'int32' | 'int64' | 'float' | 'double' | 'byte' | 'date' | 'date-time' | 'password' | 'name';
}

/** Another version served alongside the storage one; spec and status default to the storage version's. */
export interface AdditionalVersion {
  version: string;
  spec?: TSchema;
  status?: TSchema;
  served?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  printerColumns?: PrinterColumn[];
}

export interface ResourceOptions<Spec extends TSchema, Status extends TSchema | undefined> {
  group: string;
  /** The storage version. */
  version: string;
  kind: string;
  plural: string;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  scope: Scope;
  spec: Spec;
  status?: Status;
  printerColumns?: PrinterColumn[];
  additionalVersions?: AdditionalVersion[];
  description?: string;
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: { openAPIV3Schema: StructuralSchema };
  subresources?: { status: Record<string, never> };
  additionalPrinterColumns?: PrinterColumn[];
}

/**
 * An apiextensions.k8s.io/v1 CustomResourceDefinition as sent on the wire. A type alias rather than an
 * interface so that it is assignable to KubeObject (aliases get an implicit index signature).
 */
export type CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: Scope;
    versions: CustomResourceDefinitionVersion[];
  };
};

export interface ValidationError {
  /** JSON pointer into the validated object, e.g. `/spec/replicas`. */
  path: string;
  message: string;
}

export type ValidationResult = { ok: true } | { ok: false; errors: ValidationError[] };

export interface ResourceDefinition<
  Spec extends TSchema = TSchema,
  Status extends TSchema | undefined = TSchema | undefined,
> {
  readonly group: string;
  readonly version: string;
  /** `group/version` of the storage version. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly scope: Scope;
  /** Whether objects live in namespaces; with group, version, plural and kind this makes a client ResourceRef. */
  readonly namespaced: boolean;
  /** The CRD's name, `<plural>.<group>`. */
  readonly name: string;
  readonly spec: Spec;
  readonly status: Status;
  /** The whole object's schema: apiVersion, kind, metadata, spec and (if any) status. */
  readonly schema: TObject;
  crd(): CustomResourceDefinition;
  /** Checks an object against the storage version's schema, including its apiVersion and kind. */
  validate(obj: unknown): ValidationResult;
}

/** The TypeScript type of a custom resource of `D`, e.g. `type Widget = ResourceOf<typeof widgets>`. */
export type ResourceOf<D> =
  D extends ResourceDefinition<infer Spec, infer Status>
    ? { apiVersion: string; kind: string; metadata: ObjectMeta; spec: Static<Spec> } & (Status extends TSchema
        ? { status?: Static<Status> }
        : unknown)
    : never;

export function defineResource<Spec extends TSchema, Status extends TSchema | undefined = undefined>(
  options: ResourceOptions<Spec, Status>,
): ResourceDefinition<Spec, Status> {
  const { group, version, kind, plural, scope, spec } = options;
  const status = options.status as Status;
  const apiVersion = `${group}/${version}`;
  const singular = options.singular ?? kind.toLowerCase();
  const schema = objectSchema(spec, status, options.description);
  // Converted eagerly so that a schema Kubernetes would reject fails where the resource is defined.
  const crd = buildCrd(options, singular, schema);
  let check: TypeCheck<TObject> | undefined;

  return {
    group,
    version,
    apiVersion,
    kind,
    listKind: `${kind}List`,
    plural,
    singular,
    scope,
    namespaced: scope === 'Namespaced',
    name: crd.metadata.name,
    spec,
    status,
    schema,
    crd: () => structuredClone(crd),
    validate(obj: unknown): ValidationResult {
      check ??= TypeCompiler.Compile(checkable(schema) as TObject);
      const errors: ValidationError[] = [];
      const o = (typeof obj === 'object' && obj !== null ? obj : {}) as Record<string, unknown>;
      if (o['apiVersion'] !== apiVersion)
        errors.push({ path: '/apiVersion', message: `Expected '${apiVersion}'` });
      if (o['kind'] !== kind) errors.push({ path: '/kind', message: `Expected '${kind}'` });
      const meta = o['metadata'];
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
        errors.push({ path: '/metadata', message: 'Expected object' });
      }
      for (const e of check.Errors(obj)) {
        const message = errorMessage(e);
        // A missing value fails every check of its schema; "Expected required property" says it all.
        const seen = errors.some(
          (x) => x.path === e.path && (e.value === undefined || x.message === message),
        );
        if (!seen) errors.push({ path: e.path, message });
      }
      return errors.length === 0 ? { ok: true } : { ok: false, errors };
    },
  };
}

function errorMessage(error: ValueError): string {
  const members = error.schema.anyOf;
  if (Array.isArray(members) && members.every((m: TSchema) => m[Kind] === 'Literal')) {
    return `Expected one of ${members.map((m: TSchema) => JSON.stringify(m.const)).join(', ')}`;
  }
  return error.message;
}

function objectSchema(spec: TSchema, status: TSchema | undefined, description: string | undefined): TObject {
  return Type.Object(
    {
      apiVersion: Type.Optional(
        Type.String({
          description:
            'APIVersion defines the versioned schema of this representation of an object. Servers should ' +
            'convert recognized schemas to the latest internal value, and may reject unrecognized values.',
        }),
      ),
      kind: Type.Optional(
        Type.String({
          description:
            'Kind is a string value representing the REST resource this object represents. Servers may infer ' +
            'this from the endpoint the client submits requests to. In CamelCase.',
        }),
      ),
      // Kubernetes validates metadata itself and only lets a CRD restrict name and generateName.
      metadata: Type.Optional(Type.Object({})),
      spec,
      ...(status === undefined ? {} : { status: Type.Optional(status) }),
    },
    description === undefined ? {} : { description },
  );
}

function buildCrd(
  options: ResourceOptions<TSchema, TSchema | undefined>,
  singular: string,
  schema: TObject,
): CustomResourceDefinition {
  const { group, kind, plural, shortNames, categories } = options;
  const versions = [
    crdVersion(options.version, true, true, schema, options.status !== undefined, options.printerColumns),
    ...(options.additionalVersions ?? []).map((v) => {
      const status = v.status ?? options.status;
      const vSchema =
        v.spec === undefined && v.status === undefined
          ? schema
          : objectSchema(v.spec ?? options.spec, status, options.description);
      return {
        ...crdVersion(
          v.version,
          v.served ?? true,
          false,
          vSchema,
          status !== undefined,
          v.printerColumns ?? options.printerColumns,
        ),
        ...(v.deprecated === undefined ? {} : { deprecated: v.deprecated }),
        ...(v.deprecationWarning === undefined ? {} : { deprecationWarning: v.deprecationWarning }),
      };
    }),
  ];
  const names = new Set<string>();
  for (const v of versions) {
    if (names.has(v.name)) throw new Error(`${plural}.${group}: version ${v.name} is defined twice`);
    names.add(v.name);
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular,
        ...(shortNames?.length ? { shortNames: [...shortNames] } : {}),
        ...(categories?.length ? { categories: [...categories] } : {}),
      },
      scope: options.scope,
      versions,
    },
  };
}

function crdVersion(
  name: string,
  served: boolean,
  storage: boolean,
  schema: TObject,
  hasStatus: boolean,
  columns: PrinterColumn[] | undefined,
): CustomResourceDefinitionVersion {
  return {
    name,
    served,
    storage,
    schema: { openAPIV3Schema: toStructural(schema) },
    ...(hasStatus ? { subresources: { status: {} } } : {}),
    ...(columns?.length ? { additionalPrinterColumns: columns.map((c) => printerColumn(c, name)) } : {}),
  };
}

function printerColumn(column: PrinterColumn, version: string): PrinterColumn {
  if (!column.jsonPath.startsWith('.')) {
    throw new Error(`version ${version}: printer column ${column.name}: jsonPath must start with '.'`);
  }
  const { name, type, jsonPath, description, priority, format } = column;
  return {
    name,
    type,
    jsonPath,
    ...(description === undefined ? {} : { description }),
    ...(priority === undefined ? {} : { priority }),
    ...(format === undefined ? {} : { format }),
  };
}

/**
 * The schema TypeBox checks: Type.Unsafe nodes carry Kubernetes-only keywords TypeBox cannot compile, so
 * int-or-string becomes Integer | String and other Unsafe nodes are left to the apiserver; `nullable`, which
 * TypeBox ignores, becomes `X | null`; string formats without a FormatRegistry entry are dropped since
 * TypeBox would reject every value.
 */
function checkable(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  if (Array.isArray(schema)) return schema.map(checkable);
  const node = schema as Record<string | symbol, unknown>;
  if (node[Kind] === 'Unsafe') {
    return node['x-kubernetes-int-or-string'] === true
      ? Type.Union([Type.Integer(), Type.String()])
      : Type.Unknown();
  }
  const out: Record<string | symbol, unknown> = { ...node };
  for (const key of ['properties', 'patternProperties', '$defs'] as const) {
    const children = node[key];
    if (typeof children === 'object' && children !== null) {
      out[key] = Object.fromEntries(Object.entries(children).map(([k, v]) => [k, checkable(v)]));
    }
  }
  for (const key of ['items', 'additionalProperties', 'anyOf', 'allOf', 'not'] as const) {
    if (node[key] !== undefined) out[key] = checkable(node[key]);
  }
  if (
    typeof node['format'] === 'string' &&
    node['type'] === 'string' &&
    !FormatRegistry.Has(node['format'])
  ) {
    delete out['format'];
  }
  if (out['nullable'] === true) {
    delete out['nullable'];
    return Type.Union([out as unknown as TSchema, Type.Null()]);
  }
  return out;
}
