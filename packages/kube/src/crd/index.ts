export { toStructural, StructuralSchemaError } from './structural.ts';
export type { StructuralSchema, StructuralType, ValidationRule } from './structural.ts';
export { defineResource } from './define.ts';
export { ConditionsSchema } from './schemas.ts';
export { installCrds } from './install.ts';
export type { InstallCrdsOptions } from './install.ts';
export type {
  AdditionalVersion,
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  PrinterColumn,
  ResourceDefinition,
  ResourceOf,
  ResourceOptions,
  Scope,
  ValidationError,
  ValidationResult,
} from './define.ts';
export { GENERATED_HEADER, checkCrds, crdFileName, renderCrdYaml, writeCrds } from './generate.ts';
export type { CrdDrift } from './generate.ts';
