import { describe, expect, it } from 'vitest';
import { isTrustedSender } from './senderCheck';

describe('Electron sender check', () => {
  it('accepts only the top-level frame of the app origin', () => {
    expect(isTrustedSender({ frameUrl: 'file:///opt/carelens/out/renderer/index.html', isMainFrame: true }, ['file://'])).toBe(true);
    expect(isTrustedSender({ frameUrl: 'http://localhost:5173/', isMainFrame: true }, ['http://localhost:5173'])).toBe(true);
  });
  it('refuses subframes, foreign origins, empty and malformed URLs', () => {
    expect(isTrustedSender({ frameUrl: 'file:///opt/carelens/out/renderer/index.html', isMainFrame: false }, ['file://'])).toBe(false);
    expect(isTrustedSender({ frameUrl: 'https://evil.example/', isMainFrame: true }, ['file://'])).toBe(false);
    expect(isTrustedSender({ frameUrl: 'http://localhost:5174/', isMainFrame: true }, ['http://localhost:5173'])).toBe(false);
    expect(isTrustedSender({ frameUrl: 'file:///x.html', isMainFrame: true }, ['http://localhost:5173'])).toBe(false);
    expect(isTrustedSender({ frameUrl: '', isMainFrame: true }, ['file://'])).toBe(false);
    expect(isTrustedSender({ frameUrl: 'not a url', isMainFrame: true }, ['file://'])).toBe(false);
  });
});
