import { Topic } from './topics';

describe('Topic', () => {
  const topics = Object.values(Topic);

  it('should name every topic <domain>.<entity>.<event>.v<N>', () => {
    for (const topic of topics) expect(topic).toMatch(/^[a-z]+\.[a-z-]+\.[a-z]+\.v[1-9][0-9]*$/);
  });

  it('should publish entity changes on `changed` topics, the immutable call records excepted', () => {
    const others = topics.filter((topic) => topic.split('.')[2] !== 'changed');
    // A call record is only ever created: see "Naming and versioning" in the README.
    expect(others).toEqual([Topic.CallRecorded]);
  });
});
