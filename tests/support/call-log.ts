/**
 * A real object (a store) whose method calls are written down as they settle: which method,
 * with which arguments, and what it returned. For tests that ask how often something was done
 * across several runs (freezing, preparing) or what a run was handed (send slots).
 */
export interface LoggedCall {
  method: string;
  args: unknown[];
  result: unknown;
}

export function withCallLog<T extends object>(target: T, log: LoggedCall[]): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = Reflect.apply(value, object, args) as unknown;
        const record = (settled: unknown) => log.push({ method: String(property), args, result: settled });
        if (result instanceof Promise) return result.then((settled: unknown) => (record(settled), settled));
        record(result);
        return result;
      };
    },
  });
}

/** How many logged calls were to `method`. */
export function callsTo(log: readonly LoggedCall[], method: string): LoggedCall[] {
  return log.filter((call) => call.method === method);
}
