/**
 * `Promise.withResolvers`, which aws-local-stepfunctions calls and Node 20 lacks (Node 22, the Lambda runtime, has
 * it). A module of its own so the simulator can load it without the local Step Functions endpoint.
 */
const promiseStatics = Promise as unknown as { withResolvers?: () => unknown };
promiseStatics.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
