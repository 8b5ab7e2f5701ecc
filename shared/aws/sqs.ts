import type { AwsClient } from './client';

/**
 * Hands a message to an SQS queue (AWS JSON protocol `SendMessage`), within the caller's deadline.
 *
 * @example
 * const messageId = await sendMessage(aws, queueUrl, { engine: 'dds', instanceId, slack }, deadline);
 */
export async function sendMessage(aws: AwsClient, queueUrl: string, body: object, deadline: number): Promise<string> {
  const answer = await aws.call<{ MessageId?: string }>(
    'sqs',
    'SendMessage',
    { QueueUrl: queueUrl, MessageBody: JSON.stringify(body) },
    { deadline },
  );
  return answer.MessageId ?? '';
}
