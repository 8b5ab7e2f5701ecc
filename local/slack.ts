import { createServer } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './loopback-server';

/**
 * A loopback stand-in for Slack's response URLs and incoming webhooks, for `npm start` and the tests: it keeps
 * (and prints) every message posted to it, and can be scripted to answer as Slack does when it is busy or the URL
 * has expired.
 */
export interface SlackPost {
  path: string;
  message: { response_type?: string; text?: string };
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface LocalSlack {
  url: string;
  /** A response URL under this stand-in, shaped like Slack's. */
  responseUrl(id: string): string;
  readonly posts: SlackPost[];
  /** The next posts are answered so, one each, in order (then `200 ok` again). */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

/**
 * @example
 * const slack = await startLocalSlack({ print: (post) => console.log(post.message.text) });
 * // SLACK_RESPONSE_URL_PREFIX=slack.url, and commands carry response_url=slack.responseUrl('1')
 */
export async function startLocalSlack({
  port = 0,
  print,
}: {
  port?: number;
  print?: (post: SlackPost) => void;
} = {}): Promise<LocalSlack> {
  const posts: SlackPost[] = [];
  const answers: ScriptedAnswer[] = [];
  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const scripted = answers.shift();
    if (scripted) {
      res.writeHead(scripted.status, { 'Content-Type': 'text/plain', ...scripted.headers });
      res.end(scripted.body ?? '');
      return;
    }
    let message: SlackPost['message'];
    try {
      message = JSON.parse(text);
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('invalid_payload');
      return;
    }
    const post = { path: req.url ?? '/', message };
    posts.push(post);
    print?.(post);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  });
  const url = await listenOnLoopback(server, port);
  return {
    url,
    responseUrl: (id) => `${url}/commands/T0LOCAL/${id}/response`,
    posts,
    script: (...next) => answers.push(...next),
    close: () => closeServer(server),
  };
}
