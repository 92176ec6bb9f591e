// App Service Authentication ("Easy Auth") with the agency's Entra ID app registration, in front of the whole app.
//
// It authenticates but never blocks: requireAuthentication false + AllowAnonymous, because the app decides per route
// (decision links work without sign-in, integration routes use function keys, the portal needs a signed-in user). For
// a signed-in user the platform validates the session and passes the user to the app in X-MS-CLIENT-PRINCIPAL (with
// the app roles as "roles" claims); it removes any X-MS-CLIENT-PRINCIPAL* header a caller sends. The app trusts that
// header only because this is on (app setting Auth__Mode=EasyAuth, set in the same deployment): never turn Easy Auth
// off while Auth__Mode is EasyAuth (docs/deployment.md, "Sign-in").
//
// Without a client secret, sign-in uses the OpenID Connect implicit flow for an ID token (form_post): the app
// registration must allow ID tokens. With a secret (useClientSecretSetting), the platform uses the authorization-code
// flow and can also refresh tokens.

@description('The function app.')
param functionAppName string

@description('Application (client) id of the Entra app registration.')
param clientId string

@description('Directory (tenant) id of the app registration.')
param tenantId string

@description('Audiences accepted in bearer tokens besides the client id. Empty: api://<clientId>.')
param allowedAudiences string[]

@description('True: the app registration\'s client secret is in the app setting MICROSOFT_PROVIDER_AUTHENTICATION_SECRET (a Key Vault reference, appsettings.bicep). False: no secret, ID-token sign-in only.')
param useClientSecretSetting bool

@description('How long a sign-in session lasts (hh:mm:ss).')
param sessionLifetime string

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

var registration = union(
  {
    clientId: clientId
    // v2.0 issuer: tokens carry "roles" (app roles) and "groups" as issued.
    openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
  },
  useClientSecretSetting ? { clientSecretSettingName: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET' } : {}
)

resource authSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      // Authenticate whoever signs in, let everyone else through: the app authorizes per route.
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: registration
        login: {
          disableWWWAuthenticate: false
        }
        validation: {
          allowedAudiences: empty(allowedAudiences) ? [ 'api://${clientId}' ] : allowedAudiences
          defaultAuthorizationPolicy: {
            // No daemon/app-only callers through Easy Auth: integrations use function keys.
            allowedApplications: []
          }
        }
      }
    }
    login: {
      tokenStore: {
        enabled: true
        tokenRefreshExtensionHours: 72
      }
      preserveUrlFragmentsForLogins: false
      // Only redirects back to this app after /.auth/login/aad?post_login_redirect_uri=...
      allowedExternalRedirectUrls: []
      cookieExpiration: {
        convention: 'FixedTime'
        timeToExpiration: sessionLifetime
      }
      nonce: {
        validateNonce: true
      }
    }
    httpSettings: {
      requireHttps: true
      routes: {
        apiPrefix: '/.auth'
      }
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
  }
}

output loginPath string = '/.auth/login/aad'
output callbackPath string = '/.auth/login/aad/callback'
