// A real OpenID Provider for the identity-provider tests: node's `oidc-provider` (an
// OpenID-certified implementation), issuing RFC 9068 JWT access tokens to a confidential
// client through the client-credentials grant.
//
// Started by `tests/it/support/identity_provider.rs`; it prints one JSON line, `{"issuer": ...}`,
// once it listens. Besides the provider's own endpoints, `/control/*` lets a test act as the
// provider's operator:
//   POST /control/publish  adds a new signing key to the published JWKS, still signing with
//                          the current one (keys published ahead of use);
//   POST /control/rotate   signs with a new key from now on (the old one stays published);
//                          `?published=1` signs with the key published last instead;
//   POST /control/down     answers every request but `/control/*` with 503 until `/control/up`;
//   GET  /control/stats    how many times the JWKS and the discovery document were served.
//
// Settings, from the environment: PORT (0: any), ISSUER_PATH (appended to the issuer, e.g.
// `/realms/staff`), AUDIENCE (the resource indicator of the API, the tokens' `aud`),
// ACCESS_TOKEN_TTL (seconds), ALG (RS256 or ES256).

import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const alg = process.env.ALG || 'RS256';
const audience = process.env.AUDIENCE || 'urn:actix-jwt-extended:api';
const ttl = Number(process.env.ACCESS_TOKEN_TTL || 300);
const issuerPath = process.env.ISSUER_PATH || '';
const clientId = 'test-client';
const clientSecret = 'test-client-secret-that-is-long-enough';

function newKey() {
  const { privateKey } = alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg, use: 'sig' };
}

// The provider signs with the first key of its JWKS that fits the algorithm.
let keys = [newKey()];
let down = false;
const stats = { jwks: 0, discovery: 0 };

function provider(issuer) {
  const instance = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'items:read items:write',
    }],
    jwks: { keys },
    scopes: ['items:read', 'items:write'],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          if (resource !== audience) {
            throw new Error(`unknown resource ${resource}`);
          }
          return {
            scope: 'items:read items:write',
            audience,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          };
        },
      },
    },
  });
  return instance.callback();
}

let issuer;
let handler;

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname;
  if (path.startsWith('/control/')) {
    switch (`${req.method} ${path}`) {
      case 'POST /control/publish':
        keys = [...keys, newKey()];
        break;
      case 'POST /control/rotate':
        keys = url.searchParams.get('published')
          ? [keys[keys.length - 1], ...keys.slice(0, -1)]
          : [newKey(), ...keys];
        break;
      case 'POST /control/down':
        down = true;
        break;
      case 'POST /control/up':
        down = false;
        break;
      case 'GET /control/stats':
        return answer(res, 200, { ...stats, kids: keys.map((key) => key.kid) });
      default:
        return answer(res, 404, { error: 'no such control' });
    }
    // A provider built on the new key set: tokens it signed before stay valid as long as
    // their key is published.
    handler = provider(issuer);
    return answer(res, 200, { signing: keys[0].kid, kids: keys.map((key) => key.kid) });
  }
  if (down) {
    return answer(res, 503, { error: 'temporarily_unavailable' });
  }
  if (path === `${issuerPath}/jwks`) stats.jwks += 1;
  if (path === `${issuerPath}/.well-known/openid-configuration`) stats.discovery += 1;
  if (issuerPath) {
    // Mounted under the issuer's path, as Express mounts it: the provider reads its mount
    // point from `baseUrl` and `originalUrl`.
    if (!path.startsWith(`${issuerPath}/`)) {
      return answer(res, 404, { error: 'not_found' });
    }
    req.originalUrl = req.url;
    req.baseUrl = issuerPath;
    req.url = req.url.slice(issuerPath.length);
  }
  return handler(req, res);
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}${issuerPath}`;
  handler = provider(issuer);
  process.stdout.write(`${JSON.stringify({ issuer, audience, clientId, clientSecret })}\n`);
});

// The test that started this process holds its stdin: when the test ends, so does this.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
