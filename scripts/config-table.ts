import { CONFIGURATION } from '../shared/config';

/**
 * The README's configuration table, made from the one schema: `npx tsx scripts/config-table.ts` prints it, and
 * a test checks that the README holds it as printed.
 *
 * @example
 * configurationTable() // → '| variable | default | read by | meaning |\n|---|---|---|---|\n| `HUAWEICLOUD_SDK_PROJECT_ID` | … |'
 */
export function configurationTable(): string {
  const allFunctions = new Set(Object.values(CONFIGURATION).flatMap((spec) => spec.usedBy));
  const rows = Object.entries(CONFIGURATION).map(([name, spec]) => {
    const readBy = spec.usedBy.length === allFunctions.size ? 'all' : spec.usedBy.map((fn) => `\`${fn}\``).join(', ');
    const fallback = 'default' in spec && spec.default !== undefined ? (spec.default === '' ? 'empty' : `\`${spec.default}\``) : '—';
    return `| \`${name}\` | ${fallback} | ${readBy} | ${spec.description} |`;
  });
  return ['| variable | default | read by | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

if (require.main === module) console.log(configurationTable());
