/**
 * The identity headers the gateway sets from a verified token (or a service sets for itself), for
 * tests that call a service directly. Subjects are those of the local identity provider's accounts.
 */
export const ADA = '6f1d2c3a-0b7e-4c1a-9d3e-000000000a0a';
export const GRACE = '6f1d2c3a-0b7e-4c1a-9d3e-000000000c0c';
export const ADMIN = '6f1d2c3a-0b7e-4c1a-9d3e-0000000ad000';

export const asUser = (subject: string) => ({ 'x-caller-subject': subject, 'x-caller-roles': '' });
export const asAdmin = (subject = ADMIN) => ({ 'x-caller-subject': subject, 'x-caller-roles': 'admin' });
export const asService = (name: string) => ({ 'x-caller-service': name });
