import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserDirectory, type UserDirectoryProps } from '../../../infra/aws';
import { logicalIdOf, newStack, SYNTH_TIMEOUT } from './support';

const props: UserDirectoryProps = { domainPrefix: 'shop-test', callbackUrls: ['https://shop.example.com/callback'] };

describe('UserDirectory', () => {
  let template: Template;
  let stack: ReturnType<typeof newStack>;
  let directory: UserDirectory;

  beforeAll(() => {
    stack = newStack();
    directory = new UserDirectory(stack, 'Identity', props);
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('lets shoppers sign up with their email, verified by a code, under a strong password policy and optional TOTP', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      UserPoolTier: 'ESSENTIALS',
    });
  });

  it('keeps the pool, and every account in it, when it leaves the stack by default', () => {
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has an admin group, the name the gateway checks', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: 'admin',
      UserPoolId: { Ref: logicalIdOf(template, 'AWS::Cognito::UserPool') },
    });
    expect(directory.adminGroupName).toBe('admin');
    expect(directory.groupsClaim).toBe('cognito:groups');
  });

  it('has one public client: no secret, the authorization code flow and SRP only, 15-minute access tokens', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['https://shop.example.com/callback'],
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      SupportedIdentityProviders: ['COGNITO'],
      AccessTokenValidity: 15,
      TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes' }),
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
    // No implicit flow (tokens in URLs) and no password sent to the pool in clear.
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient'))[0]?.Properties;
    expect(client.AllowedOAuthFlows).not.toContain('implicit');
    expect(client.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'shop-test' });
  });

  it('exposes the issuer and the client id the gateway verifies tokens against', () => {
    const poolId = logicalIdOf(template, 'AWS::Cognito::UserPool');
    expect(stack.resolve(directory.issuer)).toEqual({ 'Fn::GetAtt': [poolId, 'ProviderURL'] });
    expect(stack.resolve(directory.clientId)).toEqual({ Ref: logicalIdOf(template, 'AWS::Cognito::UserPoolClient') });
  });

  it('turns on threat protection, SES email and deletion protection when asked', () => {
    const prodStack = newStack();
    new UserDirectory(prodStack, 'Identity', {
      ...props,
      threatProtection: true,
      sesSender: { fromEmail: 'shop@example.com', verifiedDomain: 'example.com' },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Template.fromStack(prodStack).hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
      EmailConfiguration: Match.objectLike({ EmailSendingAccount: 'DEVELOPER', From: 'shop@example.com' }),
    });
  });

  it.each([
    [{ domainPrefix: 'Shop' }, "UserDirectory X: domainPrefix must be lowercase letters, digits and hyphens (at most 63) without 'aws', 'amazon' or 'cognito', got 'Shop'"],
    [{ domainPrefix: 'my-cognito-shop' }, /domainPrefix must be .* got 'my-cognito-shop'/],
    [{ callbackUrls: [] }, 'UserDirectory X: callbackUrls must name at least one URL for the code flow'],
    [{ callbackUrls: ['http://shop.example.com/callback'] }, "UserDirectory X: redirect URL 'http://shop.example.com/callback' must be https (http only for localhost) and carry no fragment"],
    [{ callbackUrls: ['https://shop.example.com/#cb'] }, /redirect URL 'https:\/\/shop.example.com\/#cb'/],
    [{ accessTokenValidity: Duration.hours(25) }, 'UserDirectory X: accessTokenValidity must be between 5 minutes and 1 day, got 1 day 1 hour'],
  ] as [Partial<UserDirectoryProps>, string | RegExp][])('rejects %j', (override, message) => {
    expect(() => new UserDirectory(newStack(), 'X', { ...props, ...override })).toThrow(message);
  });

  it('accepts http for localhost only, for a command-line client in development', () => {
    expect(() => new UserDirectory(newStack(), 'X', { ...props, callbackUrls: ['http://localhost/callback'] })).not.toThrow();
  });
});
