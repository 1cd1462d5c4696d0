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
//   POST /__test/reset           -> {"ok": true}  resets the counters, events, faults, races
//                                   and the request log
//   POST /__test/faults          {"faults": [...]} queues faults for the next event requests
//   GET  /__test/requests        -> every Google and Graph API request: method, path, query,
//                                   body, and the If-Match it carried (ifMatch, or null)
//   GET  /__test/events          -> the Google events, by calendar
//   GET  /__test/graph           -> the Graph events by mailbox, the most requests seen in
//                                   flight on each mailbox, and how many were throttled
//   POST /__test/google/events   {"calendar", "events": [...]} stores events as given (someone
//                                   else's: a series, its exceptions with recurringEventId and
//                                   originalStartTime), each with a fresh etag
//   POST /__test/graph/events    {"mailbox", "events": [...]} the same for Graph (a
//                                   seriesMaster, exceptions with seriesMasterId and
//                                   originalStart), each with a fresh changeKey
//   POST /__test/change          {"api": "google"|"graph", "calendar"|"mailbox", "id", "change"}
//                                   changes an event now, as another client would (new etag)
//   POST /__test/race            same body: the change lands just before the next write
//                                   (PUT, PATCH, DELETE) to that event, so a write conditional
//                                   on what was read before finds the event changed (412)
//   POST /__test/delete          {"api", "calendar"|"mailbox", "id"} deletes an event as the
//                                   service's DELETE would
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
  if (ctx.method !== 'POST') return testHooks(ctx);
  const body = () => readBody(ctx).then((text) => JSON.parse(text || '{}'));
  // Where a hook's event is: a Google calendar or a Graph mailbox.
  const scope = (b) => (b.api === 'graph' ? String(b.mailbox ?? GRAPH_ME).toLowerCase() : b.calendar);
  switch (ctx.path) {
    case '/__test/faults': {
      faults.push(...((await body()).faults || []));
      return json(ctx, 200, { queued: faults.length });
    }
    case '/__test/google/events': {
      const b = await body();
      return json(ctx, 200, { events: googleSeed(b.calendar, b.events) });
    }
    case '/__test/graph/events': {
      const b = await body();
      return json(ctx, 200, { events: graphSeed(String(b.mailbox ?? GRAPH_ME).toLowerCase(), b.events) });
    }
    case '/__test/change': {
      const b = await body();
      const changed = b.api === 'graph' ? graphChange(scope(b), b.id, b.change) : googleChange(scope(b), b.id, b.change);
      return changed ? json(ctx, 200, { event: changed }) : json(ctx, 404, { error: `no event ${b.id}` });
    }
    case '/__test/race': {
      const b = await body();
      const key = `${b.api === 'graph' ? 'graph' : 'google'}|${scope(b)}/${b.id}`;
      races.set(key, [...(races.get(key) ?? []), b.change]);
      return json(ctx, 200, { queued: races.get(key).length });
    }
    case '/__test/delete': {
      const b = await body();
      const status = b.api === 'graph' ? (graphDelete(scope(b), b.id) ? 204 : 404) : googleDelete(scope(b), b.id);
      return json(ctx, 200, { status });
    }
    default:
      return testHooks(ctx);
  }
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
      races.clear();
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

// --- time, as the calendar fakes need it ---------------------------------------
// Series are expanded on the wall clock of their zone (a weekly 10:00 stays 10:00 across
// DST), daily and weekly rules only; at most MAX_OCCURRENCES starts per series.
const DAY = 86400000;
const MAX_OCCURRENCES = 3000;
const RRULE_DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const GRAPH_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
// Windows zone names (Graph) the fake knows, as IANA zones; any other is taken as UTC.
const WINDOWS_TO_IANA = {
  UTC: 'UTC',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'GMT Standard Time': 'Europe/London',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'India Standard Time': 'Asia/Kolkata',
  'AUS Eastern Standard Time': 'Australia/Sydney',
};
const wallFormats = new Map();

function zoneOr(zone) {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

// The wall clock of instant `ms` in `zone`, as the UTC milliseconds of that wall clock.
function wallClock(ms, zone) {
  let format = wallFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    wallFormats.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
}

// The instant of a wall clock (as UTC milliseconds) in `zone`.
function zoned(wall, zone) {
  const t = wall - (wallClock(wall, zone) - wall);
  return wall - (wallClock(t, zone) - t);
}

const isoUtc = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
// 20270310T150000Z: how Google and this fake name an instance after its original start.
const compact = (ms) => isoUtc(ms).replace(/[-:]/g, '');
function fromCompact(s) {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(s ?? '');
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
}

// The starts of a series from `first` (an instant) at its wall-clock time in `zone`: every
// `interval` days (daily) or weeks (weekly: on `days`, 0 = Sunday, weeks starting on
// `weekStart`), while fewer than `count`, not after `until` and before `limit`.
function expand({ first, zone, freq, interval = 1, days, weekStart = 1, count, until, limit }) {
  if (Number.isNaN(first)) return [];
  if (freq !== 'daily' && freq !== 'weekly') return first < limit ? [first] : [];
  const out = [];
  const wall0 = wallClock(first, zone);
  const day0 = Math.floor(wall0 / DAY);
  const timeOfDay = wall0 - day0 * DAY;
  const weekday = (d) => (((d + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const on = days?.length ? days : [weekday(day0)];
  const weekOrigin = day0 - ((weekday(day0) - weekStart + 7) % 7);
  const step = Math.max(1, interval || 1);
  for (let d = day0; out.length < MAX_OCCURRENCES && d - day0 < 366 * 200; d += 1) {
    const due = freq === 'daily'
      ? (d - day0) % step === 0
      : on.includes(weekday(d)) && Math.floor((d - weekOrigin) / 7) % step === 0;
    if (!due) continue;
    const at = zoned(d * DAY + timeOfDay, zone);
    if ((until !== undefined && at > until) || at >= limit) break;
    out.push(at);
    if (count !== undefined && out.length >= count) break;
  }
  return out;
}

// Whether an event from `start` to `end` (instants; no end: a moment) overlaps [min, max).
const overlaps = (start, end, min, max) => start < max && (Number.isNaN(end) ? start : end) > min;

// `patch` merged into `target` as Google's PATCH does: objects field by field, arrays and
// other values replaced, null removing a field.
function mergePatch(target, patch) {
  const out = { ...target };
  for (const [k, v] of Object.entries(patch ?? {})) {
    const both = v && typeof v === 'object' && !Array.isArray(v)
      && target?.[k] && typeof target[k] === 'object' && !Array.isArray(target[k]);
    if (v === null) delete out[k];
    else out[k] = both ? mergePatch(target[k], v) : v;
  }
  return out;
}

// One page of `items`: `size` at most, from the offset a page token names.
function pageOf(items, from, size) {
  const start = Number(from ?? 0) || 0;
  return { items: items.slice(start, start + size), next: start + size < items.length ? start + size : undefined };
}

// Changes made "elsewhere" just before the next write to an event: "api|scope/id" -> changes.
const races = new Map();
function takeRace(api, scope, id) {
  const queued = races.get(`${api}|${scope}/${id}`);
  return queued?.length ? queued.shift() : undefined;
}

// --- Google Calendar -------------------------------------------------------------
// Google Calendar events (events.insert / get / update / patch / delete / list /
// instances), by calendar and event id, with the documented behaviour Belfry relies on:
//   * every write gives the event a new `etag`; a write with `If-Match` other than the
//     event's etag is refused with 412 (conditionNotMet); `sequence` is kept as sent, and a
//     lower one than held is refused (400);
//   * PATCH merges the fields sent (objects field by field, arrays replaced);
//   * a recurring event (RRULE FREQ=DAILY|WEEKLY with INTERVAL, COUNT, UNTIL, BYDAY) has
//     instances `{id}_{original start as 20270310T150000Z}` with `recurringEventId` and
//     `originalStartTime`; an exception is such an instance stored on its own (a write to an
//     instance makes one); GET /events/{id}/instances lists them (timeMin/timeMax,
//     showDeleted, maxResults, pageToken);
//   * events.list without singleEvents returns single events, recurring events (when an
//     instance is in the range) and the exceptions of recurring events as items of their
//     own, cancelled ones included, as Google documents for showDeleted; with
//     singleEvents=true the instances instead of the recurring events (orderBy=startTime:
//     earliest first; refused without singleEvents);
//   * a deleted event stays readable with status "cancelled" and its id stays taken.
// Faults for the next event requests, one each: "503", "400" (an invalid event), "401" (the
// token revoked mid-session), "miss-collision" (the next insert of a taken id is stored as a
// second copy instead of answering 409), "429" (Retry-After: 0), "rate" (403
// rateLimitExceeded), "reset" (the connection is closed before the request is handled),
// "lost" (the event is stored, then the connection is closed before the answer: the client
// cannot know it worked).
const googleEvents = new Map();
const googleDeleted = new Set(); // "calendar/id": ids stay reserved after deletion
const googleCancelled = new Map(); // "calendar/id" -> the deleted event, status "cancelled"
const googleDuplicates = []; // second copies stored under a taken id ("miss-collision")
let etagCounter = 0;
const newEtag = () => `"${Date.now()}${(etagCounter += 1)}"`;
const faults = [];
const EVENT_ID = /^[a-v0-9]{5,1024}$/;
const INSTANCE_ID = /^(.+)_(\d{8}T\d{6}Z)$/;

function googleInstant(t) {
  if (t?.dateTime) {
    if (/(Z|[+-]\d\d:\d\d)$/.test(t.dateTime)) return Date.parse(t.dateTime);
    return zoned(Date.parse(`${t.dateTime}Z`), zoneOr(t.timeZone));
  }
  if (t?.date) return Date.parse(`${t.date}T00:00:00Z`);
  return NaN;
}

function googleCalendar(calendar) {
  const events = googleEvents.get(calendar) ?? new Map();
  googleEvents.set(calendar, events);
  return events;
}

// The starts of a recurring event before `limit`.
function googleStarts(master, limit) {
  const first = googleInstant(master.start);
  const line = (master.recurrence ?? []).find((l) => l.startsWith('RRULE:'));
  if (!line) return first < limit ? [first] : [];
  const rule = Object.fromEntries(line.slice(6).split(';').map((kv) => kv.split('=')));
  let until = rule.UNTIL ? fromCompact(rule.UNTIL) : undefined;
  if (rule.UNTIL && !rule.UNTIL.includes('T')) until += DAY - 1;
  return expand({
    first,
    zone: zoneOr(master.start?.timeZone),
    freq: rule.FREQ?.toLowerCase(),
    interval: Number(rule.INTERVAL ?? 1),
    days: rule.BYDAY?.split(',').map((d) => RRULE_DAYS.indexOf(d.slice(-2))).filter((d) => d >= 0),
    weekStart: Math.max(0, RRULE_DAYS.indexOf(rule.WKST ?? 'MO')),
    count: rule.COUNT ? Number(rule.COUNT) : undefined,
    until,
    limit,
  });
}

// The instance of `master` that starts at `at`, as Google computes one nobody changed.
function googleVirtual(master, at) {
  const { recurrence: _r, ...rest } = master;
  const length = googleInstant(master.end) - googleInstant(master.start) || 0;
  const zone = master.start?.timeZone ? { timeZone: master.start.timeZone } : {};
  return {
    ...rest,
    id: `${master.id}_${compact(at)}`,
    recurringEventId: master.id,
    originalStartTime: { dateTime: isoUtc(at), ...zone },
    start: { dateTime: isoUtc(at), ...zone },
    end: { dateTime: isoUtc(at + length), ...zone },
  };
}

// Every instance of `master` starting before `limit`: its exceptions in place.
function googleInstances(calendar, master, limit) {
  const exceptions = new Map([...googleCalendar(calendar).values()]
    .filter((e) => e.recurringEventId === master.id)
    .map((e) => [googleInstant(e.originalStartTime), e]));
  return googleStarts(master, limit).map((at) => exceptions.get(at) ?? googleVirtual(master, at));
}

// The event `id` of `calendar` as a GET shows it: stored, an instance nobody changed, or
// deleted (status "cancelled").
function googleLookup(calendar, id) {
  const events = googleCalendar(calendar);
  if (events.has(id)) return events.get(id);
  const m = INSTANCE_ID.exec(id);
  const master = m && events.get(m[1]);
  if (master?.recurrence) {
    const at = fromCompact(m[2]);
    if (googleStarts(master, at + 1).includes(at)) return googleVirtual(master, at);
  }
  return googleCancelled.get(`${calendar}/${id}`);
}

// Stores `event` as the new version of `id` (a deleted one stays deleted unless restored).
function googleStore(calendar, id, event) {
  const key = `${calendar}/${id}`;
  const events = googleCalendar(calendar);
  if (!events.has(id) && googleCancelled.has(key)) {
    if (event.status === 'cancelled') {
      googleCancelled.set(key, event);
      return;
    }
    googleCancelled.delete(key);
    googleDeleted.delete(key);
  }
  events.set(id, event);
}

// A change made elsewhere (another client, the user on the web): merged, new etag.
function googleChange(calendar, id, change) {
  const current = googleLookup(calendar, id);
  if (!current) return undefined;
  const changed = { ...mergePatch(current, change), id, etag: newEtag() };
  googleStore(calendar, id, changed);
  return changed;
}

// Deletes the event `id` as DELETE does: 204, 410 (deleted before) or 404. A recurring
// event takes its exceptions with it; an instance is kept as a cancelled exception.
function googleDelete(calendar, id) {
  const key = `${calendar}/${id}`;
  const events = googleCalendar(calendar);
  if (googleDeleted.has(key)) return 410;
  const current = googleLookup(calendar, id);
  if (!current) return 404;
  if (current.recurringEventId) {
    events.set(id, { ...current, status: 'cancelled', etag: newEtag() });
    return 204;
  }
  events.delete(id);
  googleDeleted.add(key);
  googleCancelled.set(key, { ...current, status: 'cancelled', etag: newEtag() });
  if (current.recurrence) {
    for (const [other, e] of [...events]) {
      if (e.recurringEventId === id) {
        events.delete(other);
        googleDeleted.add(`${calendar}/${other}`);
        googleCancelled.set(`${calendar}/${other}`, { ...e, status: 'cancelled', etag: newEtag() });
      }
    }
  }
  return 204;
}

// Stores events as they are given (a test's foreign events): each gets an etag, and
// defaults for what Google always fills in.
function googleSeed(calendar, events) {
  return (events ?? []).map((e) => {
    const stored = { kind: 'calendar#event', status: 'confirmed', sequence: 0, ...e, etag: newEtag() };
    googleCalendar(calendar).set(stored.id, stored);
    return stored;
  });
}

const googleNotFound = (ctx) => (json(ctx, 404, { error: { code: 404, message: 'Not Found', errors: [{ reason: 'notFound' }] } }), true);
const googleConditionNotMet = (ctx) => (json(ctx, 412, { error: { code: 412, message: 'Precondition Failed', errors: [{ domain: 'global', reason: 'conditionNotMet', message: 'Precondition Failed', locationType: 'header', location: 'If-Match' }] } }), true);

async function googleEventsApi(provider, ctx) {
  const m = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+)(\/instances)?)?$/.exec(ctx.path);
  if (!m) return false;
  const calendar = decodeURIComponent(m[1]);
  const id = m[2] ? decodeURIComponent(m[2]) : undefined;
  const instances = Boolean(m[3]);
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
  // A calendar the user may only read (accessRole reader) refuses every change, as Google
  // documents: 403 requiredAccessLevel.
  const listed = CALENDARS['belfry-google'].body.items.find((c) => c.id === calendar);
  if (ctx.method !== 'GET' && listed?.accessRole === 'reader') {
    const message = 'You need to have writer access to this calendar.';
    return json(ctx, 403, { error: { code: 403, message, errors: [{ domain: 'calendar', reason: 'requiredAccessLevel', message }] } }), true;
  }
  const lost = () => {
    ctx.respond = false;
    ctx.req.socket.destroy();
    return true;
  };
  const events = googleCalendar(calendar);
  const min = ctx.query.timeMin ? Date.parse(ctx.query.timeMin) : -Infinity;
  const max = ctx.query.timeMax ? Date.parse(ctx.query.timeMax) : Infinity;
  const within = (e) => overlaps(googleInstant(e.start), googleInstant(e.end), min, max);
  const showDeleted = ctx.query.showDeleted === 'true';
  const page = (items) => {
    const size = Math.min(Number(ctx.query.maxResults) || 250, 2500);
    const { items: shown, next } = pageOf(items, ctx.query.pageToken, size);
    return { kind: 'calendar#events', items: shown, ...(next !== undefined && { nextPageToken: String(next) }) };
  };
  if (ctx.method === 'GET' && instances) {
    const master = events.get(id);
    if (!master) return googleNotFound(ctx);
    const items = master.recurrence
      ? googleInstances(calendar, master, max).filter((e) => within(e) && (showDeleted || e.status !== 'cancelled'))
      : [];
    return json(ctx, 200, page(items)), true;
  }
  if (instances) return json(ctx, 405, { error: { code: 405, message: 'Method Not Allowed' } }), true;
  if (ctx.method === 'GET' && id) {
    // A deleted event is still there, with status "cancelled", as Google keeps it.
    const event = googleLookup(calendar, id);
    if (!event) return googleNotFound(ctx);
    return json(ctx, 200, event), true;
  }
  if (ctx.method === 'GET' && !id) {
    const single = ctx.query.singleEvents === 'true';
    const ordered = ctx.query.orderBy === 'startTime';
    // As Google: ordering by start is only for single events.
    if (ordered && !single) {
      return json(ctx, 400, { error: { code: 400, message: 'The requested ordering is not available for the particular query.', errors: [{ reason: 'badRequest' }] } }), true;
    }
    const items = [];
    for (const e of events.values()) {
      if (e.recurringEventId) {
        // An exception: an item of its own (cancelled ones too) unless instances are asked.
        if (!single && within(e)) items.push(e);
      } else if (e.recurrence) {
        const inRange = googleInstances(calendar, e, max).filter(within);
        if (single) items.push(...inRange.filter((i) => showDeleted || i.status !== 'cancelled'));
        else if (inRange.length) items.push(e);
      } else if (within(e)) {
        items.push(e);
      }
    }
    if (showDeleted) {
      for (const [key, e] of googleCancelled) {
        if (key.startsWith(`${calendar}/`) && !e.recurringEventId && (e.recurrence || within(e))) items.push(e);
      }
    }
    const wanted = ctx.query.iCalUID ? items.filter((e) => e.iCalUID === ctx.query.iCalUID) : items;
    if (ordered) wanted.sort((a, b) => googleInstant(a.start) - googleInstant(b.start));
    return json(ctx, 200, page(wanted)), true;
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
    if (fault === 'lost') return lost();
    return json(ctx, 200, stored), true;
  }
  if (!id) return json(ctx, 405, { error: { code: 405, message: 'Method Not Allowed' } }), true;
  // Another client's change lands first, as if it came between the client's read and write.
  const race = takeRace('google', calendar, id);
  if (race) googleChange(calendar, id, race);
  const match = ctx.get('if-match');
  if (ctx.method === 'PUT' || ctx.method === 'PATCH') {
    const current = googleLookup(calendar, id);
    if (!current) return googleNotFound(ctx);
    if (match && match !== current.etag) return googleConditionNotMet(ctx);
    const event = JSON.parse((await readBody(ctx)) || '{}');
    const sequence = ctx.method === 'PUT' ? (event.sequence ?? 0) : (event.sequence ?? current.sequence ?? 0);
    if (sequence < (current.sequence ?? 0)) {
      return json(ctx, 400, { error: { code: 400, message: 'Invalid sequence value. The specified sequence number is below the current sequence number of the resource.', errors: [{ reason: 'invalid' }] } }), true;
    }
    // PUT replaces the event (updating a deleted one with status "confirmed" restores it);
    // PATCH merges what it sends into what is held.
    const stored = ctx.method === 'PUT'
      ? { ...event, id, kind: 'calendar#event', status: event.status ?? 'confirmed', etag: newEtag() }
      : { ...mergePatch(current, event), id, etag: newEtag() };
    googleStore(calendar, id, stored);
    if (fault === 'lost') return lost();
    return json(ctx, 200, stored), true;
  }
  if (ctx.method === 'DELETE') {
    const current = googleLookup(calendar, id);
    if (match && current && match !== current.etag) return googleConditionNotMet(ctx);
    const status = googleDelete(calendar, id);
    if (status === 410) return json(ctx, 410, { error: { code: 410, message: 'Resource has been deleted' } }), true;
    if (status === 404) return googleNotFound(ctx);
    if (fault === 'lost') return lost();
    ctx.status = 204;
    return true;
  }
  return json(ctx, 405, { error: { code: 405, message: 'Method Not Allowed' } }), true;
}

// Microsoft Graph events, by mailbox, with the documented behaviour Belfry relies on:
//   POST /v1.0/me/calendars/{id}/events      a calendar of the signed-in user (canEdit)
//   POST /v1.0/users/{owner}/calendar/events a host's calendar shared with the signed-in user
//   GET|PATCH|DELETE /v1.0/me/events/{id} and /v1.0/users/{owner}/events/{id}
//   GET /v1.0/{me|users/{owner}}/events/{id}/instances?startDateTime=&endDateTime=
//   GET /v1.0/me/calendars/{id}/calendarView, /v1.0/users/{owner}/calendar/calendarView and
//       /v1.0/me/calendarView ?startDateTime=&endDateTime= ($top, default 10; $skip; an
//       absolute @odata.nextLink)
// The server assigns event ids; a POST whose `transactionId` the mailbox has seen returns the
// event made the first time instead of a second one. The calendar owner is the organizer.
// `start`/`end` need a Windows time zone name (or UTC). Every write gives the event a new
// `changeKey` and `@odata.etag` (W/"changeKey"); a PATCH or DELETE with `If-Match` other than
// the event's @odata.etag is refused with 412 ErrorIrresolvableConflict. An event with a
// `recurrence` (daily or weekly patternedRecurrence, endDate/noEnd/numbered) is a
// `seriesMaster`; its occurrences (`type: occurrence`, id `{master}_{20270310T150000Z}`) are
// computed, and an occurrence written to becomes an `exception`, stored on its own, both
// with `seriesMasterId` and `originalStart`; calendarView and instances list occurrences and
// exceptions (never the master), times in UTC as Graph gives them without a Prefer header.
// More than 4 requests in flight on one mailbox are refused with 429 ApplicationThrottled
// (MailboxConcurrency), as Exchange Online does. Faults are taken from the same queue as
// Google's, plus "slow" (answer after 250 ms) and "504".
const GRAPH_ME = 'ana@example.com';
const GRAPH_SHARED = new Map([['lee@example.com', 'Prof. Lee']]); // owner -> name (writable)
const GRAPH_READONLY = new Set(['team@example.com']);
const graphEvents = new Map(); // mailbox -> Map(id -> event)
const graphTransactions = new Map(); // mailbox -> Map(transactionId -> id)
const graphInFlight = new Map();
const graphStats = { maxInFlight: {}, throttled: 0 };
const WINDOWS_ZONE = /^(UTC|[A-Za-z .()+-]+ (Standard|Daylight) Time)$/;
let changeCounter = 0;

function graphError(ctx, status, code, message) {
  json(ctx, status, { error: { code, message, innerError: { 'request-id': randomUUID() } } });
  return true;
}

function graphMailbox(mailbox) {
  const events = graphEvents.get(mailbox) ?? new Map();
  graphEvents.set(mailbox, events);
  return events;
}

// `event` with a new changeKey and @odata.etag: every write makes one.
function graphVersion(event) {
  const changeKey = Buffer.from(`v${Date.now()}.${(changeCounter += 1)}`).toString('base64');
  return { ...event, changeKey, '@odata.etag': `W/"${changeKey}"` };
}

function graphInstant(t) {
  if (!t?.dateTime) return NaN;
  const wall = Date.parse(`${t.dateTime.replace(/(\.\d+)?Z?$/, '')}Z`);
  return zoned(wall, WINDOWS_TO_IANA[t.timeZone] ?? 'UTC');
}
const graphUtc = (ms) => ({ dateTime: `${isoUtc(ms).slice(0, 19)}.0000000`, timeZone: 'UTC' });
const isSeries = (e) => e.type === 'seriesMaster' || (Boolean(e.recurrence) && !e.seriesMasterId);

// The starts of a series master before `limit`.
function graphStarts(master, limit) {
  const pattern = master.recurrence?.pattern ?? {};
  const range = master.recurrence?.range ?? {};
  const zone = WINDOWS_TO_IANA[range.recurrenceTimeZone] ?? WINDOWS_TO_IANA[master.start?.timeZone] ?? 'UTC';
  const until = range.type === 'endDate' && range.endDate
    ? zoned(Date.parse(`${range.endDate}T23:59:59Z`), zone)
    : undefined;
  return expand({
    first: graphInstant(master.start),
    zone,
    freq: pattern.type,
    interval: pattern.interval ?? 1,
    days: (pattern.daysOfWeek ?? []).map((d) => GRAPH_DAYS.indexOf(String(d).toLowerCase())).filter((d) => d >= 0),
    weekStart: Math.max(0, GRAPH_DAYS.indexOf(String(pattern.firstDayOfWeek ?? 'sunday').toLowerCase())),
    count: range.type === 'numbered' ? range.numberOfOccurrences : undefined,
    until,
    limit,
  });
}

// The occurrence of `master` at `at`, as Graph computes one nobody changed.
function graphOccurrence(master, at) {
  const { recurrence: _r, singleValueExtendedProperties: _p, transactionId: _t, cancelledOccurrences: _c, ...rest } = master;
  const length = graphInstant(master.end) - graphInstant(master.start) || 0;
  return {
    ...rest,
    id: `${master.id}_${compact(at)}`,
    type: 'occurrence',
    seriesMasterId: master.id,
    originalStart: isoUtc(at),
    start: graphUtc(at),
    end: graphUtc(at + length),
    recurrence: null,
  };
}

// The occurrences and exceptions of `master` starting before `limit` (cancelled ones left
// out).
function graphInstances(mailbox, master, limit) {
  const exceptions = new Map([...graphMailbox(mailbox).values()]
    .filter((e) => e.seriesMasterId === master.id)
    .map((e) => [Date.parse(e.originalStart), e]));
  const cancelled = new Set(master.cancelledOccurrences ?? []);
  return graphStarts(master, limit)
    .map((at) => exceptions.get(at) ?? graphOccurrence(master, at))
    .filter((e) => !cancelled.has(e.id) && !e.isCancelled);
}

// The event `id` of `mailbox`: stored, or an occurrence nobody changed.
function graphLookup(mailbox, id) {
  const events = graphMailbox(mailbox);
  if (events.has(id)) return events.get(id);
  const m = INSTANCE_ID.exec(id);
  const master = m && events.get(m[1]);
  if (master && isSeries(master)) {
    const at = fromCompact(m[2]);
    if (graphStarts(master, at + 1).includes(at) && !(master.cancelledOccurrences ?? []).includes(id)) {
      return graphOccurrence(master, at);
    }
  }
  return undefined;
}

// `body` written over `current` as PATCH does: fields replaced, extended properties merged
// by id; an occurrence written to becomes an exception.
function graphPatched(current, body) {
  const props = [...(current.singleValueExtendedProperties ?? [])];
  for (const p of body.singleValueExtendedProperties ?? []) {
    const i = props.findIndex((q) => q.id.toLowerCase() === p.id.toLowerCase());
    if (i >= 0) props[i] = p; else props.push(p);
  }
  const patched = { ...current, ...body, id: current.id, singleValueExtendedProperties: props };
  if (current.type === 'occurrence') patched.type = 'exception';
  return graphVersion(patched);
}

// A change made elsewhere (Outlook, another client): written over the event, new changeKey.
function graphChange(mailbox, id, change) {
  const current = graphLookup(mailbox, id);
  if (!current) return undefined;
  const changed = graphPatched(current, change);
  graphMailbox(mailbox).set(id, changed);
  return changed;
}

// Deletes `id` as DELETE does (a series master with its exceptions; an occurrence is
// cancelled from its series); false when there is no such event.
function graphDelete(mailbox, id) {
  const events = graphMailbox(mailbox);
  const current = graphLookup(mailbox, id);
  if (!current) return false;
  if (current.seriesMasterId) {
    const master = events.get(current.seriesMasterId);
    if (master) events.set(master.id, { ...master, cancelledOccurrences: [...(master.cancelledOccurrences ?? []), id] });
    events.delete(id);
    return true;
  }
  events.delete(id);
  for (const [other, e] of [...events]) if (e.seriesMasterId === id) events.delete(other);
  return true;
}

// Stores events as they are given (a test's foreign events), each with an id, a changeKey
// and its type.
function graphSeed(mailbox, events) {
  return (events ?? []).map((e) => {
    const type = e.recurrence ? 'seriesMaster' : e.seriesMasterId ? 'exception' : 'singleInstance';
    const stored = graphVersion({
      id: `AAMkAD${randomUUID().replaceAll('-', '')}`,
      calendarId: 'default',
      type,
      iCalUId: `040000008200E00074C5B7101A82E008${randomUUID().replaceAll('-', '')}`,
      ...e,
    });
    graphMailbox(mailbox).set(stored.id, stored);
    return stored;
  });
}

async function graphEventsApi(provider, ctx) {
  const m = /^\/v1\.0\/(me|users\/([^/]+))\/(?:(calendars\/([^/]+)|calendar)\/)?(events|calendarView)(?:\/([^/]+))?(\/instances)?$/.exec(ctx.path);
  if (!m) return false;
  const auth = ctx.get('authorization') || '';
  const value = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const token = value ? await provider.AccessToken.find(value) : undefined;
  if (!token || token.clientId !== 'belfry-microsoft') {
    return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  }
  const mailbox = m[2] ? decodeURIComponent(m[2]).toLowerCase() : GRAPH_ME;
  const calendarId = m[4] ? decodeURIComponent(m[4]) : undefined;
  const view = m[5] === 'calendarView';
  const id = m[6] ? decodeURIComponent(m[6]) : undefined;
  const instances = Boolean(m[7]);
  if (mailbox !== GRAPH_ME && !GRAPH_SHARED.has(mailbox)) {
    if (GRAPH_READONLY.has(mailbox)) return graphError(ctx, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    return graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }
  if (calendarId !== undefined) {
    const own = CALENDARS['belfry-microsoft'].body.value.find((c) => c.id === calendarId && c.owner.address === GRAPH_ME);
    if (!own) return graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    // Reading a calendar needs no edit right; writing does.
    if (!own.canEdit && !(view && ctx.method === 'GET')) return graphError(ctx, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
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
    return await graphHandle(ctx, { mailbox, calendarId, id, view, instances });
  } finally {
    graphInFlight.set(mailbox, graphInFlight.get(mailbox) - 1);
  }
}

// Whether `event` is in the calendar `calendarId` of its mailbox (undefined: the mailbox's
// default calendar, or all of them for calendarView).
function inGraphCalendar(event, calendarId) {
  if (calendarId === undefined) return true;
  const calendar = CALENDARS['belfry-microsoft'].body.value.find((c) => c.id === calendarId);
  const held = event.calendarId ?? 'default';
  return held === calendarId || (Boolean(calendar?.isDefaultCalendar) && held === 'default');
}

async function graphHandle(ctx, { mailbox, calendarId, id, view, instances }) {
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
  const events = graphMailbox(mailbox);
  const lost = () => {
    ctx.respond = false;
    ctx.req.socket.destroy();
    return true;
  };
  // Extended properties are returned only when asked for with $expand, as Graph does.
  const shown = (e) => {
    const { singleValueExtendedProperties: props, cancelledOccurrences: _c, ...rest } = e;
    const expand = /singleValueExtendedProperties\(\$filter=id eq '([^']+)'\)/i.exec(ctx.query.$expand ?? '');
    if (!expand || !props) return rest;
    const wanted = props.filter((p) => p.id.toLowerCase() === expand[1].toLowerCase());
    return wanted.length ? { ...rest, singleValueExtendedProperties: wanted } : rest;
  };
  // A time window (calendarView, instances): required, as Graph requires it; a page of the
  // events in it, earliest first, in UTC.
  const windowed = (list) => {
    const instant = (q) => Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(q ?? '') ? q : `${q}Z`);
    const start = instant(ctx.query.startDateTime);
    const end = instant(ctx.query.endDateTime);
    if (Number.isNaN(start) || Number.isNaN(end)) {
      return graphError(ctx, 400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
    }
    const items = list(end)
      .filter((e) => overlaps(graphInstant(e.start), graphInstant(e.end), start, end))
      .sort((a, b) => graphInstant(a.start) - graphInstant(b.start))
      .map((e) => ({ ...e, start: graphUtc(graphInstant(e.start)), end: graphUtc(graphInstant(e.end)) }));
    const top = Math.min(Number(ctx.query.$top) || 10, 1000);
    const { items: page, next } = pageOf(items, ctx.query.$skip, top);
    const body = { value: page.map(shown) };
    if (next !== undefined) {
      const query = new URLSearchParams({ ...ctx.query, $skip: String(next) });
      body['@odata.nextLink'] = `${ctx.origin}${ctx.path}?${query}`;
    }
    return json(ctx, 200, body), true;
  };
  if (view) {
    if (id || ctx.method !== 'GET') return graphError(ctx, 405, 'ErrorInvalidRequest', 'The OData request is not supported.');
    return windowed((end) => [...events.values()]
      .filter((e) => inGraphCalendar(e, calendarId) && !e.seriesMasterId)
      .flatMap((e) => (isSeries(e) ? graphInstances(mailbox, e, end) : [e])));
  }
  if (instances) {
    if (ctx.method !== 'GET' || calendarId !== undefined) return graphError(ctx, 405, 'ErrorInvalidRequest', 'The OData request is not supported.');
    const master = events.get(id);
    if (!master) return graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return windowed((end) => (isSeries(master) ? graphInstances(mailbox, master, end) : []));
  }
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
    const stored = graphVersion({
      ...body,
      id: newId,
      type: body.recurrence ? 'seriesMaster' : 'singleInstance',
      iCalUId: `040000008200E00074C5B7101A82E008${randomUUID().replaceAll('-', '')}`,
      calendarId: calendarId ?? 'default',
      organizer: { emailAddress: { name, address: mailbox } },
      isOrganizer: mailbox === GRAPH_ME,
      createdDateTime: new Date().toISOString(),
    });
    events.set(newId, stored);
    if (body.transactionId) transactions.set(body.transactionId, newId);
    if (fault === 'lost') return lost();
    const { singleValueExtendedProperties: _p, ...created } = stored;
    json(ctx, 201, created);
    return true;
  }
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
  // Another client's change lands first, as if it came between the client's read and write.
  if (ctx.method !== 'GET') {
    const race = takeRace('graph', mailbox, id);
    if (race) graphChange(mailbox, id, race);
  }
  const current = graphLookup(mailbox, id);
  if (!current) return graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  if (ctx.method === 'GET') return json(ctx, 200, shown(current)), true;
  const match = ctx.get('if-match');
  if (match && match !== current['@odata.etag']) {
    return graphError(ctx, 412, 'ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
  }
  if (ctx.method === 'PATCH') {
    const body = JSON.parse((await readBody(ctx)) || '{}');
    const stored = graphPatched(current, body);
    events.set(id, stored);
    if (fault === 'lost') return lost();
    const { singleValueExtendedProperties: _p, cancelledOccurrences: _c, ...patched } = stored;
    return json(ctx, 200, patched), true;
  }
  if (ctx.method === 'DELETE') {
    graphDelete(mailbox, id);
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
      const entry = { method: ctx.method, path: ctx.path, query: ctx.querystring, ifMatch: ctx.get('if-match') || null };
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
