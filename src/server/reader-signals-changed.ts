/**
 * After a reader's own action changed their votes or interests: the composition root's
 * SignalsChanged (retraining their model, src/personal) runs after the response, so the
 * reader never waits for it and a failure is logged, never shown — what they did is stored.
 */
import type { RouteContext } from './dependencies.js';

export function afterSignalsChanged(context: Pick<RouteContext, 'background' | 'signalsChanged'>, subscriberId: number): void {
  context.background.run(`after subscriber #${subscriberId}'s votes or interests changed`, () => context.signalsChanged(subscriberId));
}
