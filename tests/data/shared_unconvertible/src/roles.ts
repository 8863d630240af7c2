export const ROLE_DEFAULTS = {
  OWNER: ['users.read', 'users.write'],
  MEMBER: ['users.read'],
} as const;

/** Any permission some role has by default: ts-json-schema-generator fails on it (TSJ-104). */
export type DefaultPermission = (typeof ROLE_DEFAULTS)[keyof typeof ROLE_DEFAULTS][number];

export interface Role {
  /** @minLength 1 */
  key: string;
}

export const describeRole = (role: Role): string => role.key;
