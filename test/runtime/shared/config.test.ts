import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serverConfig } from '../../../runtime/shared/config';
import { createSqlClient, sqlConfig } from '../../../runtime/shared/sql';

const Schema = Type.Object({ ...serverConfig(5001), ...sqlConfig, KAFKA_BROKERS: Type.String({ description: 'host:port list' }) });

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig(Schema, { KAFKA_BROKERS: 'a:9092', PORT: '6000' });
    expect(config).toMatchObject({ PORT: 6000, HOST: '0.0.0.0', LOG_LEVEL: 'info', SQL_DRIVER: 'mysql', KAFKA_BROKERS: 'a:9092' });
  });

  it('names every missing or malformed variable in one error', () => {
    expect(() => loadConfig(Schema, { PORT: 'eighty', SQL_DRIVER: 'oracle' })).toThrowError(ConfigError);
    try {
      loadConfig(Schema, { PORT: 'eighty', SQL_DRIVER: 'oracle' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT="eighty"');
      expect(problems).toContain('SQL_DRIVER="oracle"');
      expect(problems).toContain('KAFKA_BROKERS is required (host:port list)');
    }
  });

  it('requires the variables of the chosen SQL driver', () => {
    expect(() => createSqlClient(loadConfig(Type.Object(sqlConfig), {}))).toThrowError(/MYSQL_URL is required when SQL_DRIVER=mysql/);
    expect(() => createSqlClient(loadConfig(Type.Object(sqlConfig), { SQL_DRIVER: 'data-api', DB_SECRET_ARN: 'arn:aws:x' }))).toThrowError(
      /DB_CLUSTER_ARN is required when SQL_DRIVER=data-api/,
    );
  });
});
