import { describe, expect, it } from 'vitest';
import {
  SLACK_SIGNATURE,
  WEBHOOK_SIGNATURE,
  signatureOf,
  signedHeaders,
  verifySignature,
  type SignedRequest,
} from '../shared/auth/hmac';
import { ConfigurationError, UnauthorizedError, type SignatureFailure } from '../shared/errors';

/** The frozen clock of every case: 2026-11-24T22:15:00Z. */
const NOW = new Date('2026-11-24T22:15:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const SECRET = 'webhook-secret-of-the-unit-tests';
const BODY = Buffer.from('{"engine":"dds","instanceId":"a89dab5e39394eccbdb77b19d57b0180in02"}', 'utf8');

function signed(body: Uint8Array = BODY, at: number = NOW_SECONDS, secret = SECRET): SignedRequest {
  const timestamp = String(at);
  return { timestamp, signature: signatureOf(WEBHOOK_SIGNATURE, secret, timestamp, body), body };
}

function failureOf(run: () => void): SignatureFailure | 'passed' {
  try {
    run();
    return 'passed';
  } catch (error) {
    if (error instanceof UnauthorizedError) return error.reason;
    throw error;
  }
}

const verify = (request: SignedRequest, secrets: string[] = [SECRET], now: Date = NOW) =>
  failureOf(() => verifySignature(WEBHOOK_SIGNATURE, secrets, request, now));

describe('verifySignature', () => {
  it('accepts a body signed with the secret, now', () => {
    expect(verify(signed())).toBe('passed');
  });

  it("matches Slack's own worked example (v0 scheme)", () => {
    const body = Buffer.from(
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    );
    const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
    expect(signatureOf(SLACK_SIGNATURE, '8f742231b10e8888abcd99yyyzzz85a5', '1531420618', body)).toBe(signature);
    expect(
      failureOf(() =>
        verifySignature(
          SLACK_SIGNATURE,
          ['8f742231b10e8888abcd99yyyzzz85a5'],
          { timestamp: '1531420618', signature, body },
          new Date(1531420618_000),
        ),
      ),
    ).toBe('passed');
  });

  it.each([
    ['300 s old', 'passed', -300],
    ['301 s old', 'stale_timestamp', -301],
    ['an hour old', 'stale_timestamp', -3600],
    ['300 s ahead', 'passed', 300],
    ['301 s ahead (future-dated)', 'stale_timestamp', 301],
    ['a day ahead (future-dated)', 'stale_timestamp', 86_400],
  ] as const)('a timestamp %s → %s', (_, expected, offset) => {
    expect(verify(signed(BODY, NOW_SECONDS + offset))).toBe(expected);
  });

  it('refuses a stale request even when its signature is right', () => {
    const request = signed(BODY, NOW_SECONDS - 301);
    expect(verify(request, [SECRET], new Date((NOW_SECONDS - 301) * 1000))).toBe('passed');
    expect(verify(request)).toBe('stale_timestamp');
  });

  it('refuses a tampered body', () => {
    const request = signed();
    const tampered = Buffer.from(BODY.toString('utf8').replace('"dds"', '"mysql"'), 'utf8');
    expect(verify({ ...request, body: tampered })).toBe('bad_signature');
  });

  it('refuses a body signed with another secret', () => {
    expect(verify(signed(BODY, NOW_SECONDS, 'some-other-secret'))).toBe('bad_signature');
  });

  it('accepts every secret of a rotation, and only those', () => {
    const byOldSecret = signed(BODY, NOW_SECONDS, 'old-secret');
    expect(verify(byOldSecret, ['new-secret', 'old-secret'])).toBe('passed');
    expect(verify(signed(BODY, NOW_SECONDS, 'new-secret'), ['new-secret', 'old-secret'])).toBe('passed');
    expect(verify(byOldSecret, ['new-secret'])).toBe('bad_signature');
  });

  it('hashes the bytes as sent: a non-ASCII body verifies, its lossy re-encoding does not', () => {
    const body = Buffer.from('{"engine":"dds","instanceId":"i-1","description":"Sauvegarde – café ☕ 备份"}', 'utf8');
    const request = signed(body);
    expect(verify(request)).toBe('passed');
    // What a decoder that reads the bytes as ASCII or Latin-1 hands on (the bolt-js mistake) no longer matches.
    expect(verify({ ...request, body: Buffer.from(body.toString('latin1'), 'utf8') })).toBe('bad_signature');
    expect(verify({ ...request, body: Buffer.from(body.toString('ascii'), 'ascii') })).toBe('bad_signature');
  });

  it.each([
    ['no timestamp', { timestamp: undefined }],
    ['no signature', { signature: undefined }],
    ['an empty timestamp', { timestamp: '' }],
  ])('refuses %s as missing', (_, spoil) => {
    expect(verify({ ...signed(), ...spoil })).toBe('missing_signature');
  });

  it.each([
    ['in milliseconds', String(NOW.getTime())],
    ['in seconds with a fraction', `${NOW_SECONDS}.5`],
    ['that is not a number', 'yesterday'],
    ['that is an ISO date', NOW.toISOString()],
  ])('refuses a timestamp %s as not in seconds', (_, timestamp) => {
    const body = Buffer.from('{}');
    expect(verify({ timestamp, signature: signatureOf(WEBHOOK_SIGNATURE, SECRET, timestamp, body), body })).toBe(
      'timestamp_not_in_seconds',
    );
  });

  it.each([
    ['without its prefix', (s: string) => s.replace('sha256=', '')],
    ["with Slack's prefix", (s: string) => s.replace('sha256=', 'v0=')],
    ['cut short', (s: string) => s.slice(0, -2)],
    ['with a non-hex character', (s: string) => `${s.slice(0, -1)}g`],
    ['with one digit changed', (s: string) => `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`],
  ])('refuses a signature %s', (_, spoil) => {
    const request = signed();
    expect(verify({ ...request, signature: spoil(request.signature as string) })).toBe('bad_signature');
  });

  it('refuses everything, as not configured, when no secret is given', () => {
    expect(() => verifySignature(WEBHOOK_SIGNATURE, [], signed(), NOW)).toThrow(ConfigurationError);
    expect(() => verifySignature(WEBHOOK_SIGNATURE, [''], signed(), NOW)).toThrow(ConfigurationError);
  });

  it('signedHeaders gives the headers verifySignature reads', () => {
    const headers = signedHeaders(WEBHOOK_SIGNATURE, SECRET, BODY, NOW);
    expect(headers).toEqual({
      'x-backup-timestamp': String(NOW_SECONDS),
      'x-backup-signature': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
    });
    const request = { timestamp: headers['x-backup-timestamp'], signature: headers['x-backup-signature'], body: BODY };
    expect(verify(request)).toBe('passed');
  });
});
