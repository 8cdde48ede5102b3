import { Type } from '@sinclair/typebox';
import { serverConfig } from '../../shared/config';
import { sqlConfig } from '../../shared/sql';

export const UsersConfig = Type.Object({
  ...serverConfig(5001),
  ...sqlConfig,
});
