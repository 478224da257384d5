// Validates an OpenAPI document with @apidevtools/swagger-parser (schema and $ref resolution).
// Usage: node openapi_validate.mjs FILE. Prints "valid" and exits 0, or prints the errors and exits 1.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
if (!file) {
  console.error("usage: node openapi_validate.mjs FILE");
  process.exit(2);
}
try {
  await SwaggerParser.validate(file);
  console.log("valid");
} catch (e) {
  console.error(e && e.message ? e.message : String(e));
  if (e && Array.isArray(e.details)) console.error(JSON.stringify(e.details, null, 2));
  process.exit(1);
}
