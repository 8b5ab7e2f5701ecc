import { describe, expect, it } from 'vitest';
import { computeSignature, sdkDate, signRequest } from '../shared/huawei/signer';

describe('SDK-HMAC-SHA256 signer', () => {
  it('matches known answer 1 (GET with a query, only x-sdk-date signed)', () => {
    const { signature, signedHeaders } = computeSignature(
      { method: 'GET', path: '/path', query: { limit: '1' }, headers: { 'X-Sdk-Date': '20060102T150405Z' }, body: '' },
      'SecretKey',
    );
    expect(signedHeaders).toBe('x-sdk-date');
    expect(signature).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
  });

  it('matches known answer 2 (DDS create-backup POST)', () => {
    const { signature, signedHeaders } = computeSignature(
      {
        method: 'POST',
        path: '/v3/0123456789abcdef0123456789abcdef/backups',
        headers: {
          'Content-Type': 'application/json;charset=UTF-8',
          Host: 'dds.cn-north-4.myhuaweicloud.com',
          'X-Project-Id': '0123456789abcdef0123456789abcdef',
          'X-Sdk-Date': '20240101T000000Z',
        },
        body: '{"backup":{"instance_id":"abc123in02","name":"bk-01","description":"d"}}',
      },
      'SecretKey',
    );
    expect(signedHeaders).toBe('content-type;host;x-project-id;x-sdk-date');
    expect(signature).toBe('dc11d4624e04a5a086db020542fa2c09583d14f6cfde63597206931335530605');
  });

  it('formats X-Sdk-Date in UTC without separators', () => {
    expect(sdkDate(new Date('2024-01-01T00:00:00.123Z'))).toBe('20240101T000000Z');
  });

  it('adds and signs the security token of temporary credentials', () => {
    const headers = signRequest(
      { method: 'POST', path: '/v3/p/backups', headers: { Host: 'h' }, body: '{}' },
      { accessKey: 'AK', secretKey: 'SK', securityToken: 'token-1' },
      new Date('2024-01-01T00:00:00Z'),
    );
    expect(headers['X-Security-Token']).toBe('token-1');
    expect(headers.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date;x-security-token, Signature=[0-9a-f]{64}$/,
    );
  });
});
