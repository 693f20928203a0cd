// The HTTP cache's options are framework-free (they live beside the engine); Nest users import them here too.
export * from '../../http/http-cache-options';
