import type { LlmGeneration, LlmScores, PlausibilityVerdict } from '@idlegrid/protocol/llm';

/**
 * When a generated answer is plausible under the model, judged from teacher-forced scores
 * (see runtimes/llm/score.ts). An honest provider's tokens were sampled from the model's own
 * distribution, cut by top-k/top-p: each one is likely, and the rare unlikely pick is what
 * `maxImplausibleShare` allows. Made-up or swapped tokens are, almost always, far below the floor.
 */
export interface PlausibilityPolicy {
  /** ln p below which a token is implausible (default ln 1e-4). */
  tokenFloor: number;
  /** Share of implausible tokens tolerated (default 2%). */
  maxImplausibleShare: number;
  /** Lowest mean ln p over the answer (default ln 0.05). */
  meanFloor: number;
}

export const DEFAULT_PLAUSIBILITY: PlausibilityPolicy = {
  tokenFloor: Math.log(1e-4),
  maxImplausibleShare: 0.02,
  meanFloor: Math.log(0.05),
};

export function judgeGeneration(
  claimed: Pick<LlmGeneration, 'text' | 'tokens'> & { usage?: LlmGeneration['usage'] },
  scores: Pick<LlmScores, 'logprobs' | 'text'> & { usage?: LlmScores['usage'] },
  policy: PlausibilityPolicy = DEFAULT_PLAUSIBILITY,
): PlausibilityVerdict {
  const { logprobs } = scores;
  const implausibleTokens = logprobs.filter((logprob) => logprob < policy.tokenFloor).length;
  const meanLogprob = logprobs.length ? logprobs.reduce((a, b) => a + b, 0) / logprobs.length : 0;
  const verdict = (reason?: string): PlausibilityVerdict => ({
    plausible: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
    meanLogprob,
    implausibleTokens,
  });
  if (logprobs.length !== claimed.tokens.length) {
    return verdict(`${logprobs.length} scores for ${claimed.tokens.length} tokens`);
  }
  // The text is what the client reads: it must be exactly what the scored tokens decode to.
  if (scores.text !== claimed.text) return verdict('the text is not what its tokens decode to');
  // What the client is billed for: the scorer read the prompt and the answer, and counted them.
  if (claimed.usage && scores.usage) {
    const billed = claimed.usage.promptTokens + claimed.usage.completionTokens;
    if (billed !== scores.usage.promptTokens || claimed.usage.completionTokens !== claimed.tokens.length) {
      return verdict(`${billed} tokens billed, ${scores.usage.promptTokens} processed`);
    }
  }
  const allowed = Math.floor(policy.maxImplausibleShare * logprobs.length);
  if (implausibleTokens > allowed) {
    return verdict(
      `${implausibleTokens} of ${logprobs.length} tokens are below ln p ${policy.tokenFloor.toFixed(1)}`,
    );
  }
  if (meanLogprob < policy.meanFloor) {
    return verdict(`mean ln p ${meanLogprob.toFixed(2)} is below ${policy.meanFloor.toFixed(2)}`);
  }
  return verdict();
}
