import { afterAll, describe, expect, it } from 'vitest';
import { Camera } from '../../src/evidence/index.ts';

/**
 * The camera against hostile pages, in real Chromium. What a script would do is made visible in
 * the photograph's height: a page whose script grows it to 50,000 px stays short when scripts are
 * off, and a page that is really tall is cut at the bound.
 */
const camera = new Camera({ maxHeightPx: 3000 });
afterAll(() => camera.close());

const shoot = (html: string, url = 'https://hostile.example/post/') =>
  camera.shoot({
    url,
    contentType: 'text/html; charset=utf-8',
    body: Buffer.from(html),
    capturedAt: new Date('2026-12-01T10:00:00Z'),
  });

describe('Camera', () => {
  it('runs no script of the page', async () => {
    const shot = await shoot(
      '<p>short page</p><script>document.body.style.height = "50000px"; document.title = "ran"</script>',
    );
    expect(shot.taken).toBe(true);
    if (!shot.taken) return;
    expect(shot.cut).toBe(false);
    expect(shot.height).toBeLessThan(1200);
  }, 60_000);

  it('cuts a tall page at the bound and says so', async () => {
    const shot = await shoot(`<div style="height:20000px;background:linear-gradient(red,blue)">tall</div>`);
    expect(shot.taken).toBe(true);
    if (!shot.taken) return;
    expect(shot.cut).toBe(true);
    // The bound plus the label above it.
    expect(shot.height).toBeGreaterThan(3000);
    expect(shot.height).toBeLessThan(3200);
  }, 60_000);

  it('refuses a refresh to another page and still photographs the stored one', async () => {
    const shot = await shoot(
      '<meta http-equiv="refresh" content="0;url=https://elsewhere.example/"><p>stays</p><img src="https://tracker.example/x.png">',
    );
    expect(shot).toMatchObject({ taken: true, cut: false });
  }, 60_000);

  it('says why when there is no browser, and keeps saying it without trying again', async () => {
    const absent = new Camera({ executablePath: '/nonexistent/chromium' });
    const first = await absent.shoot({
      url: 'https://a.example/',
      contentType: 'text/html',
      body: Buffer.from('<p>x</p>'),
      capturedAt: new Date(),
    });
    expect(first).toEqual({
      taken: false,
      reason: 'Chromium is not available: no browser at /nonexistent/chromium',
    });
    await absent.close();
  });
});
