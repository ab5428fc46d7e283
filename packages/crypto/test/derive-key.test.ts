import { deriveKey } from '../src';
import { BROWSER_ACCOUNT } from './fixtures/browser-account';

describe('deriveKey', () => {
  it("matches Insomnia's unit-test vector", async () => {
    await expect(deriveKey('Password', 'email', 'salt')).resolves.toBe('fb058595c02ae9660ed7098273bf50e49407942ecc437bf317638d76c4578eae');
  });

  it('matches the browser-generated account vector (hex salt used as ASCII, not decoded)', async () => {
    await expect(deriveKey('Insomnia@123', 'kimmarker613@gmail.com', 'cf42b5345333c160c22d77a23178f73b381ef1dbeef2ccb1621bcd3f696cd1cf')).resolves.toBe(
      '4ffcd69101567aaa8c2132b879b2ebe126f4840ec83b8f353980912c2fcccb0a',
    );
    expect(BROWSER_ACCOUNT.derivedEncKey).toBe('4ffcd69101567aaa8c2132b879b2ebe126f4840ec83b8f353980912c2fcccb0a');
  });

  it('does not normalise its inputs itself (callers must)', async () => {
    await expect(deriveKey('Password ', 'email', 'salt')).resolves.not.toBe('fb058595c02ae9660ed7098273bf50e49407942ecc437bf317638d76c4578eae');
  });
});
