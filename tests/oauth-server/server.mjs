// Local OAuth 2.0 / OpenID Connect authorization server for Belfry's
// integration tests, built on `oidc-provider`.
//
// Usage:
//   node server.mjs [--port N]        (default port 0 = pick a free port)
//
// Environment:
//   ACCESS_TOKEN_TTL   access token lifetime in seconds (default 60)
//
// Startup contract:
//   The server binds to 127.0.0.1 only. Once it is listening it writes exactly
//   one JSON line to stdout:
//     {"issuer":"http://127.0.0.1:PORT","port":PORT,"authorization_endpoint":...,
//      "token_endpoint":...,"revocation_endpoint":...,"userinfo_endpoint":...}
//   Nothing else is ever written to stdout; diagnostics go to stderr. The
//   process runs until it receives SIGTERM or SIGINT and then exits with 0.
//
// Clients (both native apps, authorization_code + refresh_token, PKCE S256
// required, `plain` rejected):
//   belfry-google     client_secret_post, secret "desktop-client-secret-not-secret",
//                     redirect_uri http://127.0.0.1/callback/google
//   belfry-microsoft  public client (token_endpoint_auth_method "none"),
//                     redirect_uri http://127.0.0.1/callback/microsoft
//   Loopback redirect URIs accept any port (RFC 8252 §7.3), e.g.
//   http://127.0.0.1:54321/callback/google.
//
// The test "browser" protocol:
//   There is no login page and no consent screen. Every authorization request
//   is signed in as ana@example.com (sub "ana") and every requested scope is
//   granted. A test browser only has to:
//     1. GET the authorization URL;
//     2. while the response is a 3xx redirect, resolve its Location header
//        against the current URL and GET it;
//     3. stop as soon as the Location starts with the client's redirect_uri
//        (loopback host and path; any port). Do NOT request that URL: read
//        `code` and `state` (or `error`, `error_description` and `state`) from
//        its query string.
//   Keeping cookies between the redirects of one flow is supported but NOT
//   required: a plain HTTP client that sends no cookies at all works too.
//   A successful flow is three redirects:
//     /auth?...          -> 303 /interaction/<uid>
//     /interaction/<uid> -> 303 /auth/<uid>
//     /auth/<uid>        -> 303 <redirect_uri>?code=...&state=...&iss=...
//   prompt=login, consent and select_account are resolved automatically like
//   everything else; prompt=none yields error=login_required.
//   Errors detected before the redirect_uri is trusted (unknown client,
//   unregistered redirect_uri) are answered with 400 and a JSON body
//   {"error": ..., "error_description": ...} instead of a redirect.
//
// Test hooks (plain JSON on the same origin):
//   GET  /__test/token-requests  -> {"count": N}  requests received by the
//                                   token endpoint (any grant, success or not)
//   GET  /__test/revoked         -> {"count": N}  successful (HTTP 200)
//                                   revocation requests
//   POST /__test/reset           -> {"ok": true}  resets the counters, events and faults
//   POST /__test/faults          {"faults": [...]} queues faults for the next event requests
//   GET  /__test/requests        -> every Google and Graph API request: method, path, query, body
//   GET  /__test/events          -> the Google events, by calendar
//   GET  /__test/graph           -> the Graph events by mailbox, the most requests seen in
//                                   flight on each mailbox, and how many were throttled
//
// Token behaviour worth knowing:
//   * Refresh tokens are issued on every code exchange (no need for
//     offline_access or prompt=consent) and rotate on every use.
//   * offline_access is accepted but, per OIDC Core §11, only appears in the
//     granted `scope` when prompt=consent is sent as well; every other
//     requested scope is granted and echoed in the token response.
//   * Presenting a refresh token that was already rotated away fails with
//     invalid_grant AND revokes the whole grant (every access and refresh
//     token issued from that authorization), as RFC 9700 §4.14.2 recommends.
//   * Revoking a refresh token also revokes the access tokens of its grant.
//   * Authorization codes are single use; a replay fails with invalid_grant
//     and revokes the grant (the tokens issued for that code), per
//     RFC 6749 §4.1.2.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';

import Provider, { interactionPolicy } from 'oidc-provider';

// --- stdout discipline ---------------------------------------------------------
// stdout carries only the single "ready" line. oidc-provider prints notices
// with console.info, so console.log/info/debug are routed to stderr.
for (const method of ['log', 'info', 'debug']) {
  console[method] = console.error;
}

// --- command line and environment ----------------------------------------------

function fail(message) {
  console.error(`oauth-server: ${message}`);
  process.exit(2);
}

function parsePort(argv) {
  let port = 0;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    let value;
    if (arg === '--port') {
      value = argv[i + 1];
      i += 1;
    } else if (arg.startsWith('--port=')) {
      value = arg.slice('--port='.length);
    } else {
      fail(`unknown argument ${JSON.stringify(arg)} (usage: node server.mjs [--port N])`);
    }
    if (!/^\d+$/.test(value ?? '') || Number(value) > 65535) {
      fail(`invalid port ${JSON.stringify(value)}`);
    }
    port = Number(value);
  }
  return port;
}

function parseAccessTokenTtl(raw) {
  if (raw === undefined || raw === '') return 60;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    fail(`ACCESS_TOKEN_TTL must be a positive integer number of seconds, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

const requestedPort = parsePort(process.argv.slice(2));
const accessTokenTtl = parseAccessTokenTtl(process.env.ACCESS_TOKEN_TTL);

// --- fixtures ------------------------------------------------------------------

// The only end-user. Every authorization request signs in as this account.
const ACCOUNT = {
  sub: 'ana',
  email: 'ana@example.com',
  email_verified: true,
};

const CLIENTS = [
  {
    client_id: 'belfry-google',
    client_secret: 'desktop-client-secret-not-secret',
    token_endpoint_auth_method: 'client_secret_post',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback/google'],
  },
  {
    client_id: 'belfry-microsoft',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback/microsoft'],
  },
];

const SCOPES = [
  'openid',
  'email',
  'offline_access',
  // Google Calendar
  'https://www.googleapis.com/auth/calendar.events',
  // Microsoft Graph
  'Calendars.ReadWrite',
  'Calendars.ReadWrite.Shared',
];

const ROUTES = {
  authorization: '/auth',
  token: '/token',
  revocation: '/token/revocation',
  userinfo: '/me',
  jwks: '/jwks',
};

// Counters exposed through the /__test/ hooks.
const counters = { tokenRequests: 0, revoked: 0 };

// A fresh ID token signing key for every run.
function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

// --- provider configuration ----------------------------------------------------

// Also accept prompt=select_account (sent by some Google and Microsoft
// clients); like every other prompt it is resolved automatically.
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

function configuration() {
  return {
    clients: CLIENTS,
    scopes: SCOPES,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
    },
    // Put scope-requested claims (email) in the ID token too, like Google and
    // Microsoft do, not only in the userinfo response.
    conformIdTokenClaims: false,

    async findAccount(ctx, sub) {
      if (sub !== ACCOUNT.sub) return undefined;
      return {
        accountId: ACCOUNT.sub,
        async claims() {
          return { ...ACCOUNT };
        },
      };
    },

    jwks: { keys: [signingKey()] },
    routes: ROUTES,

    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
    },

    pkce: {
      methods: ['S256'],
      required: () => true,
    },

    // Refresh tokens for every code exchange of a client allowed to refresh,
    // whether or not offline_access was requested (or survived the prompt
    // rules), and a new refresh token on every refresh.
    async issueRefreshToken(ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    rotateRefreshToken: true,
    // Tokens outlive the (throw-away) browser session.
    async expiresWithSession() {
      return false;
    },

    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Interaction: 10 * 60,
    },

    interactions: {
      policy,
      url(ctx, interaction) {
        return `/interaction/${interaction.uid}`;
      },
    },

    cookies: {
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },

    // Errors that cannot be redirected back to the client are rendered as
    // JSON rather than an HTML page.
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

// --- request handling in front of the provider ---------------------------------

function json(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'json';
  ctx.body = body;
}

// Google Calendar events (events.insert / events.get), by calendar and event id, and the
// faults to inject into the next event requests, one each:
//   "503", "400" (an invalid event), "401" (the token revoked mid-session), "miss-collision"
//   (the next insert of a taken id is stored as a second copy instead of answering 409),
//   "429" (Retry-After: 0), "rate" (403 rateLimitExceeded), "reset" (the connection
//   is closed before the request is handled), "lost" (the event is stored, then the
//   connection is closed before the answer: the client cannot know it worked).
const googleEvents = new Map();
const googleDeleted = new Set(); // "calendar/id": ids stay reserved after deletion
const googleCancelled = new Map(); // "calendar/id" -> the deleted event, status "cancelled"
const googleDuplicates = []; // second copies stored under a taken id ("miss-collision")
let etagCounter = 0;
const newEtag = () => `"${Date.now()}${(etagCounter += 1)}"`;
const faults = [];
const EVENT_ID = /^[a-v0-9]{5,1024}$/;

async function readBody(ctx) {
  if (ctx.state.bodyText !== undefined) return ctx.state.bodyText;
  const chunks = [];
  for await (const c of ctx.req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  ctx.state.bodyText = text;
  if (ctx.state.logged) {
    try {
      ctx.state.logged.body = text ? JSON.parse(text) : null;
    } catch {
      ctx.state.logged.body = text;
    }
  }
  return text;
}

// Every calendar API request (Google and Graph), in order: method, path, query and body.
const requestLog = [];

// Test hooks under /__test/.
async function testHooksAsync(ctx) {
  if (ctx.method === 'POST' && ctx.path === '/__test/faults') {
    const body = JSON.parse((await readBody(ctx)) || '{}');
    faults.push(...(body.faults || []));
    return json(ctx, 200, { queued: faults.length });
  }
  return testHooks(ctx);
}

function testHooks(ctx) {
  const route = `${ctx.method} ${ctx.path}`;
  switch (route) {
    case 'GET /__test/requests':
      return json(ctx, 200, { requests: requestLog });
    case 'GET /__test/token-requests':
      return json(ctx, 200, { count: counters.tokenRequests });
    case 'GET /__test/revoked':
      return json(ctx, 200, { count: counters.revoked });
    case 'POST /__test/reset':
      counters.tokenRequests = 0;
      counters.revoked = 0;
      googleEvents.clear();
      googleDeleted.clear();
      googleCancelled.clear();
      googleDuplicates.length = 0;
      graphEvents.clear();
      graphTransactions.clear();
      graphStats.maxInFlight = {};
      graphStats.throttled = 0;
      faults.length = 0;
      requestLog.length = 0;
      return json(ctx, 200, { ok: true });
    case 'GET /__test/events': {
      // Every stored event, duplicates included: a calendar's list shows each copy.
      const calendars = Object.fromEntries([...googleEvents].map(([cal, events]) => [cal, [...events.keys()]]));
      for (const d of googleDuplicates) (calendars[d.calendar] ??= []).push(d.id);
      return json(ctx, 200, {
        calendars,
        events: Object.fromEntries([...googleEvents].map(([cal, events]) => [cal, [...events.values()]])),
        deleted: [...googleDeleted],
      });
    }
    case 'GET /__test/graph':
      return json(ctx, 200, {
        mailboxes: Object.fromEntries([...graphEvents].map(([mb, events]) => [mb, [...events.values()]])),
        maxInFlight: graphStats.maxInFlight,
        throttled: graphStats.throttled,
      });
    default:
      return json(ctx, 404, { error: 'not_found', error_description: `no test hook ${route}` });
  }
}

// The interaction endpoint: signs the request in as ACCOUNT and grants every
// requested scope at once (login, consent and account selection),
// then sends the browser back to the authorization endpoint to resume.
//
// The interaction is looked up by the uid in the URL rather than by the
// `_interaction` cookie, so that clients without a cookie jar work as well.
async function autoApprove(provider, ctx, uid) {
  const interaction = await provider.Interaction.find(uid);
  if (!interaction) {
    return json(ctx, 400, {
      error: 'invalid_request',
      error_description: 'interaction not found or expired; restart the authorization request',
    });
  }

  const { params } = interaction;
  const accountId = ACCOUNT.sub;

  let grant;
  if (interaction.grantId) {
    grant = await provider.Grant.find(interaction.grantId);
  }
  grant ??= new provider.Grant({ accountId, clientId: params.client_id });

  if (params.scope) {
    grant.addOIDCScope(params.scope);
  }
  const grantId = await grant.save();

  interaction.result = {
    login: { accountId, remember: true },
    consent: { grantId },
    select_account: {},
  };
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));

  ctx.status = 303;
  ctx.redirect(interaction.returnTo);
  return undefined;
}

// oidc-provider only resumes an authorization request (GET /auth/<uid>) when
// the browser presents the `_interaction_resume` cookie it set at the start
// of the flow. That cookie merely binds the flow to one browser, which is of
// no use here, so it is (re)supplied from the uid in the URL. Browsers that
// keep cookies send the same value anyway.
function supplyResumeCookie(provider, ctx, uid) {
  const name = provider.cookieName('resume');
  const others = (ctx.get('cookie') || '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair && !pair.startsWith(`${name}=`) && !pair.startsWith(`${name}.`));
  ctx.request.headers.cookie = [...others, `${name}=${uid}`].join('; ');
}

// Calendar API fakes behind the same tokens, in the documented shapes:
//   GET /calendar/v3/users/me/calendarList  (Google Calendar API v3, CalendarList: list)
//   GET /v1.0/me/calendars                  (Microsoft Graph, List calendars)
// Each needs a live access token issued to the matching client; otherwise 401 with the
// provider's error shape.
const CALENDARS = {
  'belfry-google': {
    path: '/calendar/v3/users/me/calendarList',
    body: {
      kind: 'calendar#calendarList',
      items: [
        { kind: 'calendar#calendarListEntry', id: 'ana@example.com', summary: 'ana@example.com', accessRole: 'owner', primary: true },
        { kind: 'calendar#calendarListEntry', id: 'c_lectures@group.calendar.google.com', summary: 'Lectures', accessRole: 'writer' },
        // A host's primary calendar shared with ana for editing (a delegate's view).
        { kind: 'calendar#calendarListEntry', id: 'lee@example.com', summary: 'lee@example.com', summaryOverride: 'Prof. Lee', accessRole: 'writer' },
        { kind: 'calendar#calendarListEntry', id: 'en.usa#holiday@group.v.calendar.google.com', summary: 'Holidays', accessRole: 'reader' },
      ],
    },
    unauthorized: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
  },
  'belfry-microsoft': {
    path: '/v1.0/me/calendars',
    body: {
      value: [
        { id: 'AAMkAGI2TG93AAA=', name: 'Calendar', canEdit: true, isDefaultCalendar: true, owner: { name: 'Ana', address: 'ana@example.com' } },
        { id: 'AAMkAGI2TG94AAA=', name: 'Host: Prof. Lee', canEdit: true, isDefaultCalendar: false, owner: { name: 'Prof. Lee', address: 'lee@example.com' } },
        { id: 'AAMkAGI2TG95AAA=', name: 'Team (read only)', canEdit: false, isDefaultCalendar: false, owner: { name: 'Team', address: 'team@example.com' } },
      ],
    },
    unauthorized: { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } },
  },
};

async function googleEventsApi(provider, ctx) {
  const m = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(ctx.path);
  if (!m) return false;
  const calendar = decodeURIComponent(m[1]);
  const id = m[2] ? decodeURIComponent(m[2]) : undefined;
  const auth = ctx.get('authorization') || '';
  const value = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const token = value ? await provider.AccessToken.find(value) : undefined;
  if (!token || token.clientId !== 'belfry-google') {
    json(ctx, 401, CALENDARS['belfry-google'].unauthorized);
    return true;
  }
  const fault = faults.shift();
  if (fault === 'reset') {
    ctx.respond = false;
    ctx.req.socket.destroy();
    return true;
  }
  if (fault === '503') return json(ctx, 503, { error: { code: 503, message: 'Backend Error' } }), true;
  if (fault === '400') return json(ctx, 400, { error: { code: 400, message: 'Invalid attendee email.', errors: [{ reason: 'invalid' }] } }), true;
  // The access token was revoked mid-session: the client must refresh it and try once more.
  if (fault === '401') return json(ctx, 401, CALENDARS['belfry-google'].unauthorized), true;
  if (fault === '429') {
    ctx.set('Retry-After', '0');
    return json(ctx, 429, { error: { code: 429, message: 'Rate Limit Exceeded' } }), true;
  }
  if (fault === 'rate') {
    return json(ctx, 403, { error: { code: 403, message: 'Rate Limit Exceeded', errors: [{ reason: 'rateLimitExceeded' }] } }), true;
  }
  const events = googleEvents.get(calendar) ?? new Map();
  googleEvents.set(calendar, events);
  if (ctx.method === 'GET' && id) {
    // A deleted event is still there, with status "cancelled", as Google keeps it.
    const event = events.get(id) ?? googleCancelled.get(`${calendar}/${id}`);
    if (!event) return json(ctx, 404, { error: { code: 404, message: 'Not Found' } }), true;
    return json(ctx, 200, event), true;
  }
  if (ctx.method === 'GET' && !id) {
    const min = ctx.query.timeMin ? Date.parse(ctx.query.timeMin) : -Infinity;
    const max = ctx.query.timeMax ? Date.parse(ctx.query.timeMax) : Infinity;
    const items = [...events.values()].filter((e) => {
      const start = Date.parse(e.start?.dateTime ?? e.start?.date ?? '');
      return !(start >= max) && (e.recurrence || !(start < min - 86400000));
    });
    return json(ctx, 200, { kind: 'calendar#events', items }), true;
  }
  if (ctx.method === 'POST' && !id) {
    const event = JSON.parse((await readBody(ctx)) || '{}');
    if (!EVENT_ID.test(event.id || '')) {
      return json(ctx, 400, { error: { code: 400, message: 'Invalid resource id value.' } }), true;
    }
    const taken = events.has(event.id) || googleDeleted.has(`${calendar}/${event.id}`);
    // "miss-collision": the fake fails to notice the id is taken and stores a second copy,
    // so a test that counts events can see a duplicate if a client ever causes one.
    if (taken && fault !== 'miss-collision') {
      return json(ctx, 409, { error: { code: 409, message: 'The requested identifier already exists.', errors: [{ reason: 'duplicate' }] } }), true;
    }
    const stored = { ...event, kind: 'calendar#event', status: 'confirmed', etag: newEtag(), sequence: event.sequence ?? 0, htmlLink: `https://calendar.google.test/${event.id}` };
    if (taken) googleDuplicates.push({ calendar, ...stored });
    else events.set(event.id, stored);
    if (fault === 'lost') {
      ctx.respond = false;
      ctx.req.socket.destroy();
      return true;
    }
    return json(ctx, 200, stored), true;
  }
  if (ctx.method === 'PUT' && id) {
    const deletedKey = `${calendar}/${id}`;
    const current = events.get(id) ?? googleCancelled.get(deletedKey);
    if (!current) return json(ctx, 404, { error: { code: 404, message: 'Not Found' } }), true;
    const match = ctx.get('if-match');
    if (match && match !== current.etag) {
      return json(ctx, 412, { error: { code: 412, message: 'Precondition Failed', errors: [{ reason: 'conditionNotMet' }] } }), true;
    }
    const event = JSON.parse((await readBody(ctx)) || '{}');
    if ((event.sequence ?? 0) < (current.sequence ?? 0)) {
      return json(ctx, 400, { error: { code: 400, message: 'Invalid sequence value. The specified sequence number is below the current sequence number of the resource.', errors: [{ reason: 'invalid' }] } }), true;
    }
    // Updating a deleted event with status "confirmed" restores it.
    googleCancelled.delete(deletedKey);
    googleDeleted.delete(deletedKey);
    const stored = { ...event, id, kind: 'calendar#event', status: event.status ?? 'confirmed', etag: newEtag() };
    events.set(id, stored);
    if (fault === 'lost') {
      ctx.respond = false;
      ctx.req.socket.destroy();
      return true;
    }
    return json(ctx, 200, stored), true;
  }
  if (ctx.method === 'DELETE' && id) {
    if (googleDeleted.has(`${calendar}/${id}`)) return json(ctx, 410, { error: { code: 410, message: 'Resource has been deleted' } }), true;
    if (!events.has(id)) return json(ctx, 404, { error: { code: 404, message: 'Not Found' } }), true;
    const gone = { ...events.get(id), status: 'cancelled', etag: newEtag() };
    events.delete(id);
    googleDeleted.add(`${calendar}/${id}`);
    googleCancelled.set(`${calendar}/${id}`, gone);
    if (fault === 'lost') {
      ctx.respond = false;
      ctx.req.socket.destroy();
      return true;
    }
    ctx.status = 204;
    return true;
  }
  return json(ctx, 405, { error: { code: 405, message: 'Method Not Allowed' } }), true;
}

// Microsoft Graph events, by mailbox, with the documented behaviour Belfry relies on:
//   POST /v1.0/me/calendars/{id}/events      a calendar of the signed-in user (canEdit)
//   POST /v1.0/users/{owner}/calendar/events a host's calendar shared with the signed-in user
//   GET|PATCH|DELETE /v1.0/me/events/{id} and /v1.0/users/{owner}/events/{id}
// The server assigns event ids; a POST whose `transactionId` the mailbox has seen returns the
// event made the first time instead of a second one. The calendar owner is the organizer.
// `start`/`end` need a Windows time zone name (or UTC). More than 4 requests in flight on
// one mailbox are refused with 429 ApplicationThrottled (MailboxConcurrency), as Exchange
// Online does. Faults are taken from the same queue as Google's, plus "slow" (answer after
// 250 ms) and "504".
const GRAPH_ME = 'ana@example.com';
const GRAPH_SHARED = new Map([['lee@example.com', 'Prof. Lee']]); // owner -> name (writable)
const GRAPH_READONLY = new Set(['team@example.com']);
const graphEvents = new Map(); // mailbox -> Map(id -> event)
const graphTransactions = new Map(); // mailbox -> Map(transactionId -> id)
const graphInFlight = new Map();
const graphStats = { maxInFlight: {}, throttled: 0 };
const WINDOWS_ZONE = /^(UTC|[A-Za-z .()+-]+ (Standard|Daylight) Time)$/;

function graphError(ctx, status, code, message) {
  json(ctx, status, { error: { code, message, innerError: { 'request-id': randomUUID() } } });
  return true;
}

async function graphEventsApi(provider, ctx) {
  const m = /^\/v1\.0\/(me|users\/([^/]+))\/(calendars\/([^/]+)\/events|calendar\/events|events)(?:\/([^/]+))?$/.exec(ctx.path);
  if (!m) return false;
  const auth = ctx.get('authorization') || '';
  const value = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const token = value ? await provider.AccessToken.find(value) : undefined;
  if (!token || token.clientId !== 'belfry-microsoft') {
    return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  }
  const mailbox = m[2] ? decodeURIComponent(m[2]).toLowerCase() : GRAPH_ME;
  const calendarId = m[4] ? decodeURIComponent(m[4]) : undefined;
  const id = m[5] ? decodeURIComponent(m[5]) : undefined;
  if (mailbox !== GRAPH_ME && !GRAPH_SHARED.has(mailbox)) {
    if (GRAPH_READONLY.has(mailbox)) return graphError(ctx, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    return graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }
  if (calendarId !== undefined) {
    const own = CALENDARS['belfry-microsoft'].body.value.find((c) => c.id === calendarId && c.owner.address === GRAPH_ME);
    if (!own) return graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (!own.canEdit) return graphError(ctx, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }
  const inFlight = (graphInFlight.get(mailbox) ?? 0) + 1;
  graphInFlight.set(mailbox, inFlight);
  graphStats.maxInFlight[mailbox] = Math.max(graphStats.maxInFlight[mailbox] ?? 0, inFlight);
  try {
    if (inFlight > 4) {
      graphStats.throttled += 1;
      ctx.set('Retry-After', '1');
      return graphError(ctx, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.');
    }
    return await graphHandle(ctx, mailbox, calendarId, id);
  } finally {
    graphInFlight.set(mailbox, graphInFlight.get(mailbox) - 1);
  }
}

async function graphHandle(ctx, mailbox, calendarId, id) {
  const fault = faults.shift();
  if (fault === 'reset') {
    ctx.respond = false;
    ctx.req.socket.destroy();
    return true;
  }
  if (fault === 'slow') await new Promise((r) => setTimeout(r, 250));
  if (fault === '503') return graphError(ctx, 503, 'ServiceNotAvailable', 'Service Unavailable');
  if (fault === '401') return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  if (fault === '504') return graphError(ctx, 504, 'UnknownError', '');
  if (fault === '429') {
    ctx.set('Retry-After', '0');
    return graphError(ctx, 429, 'TooManyRequests', 'Too many requests.');
  }
  const events = graphEvents.get(mailbox) ?? new Map();
  graphEvents.set(mailbox, events);
  const lost = () => {
    ctx.respond = false;
    ctx.req.socket.destroy();
    return true;
  };
  if (ctx.method === 'POST' && !id) {
    const body = JSON.parse((await readBody(ctx)) || '{}');
    for (const key of ['start', 'end']) {
      if (!WINDOWS_ZONE.test(body[key]?.timeZone ?? '')) {
        return graphError(ctx, 400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${body[key]?.timeZone}'.`);
      }
    }
    const transactions = graphTransactions.get(mailbox) ?? new Map();
    graphTransactions.set(mailbox, transactions);
    const earlier = body.transactionId && transactions.get(body.transactionId);
    if (earlier && events.has(earlier)) {
      const { singleValueExtendedProperties: _p, ...first } = events.get(earlier);
      json(ctx, 201, first);
      return true;
    }
    const newId = `AAMkAD${randomUUID().replaceAll('-', '')}`;
    const name = mailbox === GRAPH_ME ? 'Ana' : GRAPH_SHARED.get(mailbox);
    const stored = {
      ...body,
      id: newId,
      calendarId: calendarId ?? 'default',
      organizer: { emailAddress: { name, address: mailbox } },
      isOrganizer: mailbox === GRAPH_ME,
      createdDateTime: new Date().toISOString(),
    };
    events.set(newId, stored);
    if (body.transactionId) transactions.set(body.transactionId, newId);
    if (fault === 'lost') return lost();
    const { singleValueExtendedProperties: _p, ...created } = stored;
    json(ctx, 201, created);
    return true;
  }
  // Extended properties are returned only when asked for with $expand, as Graph does.
  const shown = (e) => {
    const { singleValueExtendedProperties: props, ...rest } = e;
    const expand = /singleValueExtendedProperties\(\$filter=id eq '([^']+)'\)/i.exec(ctx.query.$expand ?? '');
    if (!expand || !props) return rest;
    const wanted = props.filter((p) => p.id.toLowerCase() === expand[1].toLowerCase());
    return wanted.length ? { ...rest, singleValueExtendedProperties: wanted } : rest;
  };
  if (ctx.method === 'GET' && !id && calendarId === undefined) {
    // $filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')
    const f = /ep\/id eq '([^']+)' and ep\/value eq '((?:[^']|'')*)'/.exec(ctx.query.$filter ?? '');
    if (!f) return graphError(ctx, 400, 'ErrorInvalidRequest', 'Only extended-property filters are supported here.');
    const [, prop, value] = f;
    const found = [...events.values()].filter((e) => (e.singleValueExtendedProperties ?? []).some(
      (p) => p.id.toLowerCase() === prop.toLowerCase() && p.value === value.replaceAll("''", "'")));
    return json(ctx, 200, { value: found.map(shown) }), true;
  }
  if (!id || calendarId !== undefined) return graphError(ctx, 405, 'ErrorInvalidRequest', 'The OData request is not supported.');
  if (!events.has(id)) return graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  if (ctx.method === 'GET') return json(ctx, 200, shown(events.get(id))), true;
  if (ctx.method === 'PATCH') {
    const body = JSON.parse((await readBody(ctx)) || '{}');
    const before = events.get(id);
    // Extended properties in a PATCH are merged by id, as Graph does.
    const props = [...(before.singleValueExtendedProperties ?? [])];
    for (const p of body.singleValueExtendedProperties ?? []) {
      const i = props.findIndex((q) => q.id.toLowerCase() === p.id.toLowerCase());
      if (i >= 0) props[i] = p; else props.push(p);
    }
    const stored = { ...before, ...body, id, singleValueExtendedProperties: props };
    events.set(id, stored);
    if (fault === 'lost') return lost();
    const { singleValueExtendedProperties: _p, ...patched } = stored;
    return json(ctx, 200, patched), true;
  }
  if (ctx.method === 'DELETE') {
    events.delete(id);
    if (fault === 'lost') return lost();
    ctx.status = 204;
    return true;
  }
  return graphError(ctx, 405, 'ErrorInvalidRequest', 'The OData request is not supported.');
}

async function calendarApi(provider, ctx) {
  const entry = Object.entries(CALENDARS).find(([, c]) => c.path === ctx.path);
  if (!entry || ctx.method !== 'GET') return false;
  const [clientId, api] = entry;
  const auth = ctx.get('authorization') || '';
  const value = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const token = value ? await provider.AccessToken.find(value) : undefined;
  if (!token || token.clientId !== clientId) {
    ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
    json(ctx, 401, api.unauthorized);
    return true;
  }
  json(ctx, 200, api.body);
  return true;
}

function frontMiddleware(provider) {
  const resumePath = new RegExp(`^${ROUTES.authorization}/([\\w-]+)$`);

  return async function front(ctx, next) {
    if (ctx.path.startsWith('/__test/')) {
      return testHooksAsync(ctx);
    }
    if (/^\/(calendar\/v3|v1\.0)\//.test(ctx.path)) {
      const entry = { method: ctx.method, path: ctx.path, query: ctx.querystring };
      requestLog.push(entry);
      ctx.state.logged = entry;
      // Logged whole, even when a fault answers before the handler reads it.
      if (['POST', 'PUT', 'PATCH'].includes(ctx.method)) await readBody(ctx);
    }
    if (await calendarApi(provider, ctx)) {
      return undefined;
    }
    if (await googleEventsApi(provider, ctx)) {
      return undefined;
    }
    if (await graphEventsApi(provider, ctx)) {
      return undefined;
    }

    const interaction = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
    if (interaction && ctx.method === 'GET') {
      return autoApprove(provider, ctx, interaction[1]);
    }

    const resume = resumePath.exec(ctx.path);
    if (resume && ctx.method === 'GET') {
      supplyResumeCookie(provider, ctx, resume[1]);
    }

    const isToken = ctx.path === ROUTES.token && ctx.method === 'POST';
    const isRevocation = ctx.path === ROUTES.revocation && ctx.method === 'POST';
    if (isToken) counters.tokenRequests += 1;
    try {
      await next();
    } finally {
      if (isRevocation && ctx.status === 200) counters.revoked += 1;
    }
    return undefined;
  };
}

// --- startup -------------------------------------------------------------------

// The issuer contains the port, which is only known once the socket is bound,
// so the provider is created after listen() and requests are dispatched to it
// from then on. Nothing can connect before the ready line is printed.
let dispatch = (req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = createServer((req, res) => dispatch(req, res));

server.on('error', (err) => fail(`cannot listen on 127.0.0.1:${requestedPort}: ${err.message}`));

server.listen(requestedPort, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, configuration());
  provider.use(frontMiddleware(provider));
  provider.on('server_error', (ctx, err) => console.error('oauth-server: server_error', err));
  dispatch = provider.callback();

  const ready = {
    issuer,
    port,
    authorization_endpoint: `${issuer}${ROUTES.authorization}`,
    token_endpoint: `${issuer}${ROUTES.token}`,
    revocation_endpoint: `${issuer}${ROUTES.revocation}`,
    userinfo_endpoint: `${issuer}${ROUTES.userinfo}`,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Do not hang on a connection that refuses to close.
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
