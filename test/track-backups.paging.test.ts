import { describe, expect, it } from 'vitest';
import type { UpstreamAnswer } from '../shared/huawei/client';
import { listAllBackups, PAGE_SIZE } from '../shared/huawei/backup-list';

/**
 * The tracker's list calls page through an instance's backups: one call per page of 100, every page read until
 * Huawei Cloud has listed them all, whatever the entries on a page say. Huawei Cloud is a small fake of our own
 * client port that serves one instance's list, page by page, as the reference describes it.
 */
class ListingHuawei {
  readonly queries: Array<Record<string, string>> = [];
  constructor(private readonly entries: Array<Record<string, unknown>>) {}

  async post(): Promise<UpstreamAnswer> {
    throw new Error('the tracker creates nothing');
  }

  async get(_service: 'dds' | 'rds', _path: string, query: Record<string, string>): Promise<UpstreamAnswer> {
    this.queries.push(query);
    const offset = Number(query.offset ?? 0);
    const limit = Number(query.limit ?? 100);
    return {
      status: 200,
      body: { backups: this.entries.slice(offset, offset + limit), total_count: this.entries.length },
      requestId: 'r',
    } as unknown as UpstreamAnswer;
  }
}

const entry = (i: number, status = 'COMPLETED') => ({
  id: `backup-${i}`,
  name: `nightly-${i}`,
  instance_id: 'i-1',
  begin_time: '2026-11-25 10:00:00',
  end_time: '2026-11-25 10:05:00',
  status,
  size: 1024,
});
const window = { from: new Date('2026-11-25T09:00:00Z'), to: new Date('2026-11-25T11:00:00Z') };

describe('paging through an instance’s backups', () => {
  it('asks once per page of 100', async () => {
    const huawei = new ListingHuawei(Array.from({ length: 250 }, (_, i) => entry(i)));
    const listed = await listAllBackups(huawei, 'p', 'dds', { instanceId: 'i-1', window }, Date.now() + 10_000);

    expect(listed).toHaveLength(250);
    expect(huawei.queries.map((query) => [query.offset, query.limit])).toEqual([
      ['0', String(PAGE_SIZE)],
      ['100', String(PAGE_SIZE)],
      ['200', String(PAGE_SIZE)],
    ]);
  });

  it('reads the next page even when a full page holds an entry with a status it does not know', async () => {
    const entries = Array.from({ length: 150 }, (_, i) => entry(i, i === 7 ? 'RESTORING' : 'COMPLETED'));
    const huawei = new ListingHuawei(entries);
    const listed = await listAllBackups(huawei, 'p', 'dds', { instanceId: 'i-1', window }, Date.now() + 10_000);

    expect(huawei.queries).toHaveLength(2);
    expect(listed).toHaveLength(149);
    expect(listed.map((backup) => backup.id)).toContain('backup-149');
  });

  it('stops at a short page, and when an empty page says nothing more is listed', async () => {
    const huawei = new ListingHuawei(Array.from({ length: 100 }, (_, i) => entry(i)));
    expect(await listAllBackups(huawei, 'p', 'dds', { instanceId: 'i-1' }, Date.now() + 10_000)).toHaveLength(100);
    expect(huawei.queries).toHaveLength(1);
  });
});
