import { describe, expect, it } from 'vitest';
import { NotAllowedError } from '../shared/errors';
import { authorise } from '../shared/slack/allow-list';

describe('Slack allow-list', () => {
  const allowList = { users: new Set(['U012AB3CD', 'W0ENTERPR']), channels: new Set(['C0123OPS']) };

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
    const nobody = { users: new Set<string>(), channels: new Set<string>() };
    expect(() => authorise(nobody, { userId: 'U012AB3CD', channelId: 'C0123OPS' })).toThrow(
      'Nobody may create backups from Slack yet.',
    );
  });
});
