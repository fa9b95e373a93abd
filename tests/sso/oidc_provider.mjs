// A real OpenID Connect provider for the test suite (the npm package oidc-provider), over plain http on
// 127.0.0.1. Tests only: it trusts every login typed into its form.
//
//   OIDC_TEST_CONFIG='{"clients": [...], "accounts": {...}}' OIDC_TEST_PORT=0 node tests/sso/oidc_provider.mjs
//
// clients:  [{"client_id", "client_secret", "redirect_uris": [...]}]
// accounts: {"<login>": {"email", "email_verified", "name", "amr": ["pwd", "mfa"]}}
//
// Its sign-in page (/interaction/<uid>) asks for a login name; the account's "amr" becomes the ID token's amr
// claim. Consent is granted without asking. Once listening it prints {"issuer": "http://127.0.0.1:<port>"}.

import http from 'node:http';
import { Provider } from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const accounts = config.accounts || {};
const port = Number(process.env.OIDC_TEST_PORT || 0);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(uid, message = '') {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head><body>
<main><h1>Test provider</h1>${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Account</label> <input id="login" name="login" autofocus>
<button type="submit">Sign in at the provider</button></form></main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

let provider;

async function interactions(req, res) {
  const match = req.url.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return false;
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(details.uid));
    return true;
  }
  const login = ((await readForm(req)).get('login') || '').trim();
  const account = accounts[login];
  if (!account) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(details.uid, `No account ${login} at this provider.`));
    return true;
  }
  await provider.interactionFinished(req, res, { login: { accountId: login, amr: account.amr || ['pwd'] } },
    { mergeWithLastSubmission: false });
  return true;
}

const server = http.createServer(async (req, res) => {
  try {
    if (!(await interactions(req, res))) provider.callback()(req, res);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
});

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: (config.clients || []).map((client) => ({
      grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post', ...client,
    })),
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          const claims = { sub: id, name: account.name || id };
          if (account.email !== undefined) claims.email = account.email;
          if (account.email_verified !== undefined) claims.email_verified = account.email_verified;
          return claims;
        },
      };
    },
    claims: { acr: null, auth_time: null, iss: null, sid: null, openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async loadExistingGrant(ctx) {  // consent without asking: the test client is first-party
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    cookies: { keys: ['test-provider-cookie-key'] },
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
