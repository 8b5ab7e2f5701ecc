import Ajv2020 from 'ajv/dist/2020';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { expect } from 'vitest';
import openapi from '../../openapi.json';

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ ...openapi, $id: 'openapi.json' });

type Operation = {
  responses: Record<
    string,
    { $ref?: string; content?: Record<string, { schema: { $ref: string } }>; headers?: Record<string, unknown> }
  >;
};

/** Asserts that a real response of `POST /backups` is one the OpenAPI document describes: status, media type, body. */
export function expectDocumentedResponse(response: APIGatewayProxyStructuredResultV2): void {
  const operation = (openapi.paths['/backups'] as Record<string, Operation>).post;
  const status = String(response.statusCode);
  let documented = operation.responses[status];
  expect(documented, `status ${status} is not documented`).toBeDefined();
  if (documented.$ref)
    documented = (openapi.components.responses as Record<string, typeof documented>)[
      documented.$ref.split('/').at(-1)!
    ];
  const mediaType = String(response.headers?.['Content-Type']);
  const content = documented.content?.[mediaType];
  expect(content, `media type ${mediaType} is not documented for ${status}`).toBeDefined();
  for (const header of Object.keys(documented.headers ?? {})) expect(response.headers).toHaveProperty(header);
  const validate = ajv.getSchema(`openapi.json${content!.schema.$ref}`)!;
  const valid = validate(JSON.parse(String(response.body)));
  expect(validate.errors ?? [], `body does not match ${content!.schema.$ref}`).toEqual([]);
  expect(valid).toBe(true);
}

/** Asserts that a request body is one the OpenAPI document accepts. */
export function expectDocumentedRequest(body: unknown): void {
  const validate = ajv.getSchema('openapi.json#/components/schemas/BackupRequest')!;
  validate(body);
  expect(validate.errors ?? []).toEqual([]);
}
