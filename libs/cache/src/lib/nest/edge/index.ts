export type { EdgePurger } from './edge-purger';
export { EdgePurgeError, EDGE_PURGE_FAILED } from './edge-purge.error';
export { VarnishPurger, type VarnishPurgerOptions } from './varnish.purger';
export { CloudFrontPurger, type CloudFrontPurgerOptions, type CloudFrontSender } from './cloudfront.purger';
export { CompositePurger } from './composite.purger';
export { toSurrogateKey, surrogateKeys } from '../../http/surrogate-keys';
