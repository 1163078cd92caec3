import { isAdditive } from '../../sql/ops';
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
    const risky = firstNonAdditive(ctx.allUpOps.filter((op) => op.undo === undefined));
    const name = FRAMEWORK_NAMES[unit.framework];
    if (unit.down.state === 'absent' && risky && unit.upHere) {
      ctx.report({
        span: risky.span,
        reason: `no down (${unit.down.expected})`,
        message: `This ${name} migration changes the schema in a way the previous release cannot run against, and has no down (${unit.down.expected}): rolling back means writing one under pressure. Add the down, or make the change additive.`,
      });
    } else if (unit.down.state === 'present' && risky && isEmptyDown(unit.down.ops)) {
      const span = unit.down.here ? unit.down.anchor : unit.upHere ? risky.span : undefined;
      if (span) {
        ctx.report({
          span,
          reason: `the down (${unit.down.label}) undoes nothing`,
          message: `The down (${unit.down.label}) undoes nothing, but the up is not additive: rolling back runs it "successfully" and leaves the new schema in place. Write the statements that restore the previous schema, or state that the migration is irreversible.`,
        });
      }
    }
    if (!unit.upHere) return;
    for (const op of unit.up) {
      const undo = op.undo;
      if (!undo || isAdditive(op)) continue;
      if (undo.kind === 'none') {
        ctx.report({ span: op.span, reason: `cannot be reversed (${undo.why})`, message: `${name} cannot reverse this operation (${undo.why}), so rolling the migration back fails here. ${undo.why.includes('reverse') ? 'Give it a reverse' : 'Write the reverse explicitly (up/down, or a reversible block)'}.` });
      } else if (undo.kind === 'ops' && isEmptyDown(undo.ops)) {
        ctx.report({ span: op.span, reason: 'the reverse is a no-op', message: `The reverse of this operation is a no-op, but the operation is not additive: rolling back "succeeds" and leaves the change in place. Write a reverse that restores the previous state, or mark the migration irreversible.` });
      }
    }
  },
});
