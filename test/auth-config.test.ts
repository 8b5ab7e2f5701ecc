import { describe, expect, it } from 'vitest';
import { signingSecretsFromEnvironment } from '../shared/auth/signing-secrets';
import { ConfigurationError, NotAllowedError } from '../shared/errors';
import { allowListFromEnvironment, authorise } from '../shared/slack/allow-list';

/** A Secrets Manager stand-in: the secret's JSON by name, and which names were read. */
function secretStore(secrets: Record<string, Record<string, unknown>>) {
  const reads: string[] = [];
  return {
    reads,
    read: async (secretId: string) => {
      reads.push(secretId);
      return secrets[secretId] ?? {};
    },
  };
}

describe('signingSecretsFromEnvironment', () => {
  it('reads the comma-separated variable of a local run', async () => {
    const secrets = signingSecretsFromEnvironment('WEBHOOK_SIGNING_SECRET', { WEBHOOK_SIGNING_SECRET: ' new-secret , old-secret,' });
    expect(await secrets()).toEqual(['new-secret', 'old-secret']);
  });

  it('reads the field of the Secrets Manager secret in AWS, on first use only', async () => {
    const store = secretStore({ 'backup-gateway/dev/signing': { WEBHOOK_SIGNING_SECRET: 'w1', SLACK_SIGNING_SECRET: 's-new,s-old' } });
    const secrets = signingSecretsFromEnvironment('SLACK_SIGNING_SECRET', { SIGNING_SECRETS_SECRET: 'backup-gateway/dev/signing' }, store.read);
    expect(store.reads).toEqual([]);
    expect(await secrets()).toEqual(['s-new', 's-old']);
    expect(store.reads).toEqual(['backup-gateway/dev/signing']);
  });

  it('refuses, as not configured, a secret without the field', async () => {
    const store = secretStore({ 'backup-gateway/dev/signing': { WEBHOOK_SIGNING_SECRET: 'w1' } });
    const secrets = signingSecretsFromEnvironment('SLACK_SIGNING_SECRET', { SIGNING_SECRETS_SECRET: 'backup-gateway/dev/signing' }, store.read);
    await expect(secrets()).rejects.toThrow(ConfigurationError);
    await expect(secrets()).rejects.toThrow('Secret backup-gateway/dev/signing must be JSON with a string field SLACK_SIGNING_SECRET');
  });

  it.each([
    ['neither is set', {}, 'WEBHOOK_SIGNING_SECRET is not set (or name the Secrets Manager secret holding it in SIGNING_SECRETS_SECRET)'],
    ['the variable holds only blanks and commas', { WEBHOOK_SIGNING_SECRET: ' , ' }, 'WEBHOOK_SIGNING_SECRET is not set'],
    ['both are set', { WEBHOOK_SIGNING_SECRET: 'w1', SIGNING_SECRETS_SECRET: 'backup-gateway/dev/signing' }, 'set either SIGNING_SECRETS_SECRET or WEBHOOK_SIGNING_SECRET, not both'],
  ])('throws at cold start when %s', (_, env, message) => {
    expect(() => signingSecretsFromEnvironment('WEBHOOK_SIGNING_SECRET', env)).toThrow(ConfigurationError);
    expect(() => signingSecretsFromEnvironment('WEBHOOK_SIGNING_SECRET', env)).toThrow(message);
  });
});

describe('Slack allow-list', () => {
  const allowList = allowListFromEnvironment({ SLACK_ALLOWED_USERS: 'U012AB3CD, W0ENTERPR', SLACK_ALLOWED_CHANNELS: 'C0123OPS' });

  it.each([
    ['a listed user anywhere', { userId: 'U012AB3CD', channelId: 'C0ELSEWHR' }, true],
    ['a listed Enterprise Grid user', { userId: 'W0ENTERPR', channelId: 'D0DIRECT1' }, true],
    ['anyone in a listed channel', { userId: 'U0STRANGR', channelId: 'C0123OPS' }, true],
    ['anyone else', { userId: 'U0STRANGR', channelId: 'C0ELSEWHR' }, false],
  ])('%s → allowed: %s', (_, caller, allowed) => {
    const run = () => authorise(allowList, caller);
    if (allowed) expect(run).not.toThrow();
    else expect(run).toThrow(NotAllowedError);
  });

  it('allows nobody when neither list is set', () => {
    const nobody = allowListFromEnvironment({});
    expect(() => authorise(nobody, { userId: 'U012AB3CD', channelId: 'C0123OPS' })).toThrow('Nobody may create backups from Slack yet.');
  });

  it('names every entry that is not a Slack ID', () => {
    const read = () => allowListFromEnvironment({ SLACK_ALLOWED_USERS: 'U012AB3CD,@alice', SLACK_ALLOWED_CHANNELS: '#ops,C0123OPS,U012AB3CD' });
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('SLACK_ALLOWED_USERS must list Slack IDs such as U012AB3CD, not names (found "@alice")');
    expect(read).toThrow('SLACK_ALLOWED_CHANNELS must list Slack IDs such as C0123OPS, not names (found "#ops", "U012AB3CD")');
  });
});
