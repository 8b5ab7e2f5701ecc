import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { signatureOf, WEBHOOK_SIGNATURE } from '../shared/auth/hmac';
import { captureOutput, httpEvent, startStandInForHandlers, TEST_SIGNING_SECRETS } from './support/fixtures';
import { coldStart } from './support/cold-start';

const DDS_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';
const REQUEST = { engine: 'dds', instanceId: DDS_INSTANCE, name: 'signed-01' };
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000);

let standIn: HuaweiStandIn;

const coldStartHandler = (env: Record<string, string> = {}) =>
  coldStart(() => import('../functions/createBackup/handler'), env);

beforeAll(async () => {
  standIn = await startStandInForHandlers();
});
afterAll(() => standIn.close());
beforeEach(() => standIn.reset());

describe('createBackup: signed webhooks', () => {
  it('creates the backup for a request signed with the secret', async () => {
    const invoke = await coldStartHandler();
    const response = await invoke(httpEvent({ body: REQUEST }));
    expect(response.statusCode).toBe(202);
    expect(response.json).toMatchObject({ engine: 'dds', instanceId: DDS_INSTANCE, name: 'signed-01' });
    expect(standIn.backups()).toHaveLength(1);
  });

  // A margin of ten seconds past the limit: the exact boundary is the verifier's unit test, with a frozen clock.
  it.each([
    ['unsigned', () => httpEvent({ body: REQUEST, signing: false }), 'The request is not signed.'],
    [
      'stale (310 s old)',
      () => httpEvent({ body: REQUEST, signing: { at: secondsAgo(310) } }),
      "The request's timestamp is too far from the current time.",
    ],
    [
      'future-dated (310 s ahead)',
      () => httpEvent({ body: REQUEST, signing: { at: secondsAgo(-310) } }),
      "The request's timestamp is too far from the current time.",
    ],
    [
      'signed with another secret',
      () => httpEvent({ body: REQUEST, signing: { secret: 'not-the-webhook-secret' } }),
      "The request's signature is not valid.",
    ],
    [
      'timestamped in milliseconds',
      () => {
        const timestamp = String(Date.now());
        const body = Buffer.from(JSON.stringify(REQUEST));
        const signature = signatureOf(WEBHOOK_SIGNATURE, TEST_SIGNING_SECRETS.webhook, timestamp, body);
        const headers = { 'x-backup-timestamp': timestamp, 'x-backup-signature': signature };
        return httpEvent({ body: REQUEST, headers });
      },
      "The request's timestamp must be Unix time in seconds.",
    ],
    [
      'tampered with after signing',
      () => ({ ...httpEvent({ body: REQUEST }), body: JSON.stringify({ ...REQUEST, engine: 'mysql' }) }),
      "The request's signature is not valid.",
    ],
    [
      'signed with the Slack scheme',
      () => httpEvent({ body: REQUEST, headers: { 'x-backup-signature': `v0=${'0'.repeat(64)}` } }),
      "The request's signature is not valid.",
    ],
  ])('refuses a request %s with 401 and sends nothing upstream', async (_, eventOf, detail) => {
    const invoke = await coldStartHandler();
    const event = eventOf();
    const output = captureOutput();
    const response = await invoke(event).finally(output.restore);

    expect(response.statusCode).toBe(401);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json' });
    expect(response.json).toMatchObject({ status: 401, code: 'unauthorized', detail });
    expect(standIn.requests).toHaveLength(0);

    const log = output.text();
    expect(log).toContain('request refused');
    expect(log).toContain('"sourceIp":"203.0.113.7"');
    expect(log).not.toContain(TEST_SIGNING_SECRETS.webhook);
    const signature = event.headers['x-backup-signature'];
    if (signature) expect(log).not.toContain(signature.replace('sha256=', ''));
  });

  it('accepts the old and the new secret while a rotation is under way', async () => {
    const invoke = await coldStartHandler({
      WEBHOOK_SIGNING_SECRET: `new-webhook-secret, ${TEST_SIGNING_SECRETS.webhook}`,
    });
    expect((await invoke(httpEvent({ body: REQUEST }))).statusCode).toBe(202);
    expect(
      (await invoke(httpEvent({ body: { ...REQUEST, name: 'signed-02' }, signing: { secret: 'new-webhook-secret' } })))
        .statusCode,
    ).toBe(202);
    expect(
      (await invoke(httpEvent({ body: { ...REQUEST, name: 'signed-03' }, signing: { secret: 'retired-secret' } })))
        .statusCode,
    ).toBe(401);
    expect(standIn.backups().map((backup) => backup.name)).toEqual(['signed-01', 'signed-02']);
  });

  it('verifies a base64-encoded body with non-ASCII text over its bytes, and keeps the text intact', async () => {
    const invoke = await coldStartHandler();
    const description = 'Sauvegarde avant migration – café ☕ 备份';
    const response = await invoke(httpEvent({ body: { ...REQUEST, description }, isBase64Encoded: true }));
    expect(response.statusCode).toBe(202);
    expect(standIn.backups()[0].description).toBe(description);
  });

  it('refuses every request with 500 "not configured" when no secret is set, and sends nothing upstream', async () => {
    const output = captureOutput();
    try {
      const invoke = await coldStartHandler({ WEBHOOK_SIGNING_SECRET: ' , ' });
      for (const event of [httpEvent({ body: REQUEST }), httpEvent({ body: REQUEST, signing: false })]) {
        const response = await invoke(event);
        expect(response.statusCode).toBe(500);
        expect(response.json).toMatchObject({ code: 'not_configured', title: 'The backup gateway is not configured' });
      }
    } finally {
      output.restore();
    }
    expect(output.text()).toContain('WEBHOOK_SIGNING_SECRET is not set');
    expect(standIn.requests).toHaveLength(0);
  });
});
