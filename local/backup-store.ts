import type { StoredBackup } from './huawei-stand-in';

/**
 * The stand-in's backups, kept by id and by instance, so that a request costs the same after thousands of them.
 *
 * @example
 * const store = new BackupStore();
 * store.add(backup);
 * store.newestOf(backup.instanceId); // → backup
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

  /** The instance's latest backup: every backup takes as long to build, so no earlier one is still building. */
  newestOf(instanceId: string): StoredBackup | undefined {
    return this.byInstance.get(instanceId)?.at(-1);
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
