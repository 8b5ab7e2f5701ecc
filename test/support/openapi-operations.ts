import Ajv2020 from 'ajv/dist/2020';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { expect } from 'vitest';
import openapi from '../../openapi.json';

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ ...openapi, $id: 'openapi.json' });

interface Documented {
  $ref?: string;
  content?: Record<string, { schema: { $ref: string } }>;
  headers?: Record<string, unknown>;
}
type Operation = { responses: Record<string, Documented> };

/**
 * Asserts that a real response of any operation is one the OpenAPI document describes: status, media type,
 * headers and body (`test/support/openapi.ts` does the same for `POST /backups` alone).
 *
 * @example
 * expectDocumentedAnswer('get', '/backups/{backupId}', response);
 */
export function expectDocumentedAnswer(
  method: 'get' | 'post',
  path: string,
  response: APIGatewayProxyStructuredResultV2,
): void {
  const operation = (openapi.paths as Record<string, Record<string, Operation>>)[path]?.[method];
  expect(operation, `${method.toUpperCase()} ${path} is not documented`).toBeDefined();
  const status = String(response.statusCode);
  let documented = operation.responses[status];
  expect(documented, `status ${status} of ${method.toUpperCase()} ${path} is not documented`).toBeDefined();
  if (documented.$ref)
    documented = (openapi.components.responses as Record<string, Documented>)[documented.$ref.split('/').at(-1)!];
  const mediaType = String(response.headers?.['Content-Type']);
  const content = documented.content?.[mediaType];
  expect(content, `media type ${mediaType} is not documented for ${status}`).toBeDefined();
  for (const header of Object.keys(documented.headers ?? {})) expect(response.headers).toHaveProperty(header);
  const validate = ajv.getSchema(`openapi.json${content!.schema.$ref}`)!;
  validate(JSON.parse(String(response.body)));
  expect(validate.errors ?? [], `body does not match ${content!.schema.$ref}`).toEqual([]);
}
