import { describe, expect, it } from 'vitest';
import { createLogChannel, maskEmail } from '../../../runtime/notifications/src/channels';

describe('the log channel', () => {
  it('logs the message with the recipient masked, never the address', async () => {
    const lines: unknown[] = [];
    const channel = createLogChannel({ info: ((object: unknown) => lines.push(object)) as never });
    await channel.send({ to: 'ada.lovelace@example.com', subject: 'Your order o-1 is confirmed', text: 'Thank you' });
    expect(lines).toEqual([{ notification: { to: 'a***@example.com', subject: 'Your order o-1 is confirmed', text: 'Thank you' } }]);
    expect(JSON.stringify(lines)).not.toContain('ada.lovelace');
  });

  it.each([
    ['ada@example.com', 'a***@example.com'],
    ['x@y.z', 'x***@y.z'],
    ['@example.com', '***'],
    ['not an address', '***'],
  ])('masks %s as %s', (address, masked) => {
    expect(maskEmail(address)).toBe(masked);
  });
});
