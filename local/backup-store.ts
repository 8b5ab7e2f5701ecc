import type { StoredBackup } from './huawei-stand-in';

/**
 * The stand-in's backups, kept by id and by instance, so that a request costs the same after thousands of them.
 *
 * @example
 * const store = new BackupStore();
 * store.add(backup);
 * store.ofInstance(backup.instanceId); // → [backup]
 */
export class BackupStore {
  private readonly byId = new Map<string, StoredBackup>();
  private readonly byInstance = new Map<string, StoredBackup[]>();

  add(backup: StoredBackup): void {
    this.byId.set(backup.id, backup);
    const ofInstance = this.byInstance.get(backup.instanceId);
    if (ofInstance) ofInstance.push(backup);
    else this.byInstance.set(backup.instanceId, [backup]);
  }

  /** The instance's backups, oldest first. */
  ofInstance(instanceId: string): StoredBackup[] {
    return this.byInstance.get(instanceId) ?? [];
  }

  /** Every backup, oldest first. */
  all(): StoredBackup[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
    this.byInstance.clear();
  }
}
