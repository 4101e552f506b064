import { WebhookRefusal } from '../../../src/feedback/webhooks/webhook-request.js';

/** The refusal `run` throws; fails the test when it throws anything else or nothing. */
export function refusal(run: () => unknown): WebhookRefusal {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookRefusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** The refusal `promise` rejects with. */
export async function refusalOf(promise: Promise<unknown>): Promise<WebhookRefusal> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof WebhookRefusal)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}
