import type { SQSBatchResponse } from 'aws-lambda';
import { sqsEvent, sqsRecord } from '../../local/events';
import type { StandInOptions } from '../../local/huawei-stand-in';
import { startLocalSlack, type LocalSlack } from '../../local/slack';
import { startLocalSqs, type LocalSqs } from '../../local/sqs';
import { coldStart } from './cold-start';
import { lambdaContext, startBackends } from './fixtures';

/**
 * The whole Slack flow on loopback: the Huawei stand-in, DynamoDB, EventBridge, an SQS stand-in that keeps what
 * slackCommand hands over, and a Slack stand-in that keeps what the gateway posts back. `deliver()` plays SQS:
 * it gives the queue function every message not delivered yet.
 *
 * @example
 * const flow = await startSlackFlow();
 * await flow.command(slackCommandEvent({ text: 'dds a89d…in02', responseUrl: flow.slack.responseUrl('1') }));
 * await flow.deliver(); // the backup is created, and the channel hears of it
 */
export async function startSlackFlow(env: Record<string, string> = {}, standIn: Partial<StandInOptions> = {}) {
  const backends = await startBackends(standIn);
  const [sqs, slack]: [LocalSqs, LocalSlack] = await Promise.all([startLocalSqs(), startLocalSlack()]);
  const flowEnv = {
    AWS_ENDPOINT_URL_SQS: sqs.url,
    BACKUP_REQUESTS_QUEUE_URL: sqs.queueUrl('backup-requests'),
    SLACK_RESPONSE_URL_PREFIX: `${slack.url}/`,
    ...env,
  };
  Object.assign(process.env, flowEnv);
  const command = await coldStart(() => import('../../functions/slackCommand/handler'), flowEnv);
  const { handler: queue } = await import('../../functions/createBackupFromQueue/handler');
  let delivered = 0;
  return {
    ...backends,
    sqs,
    slack,
    /** The environment that points slackCommand at the stand-ins: a fresh cold start needs it too. */
    env: flowEnv,
    command,
    /** Delivers the queued messages not delivered yet, as one SQS batch; returns the batch response. */
    async deliver(): Promise<SQSBatchResponse> {
      const pending = sqs.messages.slice(delivered);
      delivered = sqs.messages.length;
      const records = pending.map((message) =>
        sqsRecord({ messageId: message.messageId, body: JSON.parse(message.body) }),
      );
      return queue(sqsEvent(...records), lambdaContext({ functionName: 'backup-gateway-test-createBackupFromQueue' }));
    },
    close: async () => {
      await Promise.all([backends.close(), sqs.close(), slack.close()]);
    },
  };
}
