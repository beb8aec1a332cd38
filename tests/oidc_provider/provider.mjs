// A real OpenID Connect provider for the SSO tests (tests/test_sso_provider.py), never for
// production. Configuration from the environment:
//   PORT           the port to listen on (127.0.0.1)
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI   the one client (CareerPath)
//   ACCOUNTS       JSON {login: {claim: value}}: the claims of the people the test names;
//                  any other login is a person whose verified e-mail is the login itself
// The provider's own development pages (devInteractions) ask for a login and any password,
// then for consent; its end-session page asks whether to sign out.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      post_logout_redirect_uris: [process.env.POST_LOGOUT_REDIRECT_URI],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { email: ['email', 'email_verified'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, ...(accounts[id] || {}) };
      },
    };
  },
  cookies: { keys: ['test-only-not-secret'] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${port}`);
});
