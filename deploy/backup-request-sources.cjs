'use strict';

/**
 * The EventBridge sources whose "Backup Requested" events reach the queue, as the list an EventPattern needs:
 * serverless.yml's `backupRequestSources` parameter (from BACKUP_REQUEST_SOURCES) is JSON text, and a variable
 * alone would put that text, not a list, into the pattern. A value that is not a list of source names stops
 * the deployment, naming the variable.
 *
 * @example
 * // serverless.yml
 * // EventPattern: { source: ${file(./deploy/backup-request-sources.cjs)} }
 */
module.exports = async ({ resolveVariable }) => {
  const text = await resolveVariable('param:backupRequestSources');
  const refuse = (why) => {
    const example = '\'["backup-gateway.client"]\'';
    throw new Error(`BACKUP_REQUEST_SOURCES must be a JSON list of EventBridge source names, e.g. ${example}: ${why}`);
  };
  let sources;
  try {
    sources = JSON.parse(text);
  } catch {
    refuse('it is not JSON');
  }
  if (!Array.isArray(sources) || sources.length === 0) refuse('it is not a list with at least one source');
  const named = (source) => typeof source === 'string' && source.trim() !== '';
  if (!sources.every(named)) refuse('every source must be a non-empty string');
  return sources;
};
