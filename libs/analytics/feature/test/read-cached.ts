import { readJson } from '@platform/service-kit/testing';

/** GETs `url`: the status, the `x-cache` header the service's response cache set (HIT/MISS), the JSON body. */
export async function readCached(url: string) {
  const response = await fetch(url);
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    body: await readJson(response),
  };
}
