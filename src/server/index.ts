/** `syndicate serve`: the feeds and the review pages over HTTP. */

export { type EvidenceBytes, type EvidenceSource, noEvidence, storedEvidence } from './evidence.ts';
export { chooseEncoding, FEED_TYPES, FeedFiles } from './feeds.ts';
export {
  checkBindPolicy,
  checkToken,
  generateToken,
  isLoopback,
  MIN_TOKEN_BITS,
  tokenBits,
} from './policy.ts';
export { type RunningServer, SERVER_LIMITS, type ServeOptions, startServer } from './server.ts';
