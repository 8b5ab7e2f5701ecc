import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeGateway, lifecycleOf } from '../shared/gateway';
import { lambdaContext, slackCommandEvent, TEST_SLACK_ALLOWED } from './support/fixtures';
import { getEvent } from './support/get-request';
import { expectDocumentedAnswer } from './support/openapi-operations';
import { startSlackFlow } from './support/slack-flow';

/**
 * A backup asked for in Slack, through the real flow (slackCommand → queue → createBackupFromQueue → ledger): the
 * status API and the events name the Slack user, channel and workspace, and never the command's response URL
 * (which lets anyone who holds it post to the channel) nor the command's text.
 */
const DDS_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';

let flow: Awaited<ReturnType<typeof startSlackFlow>>;
let getHandler: typeof import('../functions/getBackup/handler')['handler'];

beforeAll(async () => {
  flow = await startSlackFlow();
  ({ handler: getHandler } = await import('../functions/getBackup/handler'));
});
afterAll(() => flow.close());

type Answer = APIGatewayProxyStructuredResultV2 & { body: string };

async function get(path: string, query = ''): Promise<Answer> {
  const response = (await getHandler(getEvent({ path, query }), lambdaContext())) as Answer;
  expectDocumentedAnswer('get', path === '/backups' ? '/backups' : '/backups/{backupId}', response);
  expect(response.statusCode).toBe(200);
  return response;
}

describe('a backup requested in Slack, as the status API and the events show it', () => {
  it('names the Slack caller and keeps the response URL and the command text out', async () => {
    const responseUrl = flow.slack.responseUrl('status-api-1');
    const text = `dds ${DDS_INSTANCE} asked-in-slack`;
    expect((await flow.command(slackCommandEvent({ text, responseUrl, channelId: 'C0OTHERCH1' }))).statusCode).toBe(
      200,
    );
    expect((await flow.deliver()).batchItemFailures).toEqual([]);
    const [made] = flow.standIn.backups();

    // The ledger keeps what the follow-up needs...
    const record = await lifecycleOf(composeGateway('getBackup')).ledger.get(made.id);
    expect(record?.requestedBy).toMatchObject({ via: 'slack', responseUrl, commandText: text });

    // ...and nothing that answers or publishes shows it.
    const caller = { via: 'slack', userId: TEST_SLACK_ALLOWED.user, channelId: 'C0OTHERCH1', teamId: 'T0TEAM0001' };
    const one = await get(`/backups/${made.id}`);
    const list = await get('/backups', `instanceId=${DDS_INSTANCE}`);
    expect(JSON.parse(one.body).requestedBy).toEqual(caller);
    expect(JSON.parse(list.body).backups.map((backup: { requestedBy: unknown }) => backup.requestedBy)).toEqual([
      caller,
    ]);
    const events = flow.bus.entries.filter((entry) => JSON.parse(entry.Detail).backupId === made.id);
    expect(events.map((entry) => JSON.parse(entry.Detail).requestedBy)).toEqual([caller]);
    for (const shown of [one.body, list.body, ...events.map((entry) => entry.Detail)]) {
      expect(shown).not.toContain(responseUrl);
      expect(shown).not.toContain('/commands/');
      expect(shown).not.toContain(text);
      expect(shown).not.toContain('commandText');
    }
  });
});
