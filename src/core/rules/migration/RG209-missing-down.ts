import { FRAMEWORK_NAMES } from '../../migrations/layout';
import { isEmptyDown } from '../../migrations/model';
import { defineMigrationRule, firstNonAdditive } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG209',
    name: 'missing-down',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'migration',
    summary: 'A non-additive up migration has no down (or a down that does nothing), so the schema cannot be rolled back with the tool.',
    help: 'Write the down that restores the previous schema (and say in it what data it cannot bring back), or make the up additive so the previous release runs against it unchanged.',
  },
  check(ctx) {
    const { unit } = ctx;
    // Said once per up/down pair, in the up (at the down when it is in the same file).
    if (!unit.upHere) return;
    // An enum value cannot be removed by any down: RG208 says so; a down that leaves it is no missing down.
    const first = firstNonAdditive(ctx, ctx.allUpOps.filter((op) => op.undo === undefined && op.kind !== 'enum-add-value'));
    // A migration in several files (steps) is said once, in the file of its first non-additive step.
    const risky = first?.elsewhere ? undefined : first;
    const name = FRAMEWORK_NAMES[unit.framework];
    if (unit.down.state === 'absent' && risky) {
      ctx.report({
        span: risky.span,
        reason: `no down (${unit.down.expected})`,
        message: `This ${name} migration is not additive and has no down (${unit.down.expected}). The previous release cannot run against it, and rolling back means writing the down under pressure. Add the down, or make the change additive.`,
      });
    } else if (unit.down.state === 'present' && risky && isEmptyDown(unit.down.ops)) {
      const span = unit.down.here && !unit.before && !unit.after ? unit.down.anchor : risky.span;
      const refusal = unit.down.ops.find((op) => op.kind === 'irreversible');
      if (span && refusal?.kind === 'irreversible') {
        ctx.report({
          span,
          reason: `irreversible: the down (${unit.down.label}) refuses`,
          message: `This migration is irreversible: its down (${unit.down.label}) stops a rollback with \`${refusal.what}\`. The up is not additive, so the way back is a fix-forward migration (or a restore). Plan it before the release, or make the change additive.`,
        });
      } else if (span) {
        ctx.report({
          span,
          reason: `the down (${unit.down.label}) undoes nothing`,
          message: `The down (${unit.down.label}) undoes nothing, but the up is not additive: rolling back leaves the new schema in place. The rollback "succeeds" and the previous release meets the new schema. Write the statements that restore the previous schema, or state that the migration is irreversible.`,
        });
      }
    }
    // A constraint dropped and re-created is no schema change, but a framework that cannot reverse the drop still stops the rollback there.
    const replaced = (table: string) => ctx.upOps.some((a) => a.kind === 'add-constraint' && a.table === table && ctx.isReplacement(a));
    const refused = (unit.upHere ? unit.up : []).find((op) => op.kind === 'drop-constraint' && op.undo?.kind === 'none' && !op.elsewhere && !ctx.upOps.includes(op) && replaced(op.table));
    if (refused?.undo?.kind === 'none' && !ctx.upOps.some((op) => op.undo?.kind === 'none' && !ctx.isAdditive(op))) {
      const what = unit.framework === 'liquibase' ? 'changeSet' : 'migration';
      const fix = unit.framework === 'liquibase' ? 'Add a `<rollback>` to the changeSet.' : 'Write the reverse explicitly (`up`/`down`, or a `reversible` block).';
      ctx.report({
        span: refused.span,
        reason: `cannot be reversed (${refused.undo.why})`,
        message: `Rolling this ${what} back fails at this constraint drop, though the ${what} re-creates the constraint. ${refused.undo.why}: ${name} stops the rollback here. ${fix}`,
      });
    }
    let noopSaid = false;
    for (const op of ctx.upOps) {
      const undo = op.undo;
      if (!undo || ctx.isAdditive(op)) continue;
      if (undo.kind === 'none') {
        const what = unit.framework === 'liquibase' ? 'changeSet' : 'migration';
        const fix = unit.framework === 'liquibase' ? 'Add a `<rollback>` to the changeSet.' : unit.framework === 'django' ? 'Give the operation its reverse.' : 'Write the reverse explicitly (`up`/`down`, or a `reversible` block).';
        ctx.report({ span: op.span, reason: `cannot be reversed (${undo.why})`, message: `Rolling this ${what} back fails here: ${undo.why}. ${name} stops the rollback at this operation. ${fix}` });
      } else if (undo.kind === 'ops' && isEmptyDown(undo.ops) && !noopSaid) {
        // Once per migration: the rollback leaves every such operation in place alike.
        noopSaid = true;
        ctx.report({ span: op.span, reason: 'the reverse is a no-op', message: `The reverse of this operation is a no-op, but the operation is not additive: rolling back leaves it in place. The rollback "succeeds" with the change still there. Write a reverse that restores the previous state, or mark the migration irreversible.` });
      }
    }
  },
});
