/** `syndicate serve`: the feeds and the review pages over HTTP. */
export { chooseEncoding, FEED_TYPES, FeedFiles } from './feeds.ts';
export { checkBindPolicy, isLoopback, MIN_TOKEN_LENGTH } from './policy.ts';
export { type RunningServer, type ServeOptions, startServer } from './server.ts';
