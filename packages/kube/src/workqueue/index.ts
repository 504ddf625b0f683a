export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from './ratelimiter.ts';
export type { Clock, RateLimiter } from './ratelimiter.ts';
export { WorkQueue } from './queue.ts';
export type { WorkQueueOptions } from './queue.ts';
