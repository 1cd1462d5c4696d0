// Smoke test for server.mjs: starts it as a child process and drives the
// complete authorization code + PKCE flow for both clients the way Belfry's
// integration tests do, using only Node's built-ins.
//
//   node smoke.mjs
//
// Exits 0 when every check passes; otherwise prints the failed check (and the
// server's stderr) and exits 1.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import process from 'node:process';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const OVERALL_TIMEOUT_MS = 60_000;

const CLIENTS = {
  google: {
    clientId: 'belfry-google',
    clientSecret: 'desktop-client-secret-not-secret',
    redirectPath: '/callback/google',
    scope: 'openid email offline_access https://www.googleapis.com/auth/calendar.events',
  },
  microsoft: {
    clientId: 'belfry-microsoft',
    redirectPath: '/callback/microsoft',
    scope: 'openid email offline_access Calendars.ReadWrite Calendars.ReadWrite.Shared',
  },
};

// --- small utilities -----------------------------------------------------------

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

function log(message) {
  process.stdout.write(`ok - ${message}\n`);
}

const b64url = (buf) => buf.toString('base64url');

function pkcePair() {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

// A loopback redirect URI with a random port; nothing listens there.
function loopbackRedirectUri(client) {
  const port = 20000 + Math.floor(Math.random() * 40000);
  return `http://127.0.0.1:${port}${client.redirectPath}`;
}

function decodeJwtPayload(jwt) {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

// A tiny cookie jar: name -> value, ignoring Path/Domain (one origin only).
class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((attr) => {
        const [key, val = ''] = attr.split('=');
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

// --- the server under test -----------------------------------------------------

async function startServer(env = {}) {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });

  const lines = createInterface({ input: child.stdout });
  const firstLine = await Promise.race([
    once(lines, 'line').then(([line]) => line),
    once(child, 'exit').then(([code]) => {
      throw new CheckFailed(`server exited with code ${code} before becoming ready:\n${stderr}`);
    }),
  ]);

  let info;
  try {
    info = JSON.parse(firstLine);
  } catch {
    throw new CheckFailed(`server's first stdout line is not JSON: ${firstLine}`);
  }
  const extraStdout = [];
  lines.on('line', (line) => extraStdout.push(line));

  return {
    child,
    info,
    stderr: () => stderr,
    extraStdout,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code;
    },
  };
}

// --- protocol helpers ----------------------------------------------------------

// Follows redirects from the authorization URL until the Location points at
// the client's redirect URI; returns that URL's query parameters.
async function authorize(server, client, {
  jar, redirectUri, state, challenge, method = 'S256', extra = {},
}) {
  const params = {
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: client.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: method,
    ...extra,
  };
  const url = new URL(server.info.authorization_endpoint);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }

  const target = new URL(redirectUri);
  let current = url.href;
  for (let hop = 0; hop < 10; hop += 1) {
    const headers = {};
    if (jar?.header()) headers.cookie = jar.header();
    const res = await fetch(current, { redirect: 'manual', headers });
    jar?.store(res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) {
      throw new CheckFailed(`authorization flow stopped at ${current} with HTTP ${res.status}: ${await res.text()}`);
    }
    await res.arrayBuffer();
    const next = new URL(location, current);
    if (next.origin === target.origin && next.pathname === target.pathname) {
      return Object.fromEntries(next.searchParams);
    }
    current = next.href;
  }
  throw new CheckFailed('authorization flow did not reach the redirect_uri within 10 redirects');
}

async function tokenRequest(server, client, params) {
  const body = new URLSearchParams({ client_id: client.clientId, ...params });
  if (client.clientSecret) body.set('client_secret', client.clientSecret);
  const res = await fetch(server.info.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, body: await res.json() };
}

async function revoke(server, client, token) {
  const body = new URLSearchParams({
    client_id: client.clientId, token, token_type_hint: 'refresh_token',
  });
  if (client.clientSecret) body.set('client_secret', client.clientSecret);
  const res = await fetch(server.info.revocation_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

async function userinfo(server, accessToken) {
  const res = await fetch(server.info.userinfo_endpoint, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function hook(server, method, path) {
  const res = await fetch(new URL(path, server.info.issuer), { method });
  check(res.status === 200, `${method} ${path} returned HTTP ${res.status}`);
  return res.json();
}

// Runs one complete authorization and code exchange; returns the tokens.
async function loginAndExchange(server, client, jar) {
  const redirectUri = loopbackRedirectUri(client);
  const state = b64url(randomBytes(16));
  const { verifier, challenge } = pkcePair();

  const result = await authorize(server, client, {
    jar, redirectUri, state, challenge,
  });
  check(!result.error, `${client.clientId}: authorization failed: ${result.error} ${result.error_description}`);
  check(result.state === state, `${client.clientId}: state mismatch (${result.state} != ${state})`);
  check(typeof result.code === 'string' && result.code.length > 0, `${client.clientId}: no code in redirect`);
  check(result.iss === server.info.issuer, `${client.clientId}: iss in redirect is ${result.iss}`);

  const exchange = { grant_type: 'authorization_code', code: result.code, redirect_uri: redirectUri, code_verifier: verifier };
  const { status, body } = await tokenRequest(server, client, exchange);
  check(status === 200, `${client.clientId}: code exchange failed: HTTP ${status} ${JSON.stringify(body)}`);
  for (const field of ['access_token', 'id_token', 'refresh_token']) {
    check(typeof body[field] === 'string' && body[field], `${client.clientId}: token response lacks ${field}: ${JSON.stringify(body)}`);
  }
  check(body.token_type === 'Bearer', `${client.clientId}: token_type is ${body.token_type}`);

  const claims = decodeJwtPayload(body.id_token);
  check(claims.iss === server.info.issuer, `${client.clientId}: id_token iss is ${claims.iss}`);
  check(claims.aud === client.clientId, `${client.clientId}: id_token aud is ${claims.aud}`);
  check(claims.sub === 'ana', `${client.clientId}: id_token sub is ${claims.sub}`);
  check(claims.email === 'ana@example.com', `${client.clientId}: id_token email is ${claims.email}`);

  return { tokens: body, exchange };
}

// --- the checks ----------------------------------------------------------------

async function exerciseClient(server, name, { cookies }) {
  const client = CLIENTS[name];
  const tag = `${client.clientId} (${cookies ? 'with' : 'without'} cookies)`;
  const jar = cookies ? new CookieJar() : undefined;
  let tokenCalls = 0;

  // 1. Authorization code flow with PKCE S256 and a random loopback port.
  const { tokens } = await loginAndExchange(server, client, jar);
  tokenCalls += 1;
  check(tokens.expires_in === 60, `${client.clientId}: expires_in is ${tokens.expires_in}, expected 60`);
  // offline_access only shows up in the granted scope when prompt=consent is
  // also sent (OIDC Core §11); the refresh token is issued either way.
  for (const scope of client.scope.split(' ').filter((s) => s !== 'offline_access')) {
    check(tokens.scope.split(' ').includes(scope), `${client.clientId}: scope ${scope} not granted (got "${tokens.scope}")`);
  }
  log(`${tag}: code flow with PKCE S256 issued id/access/refresh tokens`);

  // 2. Userinfo.
  const info = await userinfo(server, tokens.access_token);
  check(info.status === 200 && info.body.email === 'ana@example.com' && info.body.sub === 'ana', `${client.clientId}: userinfo gave HTTP ${info.status} ${JSON.stringify(info.body)}`);
  log(`${tag}: userinfo returns ana@example.com`);

  // 3. Refresh rotates the refresh token.
  const refreshed = await tokenRequest(server, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  tokenCalls += 1;
  check(refreshed.status === 200, `${client.clientId}: refresh failed: HTTP ${refreshed.status} ${JSON.stringify(refreshed.body)}`);
  check(refreshed.body.access_token && refreshed.body.access_token !== tokens.access_token, `${client.clientId}: refresh did not return a new access token`);
  check(refreshed.body.refresh_token && refreshed.body.refresh_token !== tokens.refresh_token, `${client.clientId}: refresh token did not rotate`);
  const info2 = await userinfo(server, refreshed.body.access_token);
  check(info2.status === 200 && info2.body.email === 'ana@example.com', `${client.clientId}: userinfo with refreshed access token gave HTTP ${info2.status}`);
  log(`${tag}: refresh returned a new access token and a rotated refresh token`);

  // 4. The rotated-away refresh token is rejected (and, per reuse detection,
  //    the whole grant is revoked, including the newest refresh token).
  const reuse = await tokenRequest(server, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  tokenCalls += 1;
  check(reuse.status === 400 && reuse.body.error === 'invalid_grant', `${client.clientId}: reused refresh token gave HTTP ${reuse.status} ${JSON.stringify(reuse.body)}`);
  const afterReuse = await tokenRequest(server, client, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
  tokenCalls += 1;
  check(afterReuse.body.error === 'invalid_grant', `${client.clientId}: grant not revoked after refresh token reuse: ${JSON.stringify(afterReuse.body)}`);
  log(`${tag}: old refresh token rejected with invalid_grant (grant revoked)`);

  // 5. Codes are single use; a replay also revokes the tokens issued for the
  //    code (RFC 6749 §4.1.2). A fresh authorization in the same browser.
  const { tokens: replayed, exchange } = await loginAndExchange(server, client, jar);
  tokenCalls += 1;
  const replay = await tokenRequest(server, client, exchange);
  tokenCalls += 1;
  check(replay.status === 400 && replay.body.error === 'invalid_grant', `${client.clientId}: code replay gave HTTP ${replay.status} ${JSON.stringify(replay.body)}`);
  const replayedInfo = await userinfo(server, replayed.access_token);
  check(replayedInfo.status === 401, `${client.clientId}: access token survived a code replay (userinfo HTTP ${replayedInfo.status})`);
  log(`${tag}: replayed authorization code rejected with invalid_grant (its tokens revoked)`);

  // 6. Revocation, on another fresh authorization (same browser).
  const before = (await hook(server, 'GET', '/__test/revoked')).count;
  const second = await loginAndExchange(server, client, jar);
  tokenCalls += 1;
  const revokeStatus = await revoke(server, client, second.tokens.refresh_token);
  check(revokeStatus === 200, `${client.clientId}: revocation returned HTTP ${revokeStatus}`);
  const after = (await hook(server, 'GET', '/__test/revoked')).count;
  check(after === before + 1, `${client.clientId}: /__test/revoked went from ${before} to ${after}`);
  const revokedRefresh = await tokenRequest(server, client, { grant_type: 'refresh_token', refresh_token: second.tokens.refresh_token });
  tokenCalls += 1;
  check(revokedRefresh.body.error === 'invalid_grant', `${client.clientId}: revoked refresh token still works: ${JSON.stringify(revokedRefresh.body)}`);
  const revokedInfo = await userinfo(server, second.tokens.access_token);
  check(revokedInfo.status === 401, `${client.clientId}: access token of a revoked grant gave userinfo HTTP ${revokedInfo.status}`);
  log(`${tag}: revocation counted by /__test/revoked; revoked tokens rejected`);

  // 7. PKCE: plain and missing challenges are rejected, wrong verifier fails.
  const redirectUri = loopbackRedirectUri(client);
  const plain = b64url(randomBytes(32));
  let state = b64url(randomBytes(16));
  const plainResult = await authorize(server, client, {
    jar, redirectUri, state, challenge: plain, method: 'plain',
  });
  check(plainResult.error === 'invalid_request' && plainResult.state === state && !plainResult.code, `${client.clientId}: code_challenge_method=plain not rejected: ${JSON.stringify(plainResult)}`);
  state = b64url(randomBytes(16));
  const missing = await authorize(server, client, {
    jar, redirectUri, state, challenge: undefined, method: undefined,
  });
  check(missing.error === 'invalid_request' && !missing.code, `${client.clientId}: request without PKCE not rejected: ${JSON.stringify(missing)}`);
  state = b64url(randomBytes(16));
  const { challenge } = pkcePair();
  const okResult = await authorize(server, client, {
    jar, redirectUri, state, challenge,
  });
  const wrongVerifier = await tokenRequest(server, client, {
    grant_type: 'authorization_code', code: okResult.code, redirect_uri: redirectUri, code_verifier: pkcePair().verifier,
  });
  tokenCalls += 1;
  check(wrongVerifier.body.error === 'invalid_grant', `${client.clientId}: wrong code_verifier gave ${JSON.stringify(wrongVerifier.body)}`);
  log(`${tag}: PKCE plain / missing rejected (invalid_request), wrong verifier rejected (invalid_grant)`);

  return tokenCalls;
}

// prompt values a real client may send are resolved automatically too;
// prompt=none cannot be satisfied for a native client and yields an error.
async function checkPrompts(server) {
  const client = CLIENTS.microsoft;
  for (const prompt of ['consent', 'login', 'select_account', 'select_account consent', 'none']) {
    const state = b64url(randomBytes(16));
    const result = await authorize(server, client, {
      jar: undefined,
      redirectUri: loopbackRedirectUri(client),
      state,
      challenge: pkcePair().challenge,
      extra: { prompt },
    });
    check(result.state === state, `prompt=${prompt}: state mismatch`);
    if (prompt === 'none') {
      check(result.error === 'login_required', `prompt=none gave ${JSON.stringify(result)}`);
    } else {
      check(result.code && !result.error, `prompt=${prompt} gave ${JSON.stringify(result)}`);
    }
  }
  log('prompt=consent|login|select_account are auto-resolved; prompt=none returns error=login_required');
}

async function checkUnregisteredRedirect(server) {
  const url = new URL(server.info.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: 'belfry-google',
    response_type: 'code',
    redirect_uri: 'http://127.0.0.1:4000/elsewhere',
    scope: 'openid',
    state: 's',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
  }).toString();
  const res = await fetch(url, { redirect: 'manual' });
  const body = await res.json();
  check(res.status === 400 && body.error === 'invalid_redirect_uri', `unregistered redirect_uri gave HTTP ${res.status} ${JSON.stringify(body)}`);
  log('unregistered redirect_uri answered with HTTP 400 invalid_redirect_uri (no redirect)');
}

async function main() {
  const server = await startServer();
  try {
    const { info } = server;
    check(info.issuer === `http://127.0.0.1:${info.port}`, `unexpected issuer ${info.issuer}`);
    for (const key of ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint', 'userinfo_endpoint']) {
      check(typeof info[key] === 'string' && info[key].startsWith(info.issuer), `ready line lacks ${key}`);
    }
    log(`server ready: ${JSON.stringify(info)}`);

    await hook(server, 'POST', '/__test/reset');
    check((await hook(server, 'GET', '/__test/token-requests')).count === 0, 'token-requests not reset');
    check((await hook(server, 'GET', '/__test/revoked')).count === 0, 'revoked not reset');

    let tokenCalls = 0;
    for (const name of Object.keys(CLIENTS)) {
      for (const cookies of [true, false]) {
        tokenCalls += await exerciseClient(server, name, { cookies });
      }
    }
    await checkPrompts(server);
    await checkUnregisteredRedirect(server);

    const counted = (await hook(server, 'GET', '/__test/token-requests')).count;
    check(counted === tokenCalls, `/__test/token-requests is ${counted}, expected ${tokenCalls}`);
    const revoked = (await hook(server, 'GET', '/__test/revoked')).count;
    check(revoked === 4, `/__test/revoked is ${revoked}, expected 4`);
    log(`/__test/token-requests counted all ${tokenCalls} token requests; /__test/revoked is 4`);

    await hook(server, 'POST', '/__test/reset');
    const reset = [
      (await hook(server, 'GET', '/__test/token-requests')).count,
      (await hook(server, 'GET', '/__test/revoked')).count,
    ];
    check(reset[0] === 0 && reset[1] === 0, `counters after reset: ${reset}`);
    log('POST /__test/reset zeroes both counters');

    check(server.extraStdout.length === 0, `server wrote extra stdout lines: ${server.extraStdout.join('\n')}`);
    const code = await server.stop();
    check(code === 0, `server exited with code ${code} on SIGTERM`);
    log('server printed exactly one stdout line and exited 0 on SIGTERM');
  } catch (err) {
    if (err instanceof CheckFailed) {
      err.serverStderr = server.stderr();
    }
    throw err;
  } finally {
    await server.stop();
  }

  // ACCESS_TOKEN_TTL is honoured.
  const shortLived = await startServer({ ACCESS_TOKEN_TTL: '5' });
  try {
    const { tokens } = await loginAndExchange(shortLived, CLIENTS.microsoft, undefined);
    check(tokens.expires_in === 5, `with ACCESS_TOKEN_TTL=5 expires_in is ${tokens.expires_in}`);
    log('ACCESS_TOKEN_TTL=5 gives expires_in 5');
  } finally {
    await shortLived.stop();
  }
}

const timer = setTimeout(() => {
  console.error('SMOKE TEST FAILED: timed out');
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
  await main();
  clearTimeout(timer);
  process.stdout.write('SMOKE TEST PASSED\n');
} catch (err) {
  clearTimeout(timer);
  console.error(`SMOKE TEST FAILED: ${err instanceof CheckFailed ? err.message : err.stack}`);
  if (err.serverStderr) console.error(`--- server stderr ---\n${err.serverStderr}`);
  process.exit(1);
}
