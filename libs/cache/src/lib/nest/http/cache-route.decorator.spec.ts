import { CACHE_METADATA } from '../cache.constants';
import { CacheRoute, NoCache } from './cache-route.decorator';
import { compileRouteTemplate } from '../../http/route-template';

const request = (url: string, params: Record<string, string> = {}) => ({
  method: 'GET',
  url,
  headers: {},
  params,
});

describe('CacheRoute', () => {
  it('should store its options on the method, and on the class when it decorates one', () => {
    class Controller {
      @CacheRoute({ key: 'bid:{id}', ttl: { l3: '1m' } })
      find() {
        return 1;
      }
    }
    @CacheRoute({ ttl: '5m' })
    class Whole {}
    expect(Reflect.getMetadata(CACHE_METADATA.route, Controller.prototype.find)).toEqual({
      key: 'bid:{id}',
      ttl: { l3: '1m' },
    });
    expect(Reflect.getMetadata(CACHE_METADATA.route, Whole)).toEqual({ ttl: '5m' });
  });

  it.each([
    [{ key: 'bid:{}' }, /Controller\.find: key: placeholder \{\}/],
    [{ key: 'bid:{id' }, /unbalanced brace/],
    [{ tags: ['ok', 'bad:{a.b}'] }, /tags\[1\]: placeholder \{a\.b\}/],
    [{ ttl: { l2: 'soon' } }, /ttl\.l2: "soon" is not a duration/],
    [{ ttl: -1 }, /ttl: -1 is not a valid duration/],
    [{ swr: '1 fortnight' }, /swr/],
    [{ vary: { user: 'yes' } }, /vary\.user/],
    [{ vary: { headers: ['bad header'] } }, /vary\.headers/],
    [{ statuses: [200, 700] }, /statuses/],
    [{ public: 'yes' }, /public must be a boolean/],
    [{ ttlFor: '60s' }, /ttlFor must be a function/],
  ])('should refuse %j at class definition, naming the method and field', (options, message) => {
    expect(() => {
      class Controller {
        @CacheRoute(options as never)
        find() {
          return 1;
        }
      }
      return Controller;
    }).toThrow(message);
  });
});

describe('NoCache', () => {
  it('should mark a method and a class', () => {
    class Controller {
      @NoCache()
      find() {
        return 1;
      }
    }
    @NoCache()
    class Whole {}
    expect(Reflect.getMetadata(CACHE_METADATA.noCache, Controller.prototype.find)).toBe(true);
    expect(Reflect.getMetadata(CACHE_METADATA.noCache, Whole)).toBe(true);
  });
});

describe('compileRouteTemplate()', () => {
  it('should read route parameters, then query parameters', () => {
    const template = compileRouteTemplate('bids:buyer:{buyerId}:{state}', 'test');
    expect(template.render(request('/x?state=CA', { buyerId: '7' }))).toBe('bids:buyer:7:CA');
  });

  it('should render nothing when a placeholder has no value', () => {
    const template = compileRouteTemplate('bid:{id}', 'test');
    expect(template.render(request('/x'))).toBeUndefined();
    expect(template.render(request('/x?id='))).toBeUndefined();
  });

  it('should render a literal template as is', () => {
    expect(compileRouteTemplate('bids', 'test').render(request('/x'))).toBe('bids');
  });
});
