import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledgeFindings } from './nag-acknowledgements';

/** Sending Cognito's own emails (verification codes, password resets) through SES instead of Cognito's small daily quota. */
export interface UserDirectorySesSender {
  /** The From address; must belong to the verified domain. */
  readonly fromEmail: string;
  /** The domain verified in SES in the stack's region. */
  readonly verifiedDomain: string;
}

export interface UserDirectoryProps {
  /**
   * Prefix of the Cognito domain (`https://<prefix>.auth.<region>.amazoncognito.com`) that serves the authorization and
   * token endpoints of the code flow. Unique within the region across all AWS accounts.
   */
  readonly domainPrefix: string;
  /** Where the authorization endpoint may send a code: exact URLs, https except for `http://localhost` (Cognito's rule). */
  readonly callbackUrls: readonly string[];
  /**
   * Where sign-out may return to.
   * @default the callback URLs
   */
  readonly logoutUrls?: readonly string[];
  /**
   * How long an access token is valid. Short, because the gateway cannot revoke one it has already accepted.
   * @default Duration.minutes(15)
   */
  readonly accessTokenValidity?: Duration;
  /**
   * How long a refresh token is valid.
   * @default Duration.days(30)
   */
  readonly refreshTokenValidity?: Duration;
  /**
   * Cognito's Plus feature plan with threat protection enforced (compromised credentials, risky sign-ins).
   * It is billed per monthly active user on top of Essentials.
   * @default false
   */
  readonly threatProtection?: boolean;
  /**
   * Send Cognito's emails through SES.
   * @default - Cognito's own sender, limited to a few dozen emails a day
   */
  readonly sesSender?: UserDirectorySesSender;
  /**
   * Refuse to delete the user pool until this is turned off.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the user pool (every account in it) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The group whose members the gateway treats as administrators (OIDC_ADMIN_GROUP). */
export const ADMIN_GROUP = 'admin';
/** The claim of a Cognito access token that lists the user's groups (OIDC_GROUPS_CLAIM). */
export const COGNITO_GROUPS_CLAIM = 'cognito:groups';

/** Shortest and longest access token lifetimes Cognito accepts. */
const ACCESS_TOKEN_BOUNDS = { min: Duration.minutes(5), max: Duration.days(1) };
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The shop's identity provider: an Amazon Cognito user pool where shoppers sign up with their email, and one public
 * app client through which the API's users obtain access tokens by the authorization code flow with PKCE. The gateway
 * verifies those tokens against the pool's issuer (`issuer`) and this client's id (`clientId`).
 */
export class UserDirectory extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The issuer of the pool's tokens (`iss`), whose JWKS is at `${issuer}/.well-known/jwks.json`. */
  readonly issuer: string;
  /** The public client's id: the `client_id` claim of its access tokens, which the gateway takes as the audience. */
  readonly clientId: string;
  readonly adminGroupName = ADMIN_GROUP;
  readonly groupsClaim = COGNITO_GROUPS_CLAIM;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);
    validate(id, props);
    const accessTokenValidity = props.accessTokenValidity ?? Duration.minutes(15);
    const deletionProtection = props.deletionProtection ?? false;

    this.userPool = new cognito.UserPool(this, 'Pool', {
      signInAliases: { email: true },
      signInCaseSensitive: false,
      selfSignUpEnabled: true,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // An address changes only once its owner confirms the new one; until then sign-in keeps the old one.
      keepOriginal: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      // Authenticator apps only: SMS codes can be intercepted and cost money per message.
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: props.threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(props.threatProtection ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      ...(props.sesSender
        ? {
            email: cognito.UserPoolEmail.withSES({
              fromEmail: props.sesSender.fromEmail,
              sesVerifiedDomain: props.sesSender.verifiedDomain,
              sesRegion: Stack.of(this).region,
            }),
          }
        : {}),
      deletionProtection,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: ADMIN_GROUP,
      description: 'Manage products and users, read every order and the analytics',
    });

    this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix } });

    this.client = this.userPool.addClient('ApiClient', {
      // A public client (browser, CLI): a secret could not be kept, so there is none; PKCE protects the code instead.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [...props.callbackUrls],
        logoutUrls: [...(props.logoutUrls ?? props.callbackUrls)],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity,
      idTokenValidity: accessTokenValidity,
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.days(30),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });

    this.issuer = this.userPool.userPoolProviderUrl;
    this.clientId = this.client.userPoolClientId;

    acknowledgeFindings(
      this.userPool,
      ['AwsSolutions-COG2'],
      'MFA is optional (TOTP) so that shoppers can sign up and order without an authenticator app; administrators are expected to enrol (docs/architecture.md).',
    );
    if (!props.threatProtection) {
      acknowledgeFindings(
        this.userPool,
        ['AwsSolutions-COG8'],
        'Threat protection (Plus plan) is off by configuration in this environment (dev), which holds test accounts only; prod turns it on.',
      );
    }
  }
}

function validate(id: string, props: UserDirectoryProps): void {
  const name = `UserDirectory ${id}`;
  if (!DOMAIN_PREFIX.test(props.domainPrefix) || /aws|amazon|cognito/.test(props.domainPrefix)) {
    throw new Error(
      `${name}: domainPrefix must be lowercase letters, digits and hyphens (at most 63) without 'aws', 'amazon' or 'cognito', got '${props.domainPrefix}'`,
    );
  }
  if (props.callbackUrls.length === 0) throw new Error(`${name}: callbackUrls must name at least one URL for the code flow`);
  for (const url of [...props.callbackUrls, ...(props.logoutUrls ?? [])]) {
    if (!isAllowedRedirect(url)) {
      throw new Error(`${name}: redirect URL '${url}' must be https (http only for localhost) and carry no fragment`);
    }
  }
  const validity = props.accessTokenValidity;
  if (validity && !validity.isUnresolved()) {
    const seconds = validity.toSeconds();
    if (seconds < ACCESS_TOKEN_BOUNDS.min.toSeconds() || seconds > ACCESS_TOKEN_BOUNDS.max.toSeconds()) {
      throw new Error(`${name}: accessTokenValidity must be between 5 minutes and 1 day, got ${validity.toHumanString()}`);
    }
  }
}

function isAllowedRedirect(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.hash) return false;
  if (parsed.protocol === 'https:') return true;
  return parsed.protocol === 'http:' && parsed.hostname === 'localhost';
}
