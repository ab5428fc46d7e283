import { SELF_HOSTED_PLAN, type CurrentPlanResponse } from '@somnus/models';
import { ok, type Result, type SessionActor } from '@somnus/runtime';
import type { AppDeps } from '../deps';

/**
 * The plan current apps assert at startup (docs/protocol.md §6). A self-hosted deployment has no billing:
 * one active team plan with every feature the server has, the seats being the deployment's seat limit.
 */
export async function currentPlan(deps: AppDeps, _actor: SessionActor): Promise<Result<CurrentPlanResponse>> {
  return ok({
    isActive: true,
    period: SELF_HOSTED_PLAN.period,
    planId: SELF_HOSTED_PLAN.planId,
    price: 0,
    quantity: deps.org.orgSeatLimit ?? 0,
    type: SELF_HOSTED_PLAN.type,
  });
}
