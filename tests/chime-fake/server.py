#!/usr/bin/env python3
"""Loopback fake of the Amazon Chime admin REST API (rest-json, API version 2018-05-01).

Serves the account and user administration operations listed in ROUTES from memory, in
the wire format of botocore's model `chime/2018-05-01/service-2.json`, so that the real
`aws-sdk-chime` client can be pointed at it with an endpoint override.

Usage:
    server.py --port N        bind 127.0.0.1:N (0 = any free port), print
                              "listening on http://127.0.0.1:PORT", serve until SIGTERM/SIGINT
    server.py --routes        print the served routes as JSON and exit

Requests must be signed (SigV4) with an access key the fake knows: CHIME_FAKE_KEYS holds them,
as "ID=SECRET;ID=SECRET".

Test hooks (no authentication, not part of the API):
    POST /__test/reset        forget all accounts, users, queued faults and the request log
    POST /__test/seed         add accounts and users, see seed()
    POST /__test/faults       queue faults, see Fault
    GET  /__test/state        every account (deleted ones too) with its users and settings
    GET  /__test/requests     {"count": N, "log": [[method, path?query], ...]} of API requests

Standard library only. See README.md beside this file.
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

AWS_ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
SERVICE = "chime"

# The model documents "Defaults to 100" for ListAccounts and ListUsers; --default-max-results
# lowers it so that tests can force pagination on small data sets.
DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_RANGE = (1, 200)  # ProfileServiceMaxResults

# Enum values the fake accepts or returns, keyed by the model's shape name. The contract test
# checks each one against the model.
LICENSES = ("Basic", "Plus", "Pro", "ProTrial")
ACCOUNT_TYPES = ("Team", "EnterpriseDirectory", "EnterpriseLWA", "EnterpriseOIDC")
ACCOUNT_STATUSES = ("Suspended", "Active")
USER_TYPES = ("PrivateUser", "SharedDevice")
REGISTRATION_STATUSES = ("Unregistered", "Registered", "Suspended")
INVITE_STATUSES = ("Pending", "Accepted", "Failed")
EMAIL_STATUSES = ("NotSent", "Sent", "Failed")
USER_ERROR_CODES = ("BadRequest", "NotFound")
MODEL_ENUMS = {
    "License": LICENSES,
    "AccountType": ACCOUNT_TYPES,
    "AccountStatus": ACCOUNT_STATUSES,
    "UserType": USER_TYPES,
    "RegistrationStatus": REGISTRATION_STATUSES,
    "InviteStatus": INVITE_STATUSES,
    "EmailStatus": EMAIL_STATUSES,
    "ErrorCode": USER_ERROR_CODES,
}

# What CreateAccount gives a new account.
NEW_ACCOUNT_LICENSE = "Pro"
SUPPORTED_LICENSES = ("Basic", "Pro")

# Error shapes the fake returns: shape name -> (HTTP status, value of the body's `Code` member,
# which is the model's ErrorCode enum). The shape name goes in the x-amzn-ErrorType header,
# which is what the AWS SDKs match the modeled error by.
ERRORS = {
    "BadRequestException": (400, "BadRequest"),
    "ForbiddenException": (403, "Forbidden"),
    "NotFoundException": (404, "NotFound"),
    "UnprocessableEntityException": (422, "Unprocessable"),
    "ThrottledClientException": (429, "Throttled"),
    "ServiceFailureException": (500, "ServiceFailure"),
    "ServiceUnavailableException": (503, "ServiceUnavailable"),
}

# Errors any operation can return: validation, unknown ids, authentication and injected faults.
GENERIC_ERRORS = (
    "BadRequestException",
    "ForbiddenException",
    "NotFoundException",
    "ThrottledClientException",
    "ServiceFailureException",
    "ServiceUnavailableException",
)

EMAIL_RE = re.compile(r".+@.+\..+")  # the model's EmailAddress pattern
PIN_RE = re.compile(r"\d{10}")


class ApiError(Exception):
    """An error response in the model's shape `name`."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


def bad_request(message):
    return ApiError("BadRequestException", message)


def now_iso():
    """The current time as the model's Iso8601Timestamp (UTC, milliseconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def drop_none(record):
    return {k: v for k, v in record.items() if v is not None}


# ---------------------------------------------------------------------------------------------
# State


@dataclass
class Account:
    fields: dict  # the model's Account members
    users: dict = field(default_factory=dict)  # UserId -> the model's User members
    settings: dict = field(
        default_factory=lambda: {"DisableRemoteControl": False, "EnableDialOut": False}
    )
    deleted: bool = False

    @property
    def id(self):
        return self.fields["AccountId"]

    @property
    def type(self):
        return self.fields["AccountType"]

    def view(self):
        return drop_none(self.fields)

    def user_by_email(self, email):
        email = email.lower()
        return next((u for u in self.users.values() if u["PrimaryEmail"].lower() == email), None)


class Fake:
    """All state, guarded by `lock`."""

    def __init__(self, default_max_results=DEFAULT_MAX_RESULTS, keys=None):
        self.lock = threading.Lock()
        self.default_max_results = default_max_results
        self.keys = known_keys() if keys is None else keys  # access key id -> secret
        self.reset()

    def reset(self):
        self.accounts = {}  # AccountId -> Account, in creation order
        self.faults = []  # queued Fault objects
        self.log = []  # [method, path] of every API request

    def live_account(self, account_id):
        account = self.accounts.get(account_id)
        if account is None or account.deleted:
            raise ApiError("NotFoundException", f"Account {account_id} not found.")
        return account

    def user(self, account, user_id):
        user = account.users.get(user_id)
        if user is None:
            raise ApiError("NotFoundException", f"User {user_id} not found.")
        return user

    def new_pin(self):
        """A personal meeting PIN: ten digits, unique across all users."""
        taken = {u.get("PersonalPIN") for a in self.accounts.values() for u in a.users.values()}
        while True:
            pin = f"{secrets.randbelow(10**10):010d}"
            if pin not in taken:
                return pin

    def add_account(self, name, account_type, default_license, account_id=None):
        account = Account(
            {
                "AwsAccountId": AWS_ACCOUNT_ID,
                "AccountId": account_id or str(uuid.uuid4()),
                "Name": name,
                "AccountType": account_type,
                "CreatedTimestamp": now_iso(),
                "DefaultLicense": default_license,
                "SupportedLicenses": list(SUPPORTED_LICENSES),
                "AccountStatus": "Active",
                "SigninDelegateGroups": [],
            }
        )
        self.accounts[account.id] = account
        return account

    def add_user(self, account, email, **fields):
        """Adds a user; `fields` may override any User member except AccountId."""
        status = fields.pop("UserRegistrationStatus", None) or "Registered"
        stamp = now_iso()
        user = {
            "UserId": str(uuid.uuid4()),
            "AccountId": account.id,
            "PrimaryEmail": email,
            "DisplayName": None,
            "LicenseType": account.fields["DefaultLicense"],
            "UserType": "PrivateUser",
            "UserRegistrationStatus": status,
            "UserInvitationStatus": "Pending" if status == "Unregistered" else "Accepted",
            "RegisteredOn": None if status == "Unregistered" else stamp,
            "InvitedOn": stamp,
            "PersonalPIN": self.new_pin(),
        }
        user.update({k: v for k, v in fields.items() if v is not None})
        account.users[user["UserId"]] = user
        return user


# ---------------------------------------------------------------------------------------------
# Request validation


def text_member(body, name, required=False):
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string.")
    return value


def enum_member(body, name, allowed, required=False):
    value = text_member(body, name, required)
    if value is not None and value not in allowed:
        raise bad_request(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def bool_member(body, name):
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise bad_request(f"{name} must be a boolean.")
    return value


def list_member(body, name, limit):
    value = body.get(name)
    if value is None:
        raise bad_request(f"{name} is required.")
    if not isinstance(value, list):
        raise bad_request(f"{name} must be a list.")
    if len(value) > limit:
        raise bad_request(f"{name} has {len(value)} items; the maximum is {limit}.")
    return value


def check_email(value, name):
    if not isinstance(value, str) or not EMAIL_RE.fullmatch(value):
        raise bad_request(f"{name} {value!r} is not a valid email address.")
    return value


def check_account_name(value):
    if not 1 <= len(value) <= 100 or not value.strip():
        raise bad_request("Name must be 1 to 100 characters and not only whitespace.")
    return value


def check_license(account, license_type):
    if license_type is not None and license_type not in account.fields["SupportedLicenses"]:
        raise bad_request(f"License {license_type} is not supported by account {account.id}.")


def alexa_member(body):
    value = body.get("AlexaForBusinessMetadata")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("AlexaForBusinessMetadata must be an object.")
    bool_member(value, "IsAlexaForBusinessEnabled")
    text_member(value, "AlexaForBusinessRoomArn")
    return {
        k: value[k]
        for k in ("IsAlexaForBusinessEnabled", "AlexaForBusinessRoomArn")
        if value.get(k) is not None
    }


# ---------------------------------------------------------------------------------------------
# Pagination
#
# Tokens are opaque to clients. Their bytes start with _TOKEN_MAGIC, which base64 turns into
# "+/9", so every token carries characters a client must percent-encode in a query string; a
# client that does not gets a BadRequestException ("+" decodes to a space).

_TOKEN_MAGIC = b"\xfb\xff"


def _encode_token(scope, offset):
    payload = json.dumps({"s": scope, "o": offset}, separators=(",", ":")).encode()
    return base64.b64encode(_TOKEN_MAGIC + payload).decode()


def _decode_token(token, scope):
    try:
        raw = base64.b64decode(token, validate=True)
        if not raw.startswith(_TOKEN_MAGIC):
            raise ValueError
        data = json.loads(raw[len(_TOKEN_MAGIC) :])
        if data["s"] != scope or not isinstance(data["o"], int) or data["o"] < 0:
            raise ValueError
        return data["o"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise bad_request("Invalid next token.") from None


def paginate(fake, req, scope, items):
    """One page of `items` per the request's max-results and next-token.

    `scope` names the listing and its filters, so a token only continues the same listing.
    """
    raw = req.query.get("max-results")
    if raw is None:
        limit = fake.default_max_results
    else:
        try:
            limit = int(raw)
        except ValueError:
            raise bad_request("max-results must be an integer.") from None
        low, high = MAX_RESULTS_RANGE
        if not low <= limit <= high:
            raise bad_request(f"max-results must be between {low} and {high}.")
    token = req.query.get("next-token")
    start = 0 if token is None else _decode_token(token, scope)
    end = start + limit
    next_token = _encode_token(scope, end) if end < len(items) else None
    return items[start:end], next_token


# ---------------------------------------------------------------------------------------------
# Operations. Each takes (fake, req) with the state lock held and returns the response body
# (None for operations without one) or raises ApiError.


@dataclass
class Request:
    labels: dict  # URI labels by locationName, percent-decoded
    query: dict  # query parameters by name, the first value of each
    body: dict


def create_account(fake, req):
    name = check_account_name(text_member(req.body, "Name", required=True))
    # Only Team accounts can be created through the API.
    account = fake.add_account(name, "Team", NEW_ACCOUNT_LICENSE)
    return {"Account": account.view()}


def list_accounts(fake, req):
    name = req.query.get("name")
    email = req.query.get("user-email")
    if email is not None:
        check_email(email, "user-email")
    accounts = [
        a
        for a in fake.accounts.values()
        if not a.deleted
        and (name is None or a.fields["Name"].startswith(name))  # the model: a name prefix
        and (email is None or a.user_by_email(email) is not None)
    ]
    page, token = paginate(fake, req, ["accounts", name, email], accounts)
    return drop_none({"Accounts": [a.view() for a in page], "NextToken": token})


def get_account(fake, req):
    return {"Account": fake.live_account(req.labels["accountId"]).view()}


def update_account(fake, req):
    account = fake.live_account(req.labels["accountId"])
    name = text_member(req.body, "Name")
    license_type = enum_member(req.body, "DefaultLicense", LICENSES)
    if name is not None:
        check_account_name(name)
    check_license(account, license_type)
    if name is not None:
        account.fields["Name"] = name
    if license_type is not None:
        account.fields["DefaultLicense"] = license_type
    return {"Account": account.view()}


def delete_account(fake, req):
    account = fake.live_account(req.labels["accountId"])
    # "You must suspend all users before deleting a Team account."
    if account.type == "Team":
        active = [u for u in account.users.values() if u["UserRegistrationStatus"] != "Suspended"]
        if active:
            raise ApiError(
                "UnprocessableEntityException",
                f"Account {account.id} has {len(active)} users that are not suspended. "
                "You must suspend all users before deleting a Team account.",
            )
    # The real service keeps a deleted account in the Disabled list for 90 days; the API no
    # longer finds it, and /__test/state shows it with "Deleted": true.
    account.deleted = True
    return None


def list_users(fake, req):
    account = fake.live_account(req.labels["accountId"])
    email = req.query.get("user-email")
    user_type = req.query.get("user-type")
    if email is not None:
        check_email(email, "user-email")
    if user_type is not None and user_type not in USER_TYPES:
        raise bad_request(f"user-type must be one of {', '.join(USER_TYPES)}.")
    users = [
        u
        for u in account.users.values()
        if (email is None or u["PrimaryEmail"].lower() == email.lower())
        and (user_type is None or u["UserType"] == user_type)
    ]
    page, token = paginate(fake, req, ["users", account.id, email, user_type], users)
    return drop_none({"Users": [drop_none(u) for u in page], "NextToken": token})


def get_user(fake, req):
    account = fake.live_account(req.labels["accountId"])
    return {"User": drop_none(fake.user(account, req.labels["userId"]))}


def invite_users(fake, req):
    account = fake.live_account(req.labels["accountId"])
    emails = list_member(req.body, "UserEmailList", 50)
    for email in emails:
        check_email(email, "UserEmailList item")
    user_type = enum_member(req.body, "UserType", USER_TYPES) or "PrivateUser"
    if account.type != "Team":
        raise bad_request(f"Account {account.id} is not a Team account; only Team accounts invite.")
    invites = []
    for email in emails:
        user = account.user_by_email(email)
        if user is None:
            fake.add_user(account, email, UserRegistrationStatus="Unregistered", UserType=user_type)
            status, email_status = "Pending", "Sent"
        elif user["UserRegistrationStatus"] == "Suspended":
            # Inviting a suspended Team user again is how the real service lifts the suspension.
            user.update(
                UserRegistrationStatus="Unregistered",
                UserInvitationStatus="Pending",
                InvitedOn=now_iso(),
                RegisteredOn=None,
            )
            status, email_status = "Pending", "Sent"
        else:
            # Already a member of the account: nothing is sent.
            status, email_status = "Failed", "NotSent"
        invites.append(
            {
                "InviteId": str(uuid.uuid4()),
                "Status": status,
                "EmailAddress": email,
                "EmailStatus": email_status,
            }
        )
    return {"Invites": invites}


def update_user(fake, req):
    account = fake.live_account(req.labels["accountId"])
    user = fake.user(account, req.labels["userId"])
    license_type = enum_member(req.body, "LicenseType", LICENSES)
    user_type = enum_member(req.body, "UserType", USER_TYPES)
    alexa = alexa_member(req.body)
    check_license(account, license_type)
    changes = {"LicenseType": license_type, "UserType": user_type}
    user.update(drop_none({**changes, "AlexaForBusinessMetadata": alexa}))
    return {"User": drop_none(user)}


def _user_error(user_id, code, message):
    return {"UserId": user_id, "ErrorCode": code, "ErrorMessage": message}


def batch_update_user(fake, req):
    account = fake.live_account(req.labels["accountId"])
    items = list_member(req.body, "UpdateUserRequestItems", 20)
    for item in items:
        if not isinstance(item, dict):
            raise bad_request("UpdateUserRequestItems items must be objects.")
        text_member(item, "UserId", required=True)
        enum_member(item, "LicenseType", LICENSES)
        enum_member(item, "UserType", USER_TYPES)
        alexa_member(item)
    errors = []
    for item in items:
        user_id = item["UserId"]
        user = account.users.get(user_id)
        license_type = item.get("LicenseType")
        if user is None:
            errors.append(_user_error(user_id, "NotFound", f"User {user_id} not found."))
        elif license_type is not None and license_type not in account.fields["SupportedLicenses"]:
            errors.append(
                _user_error(user_id, "BadRequest", f"License {license_type} is not supported.")
            )
        else:
            changes = {
                "LicenseType": license_type,
                "UserType": item.get("UserType"),
                "AlexaForBusinessMetadata": alexa_member(item),
            }
            user.update(drop_none(changes))
    return {"UserErrors": errors}


def _user_ids(req):
    ids = list_member(req.body, "UserIdList", 50)
    if not all(isinstance(i, str) and i.strip() for i in ids):
        raise bad_request("UserIdList items must be non-empty strings.")
    return ids


def batch_suspend_user(fake, req):
    account = fake.live_account(req.labels["accountId"])
    ids = _user_ids(req)
    if account.type not in ("Team", "EnterpriseLWA"):
        raise bad_request("Only users of Team and EnterpriseLWA accounts can be suspended.")
    errors = []
    for user_id in ids:
        user = account.users.get(user_id)
        if user is None:
            errors.append(_user_error(user_id, "NotFound", f"User {user_id} not found."))
        else:
            user["UserRegistrationStatus"] = "Suspended"
    return {"UserErrors": errors}


def batch_unsuspend_user(fake, req):
    account = fake.live_account(req.labels["accountId"])
    ids = _user_ids(req)
    # The model: only EnterpriseLWA users can be unsuspended; a Team user is invited again.
    if account.type != "EnterpriseLWA":
        raise bad_request("Only users of EnterpriseLWA accounts can be unsuspended.")
    errors = []
    for user_id in ids:
        user = account.users.get(user_id)
        if user is None:
            errors.append(_user_error(user_id, "NotFound", f"User {user_id} not found."))
        elif user["UserRegistrationStatus"] == "Suspended":
            user["UserRegistrationStatus"] = "Registered"
            user["RegisteredOn"] = user.get("RegisteredOn") or now_iso()
        # Users who are not suspended are ignored.
    return {"UserErrors": errors}


def reset_personal_pin(fake, req):
    account = fake.live_account(req.labels["accountId"])
    user = fake.user(account, req.labels["userId"])
    user["PersonalPIN"] = fake.new_pin()
    return {"User": drop_none(user)}


def logout_user(fake, req):
    account = fake.live_account(req.labels["accountId"])
    fake.user(account, req.labels["userId"])
    return None


def get_account_settings(fake, req):
    account = fake.live_account(req.labels["accountId"])
    return {"AccountSettings": dict(account.settings)}


def update_account_settings(fake, req):
    account = fake.live_account(req.labels["accountId"])
    settings = req.body.get("AccountSettings")
    if not isinstance(settings, dict):
        raise bad_request("AccountSettings is required and must be an object.")
    changes = {k: bool_member(settings, k) for k in ("DisableRemoteControl", "EnableDialOut")}
    account.settings.update(drop_none(changes))
    return None


# ---------------------------------------------------------------------------------------------
# Routes: the single table that both dispatch and `--routes` read. `uri` is the model's
# requestUri verbatim, `status` its responseCode, `errors` the error shapes the operation can
# return.


@dataclass
class Route:
    operation: str
    method: str
    uri: str
    handler: object
    status: int = 200
    extra_errors: tuple = ()

    def __post_init__(self):
        path, _, query = self.uri.partition("?")
        # Literal query parameters (e.g. operation=add) are part of what selects the route.
        self.literal_query = dict(p.split("=", 1) for p in query.split("&") if p)
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        self.path_re = re.compile(pattern + r"\Z")

    @property
    def errors(self):
        return GENERIC_ERRORS + self.extra_errors


ROUTES = [
    Route("CreateAccount", "POST", "/accounts", create_account, status=201),
    Route("ListAccounts", "GET", "/accounts", list_accounts),
    Route("GetAccount", "GET", "/accounts/{accountId}", get_account),
    Route("UpdateAccount", "POST", "/accounts/{accountId}", update_account),
    Route(
        "DeleteAccount",
        "DELETE",
        "/accounts/{accountId}",
        delete_account,
        status=204,
        extra_errors=("UnprocessableEntityException",),
    ),
    Route("GetAccountSettings", "GET", "/accounts/{accountId}/settings", get_account_settings),
    Route(
        "UpdateAccountSettings",
        "PUT",
        "/accounts/{accountId}/settings",
        update_account_settings,
        status=204,
    ),
    Route("ListUsers", "GET", "/accounts/{accountId}/users", list_users),
    Route(
        "InviteUsers", "POST", "/accounts/{accountId}/users?operation=add", invite_users, status=201
    ),
    Route("BatchUpdateUser", "POST", "/accounts/{accountId}/users", batch_update_user),
    Route(
        "BatchSuspendUser",
        "POST",
        "/accounts/{accountId}/users?operation=suspend",
        batch_suspend_user,
    ),
    Route(
        "BatchUnsuspendUser",
        "POST",
        "/accounts/{accountId}/users?operation=unsuspend",
        batch_unsuspend_user,
    ),
    Route("GetUser", "GET", "/accounts/{accountId}/users/{userId}", get_user),
    Route("UpdateUser", "POST", "/accounts/{accountId}/users/{userId}", update_user),
    Route(
        "ResetPersonalPIN",
        "POST",
        "/accounts/{accountId}/users/{userId}?operation=reset-personal-pin",
        reset_personal_pin,
    ),
    Route(
        "LogoutUser",
        "POST",
        "/accounts/{accountId}/users/{userId}?operation=logout",
        logout_user,
        status=204,
    ),
]

# Every query key that some route uses as a literal. A route matches only when the request
# carries exactly its literal values for these keys (and none of them where it has none), so
# POST /users?operation=add never falls through to BatchUpdateUser.
_LITERAL_KEYS = sorted({k for r in ROUTES for k in r.literal_query})


def route_table():
    return [{"operation": r.operation, "method": r.method, "uri": r.uri} for r in ROUTES]


def match_route(method, path, query):
    for route in ROUTES:
        if route.method != method:
            continue
        m = route.path_re.match(path)
        if not m:
            continue
        if all(query.get(k) == route.literal_query.get(k) for k in _LITERAL_KEYS):
            return route, {k: unquote(v) for k, v in m.groupdict().items()}
    return None, None


# ---------------------------------------------------------------------------------------------
# Authentication: a SigV4 Authorization header scoped to us-east-1/chime, whose signature is
# verified with the secret of its access key (the keys the fake knows come from
# CHIME_FAKE_KEYS, "ID=SECRET;ID=SECRET"). The real service rejects bad requests at its front
# door with HTTP 403; the model's only 403 error in these operations is ForbiddenException
# (UnauthorizedClientException is 401).

_CREDENTIAL_SCOPE_LEN = 5  # key/date/region/service/aws4_request
KEYS_ENV = "CHIME_FAKE_KEYS"


def known_keys():
    pairs = (p.partition("=") for p in os.environ.get(KEYS_ENV, "").split(";") if p)
    return {k: v for k, _, v in pairs}


def _sigv4_quote(text):
    return quote(text, safe="-_.~")


def verify_signature(method, raw_path, headers, body, params, keys):
    """Checks a SigV4 signature (the AWS Signature Version 4 signing process) as AWS does:
    the canonical request from the method, the path (encoded twice, as for every service but
    S3), the sorted query, the signed headers and the payload's hash."""
    scope = params["Credential"].split("/")
    secret = keys.get(scope[0])
    if secret is None:
        raise ApiError(
            "ForbiddenException", "The security token included in the request is invalid."
        )
    path, _, query = raw_path.partition("?")
    pairs = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        pairs.append((_sigv4_quote(unquote(k)), _sigv4_quote(unquote(v))))
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    signed = params["SignedHeaders"].split(";")
    canonical_headers = "".join(
        f"{h}:{' '.join(','.join(headers.get_all(h) or []).split())}\n" for h in signed
    )
    declared = headers.get("x-amz-content-sha256")
    actual = hashlib.sha256(body).hexdigest()
    if declared not in (None, "UNSIGNED-PAYLOAD") and declared != actual:
        raise ApiError("ForbiddenException", "The provided 'x-amz-content-sha256' header does not match what was computed.")
    payload = declared or actual
    canonical = "\n".join(
        [method, quote(path, safe="/~"), canonical_query, canonical_headers, ";".join(signed), payload]
    )
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            headers.get("x-amz-date", ""),
            "/".join(scope[1:]),
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret).encode()
    for part in scope[1:]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, params["Signature"]):
        raise ApiError(
            "ForbiddenException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )


def check_authorization(header, request=None):
    if not header:
        raise ApiError("ForbiddenException", "Missing Authentication Token")
    algorithm, _, rest = header.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise ApiError("ForbiddenException", f"Unsupported authorization algorithm {algorithm!r}.")
    params = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        params[key] = value
    missing = [p for p in ("Credential", "SignedHeaders", "Signature") if not params.get(p)]
    if missing:
        raise ApiError(
            "ForbiddenException",
            " ".join(f"Authorization header requires '{p}' parameter." for p in missing),
        )
    scope = params["Credential"].split("/")
    if len(scope) != _CREDENTIAL_SCOPE_LEN or scope[4] != "aws4_request" or not scope[0]:
        raise ApiError("ForbiddenException", "Credential is not a valid SigV4 credential scope.")
    if scope[2] != REGION:
        raise ApiError(
            "ForbiddenException",
            f"Credential should be scoped to a valid region, not '{scope[2]}'.",
        )
    if scope[3] != SERVICE:
        raise ApiError(
            "ForbiddenException", f"Credential should be scoped to correct service: '{SERVICE}'."
        )
    if request is not None:
        method, raw_path, headers, body, keys = request
        verify_signature(method, raw_path, headers, body, params, keys)


# ---------------------------------------------------------------------------------------------
# Fault injection


@dataclass
class Fault:
    """A queued fault. "throttle", "503" and "500" hit the next API request; "denied:chime:Op"
    hits the next request for operation Op (requests for other operations pass it by);
    "next-page:chime:ListAccounts" (or ListUsers) answers the next such request with an empty
    page and yet another NextToken, as a service that never ends a listing would."""

    spec: str
    operation: str = None  # only for denied and next-page

    # Paged operations and the list each answers.
    PAGED = {"ListAccounts": "Accounts", "ListUsers": "Users"}

    KINDS = {
        "throttle": ("ThrottledClientException", "Rate exceeded"),
        "503": ("ServiceUnavailableException", "Service unavailable, try again later."),
        "500": ("ServiceFailureException", "An internal service failure occurred."),
    }

    @classmethod
    def parse(cls, spec):
        if not isinstance(spec, str):
            raise ValueError(f"fault {spec!r} is not a string")
        if spec in cls.KINDS:
            return cls(spec)
        prefix, _, action = spec.partition(":")
        service, _, operation = action.partition(":")
        if prefix == "denied" and service == SERVICE:
            if any(r.operation == operation for r in ROUTES):
                return cls(spec, operation)
            raise ValueError(f"fault {spec!r} names an operation this fake does not serve")
        if prefix == "next-page" and service == SERVICE:
            if operation in cls.PAGED:
                return cls(spec, operation)
            raise ValueError(f"fault {spec!r}: only {', '.join(cls.PAGED)} are paged")
        raise ValueError(
            f"unknown fault {spec!r}; use throttle, 503, 500, denied:chime:<Operation> or "
            "next-page:chime:<ListAccounts|ListUsers>"
        )

    def applies_to(self, route):
        return self.operation is None or self.operation == route.operation

    def error(self):
        if self.operation is None:
            return ApiError(*self.KINDS[self.spec])
        action = f"{SERVICE}:{self.operation}"
        return ApiError(
            "ForbiddenException",
            f"User: arn:aws:iam::{AWS_ACCOUNT_ID}:user/ana is not authorized to perform: "
            f"{action} on resource: arn:aws:chime::{AWS_ACCOUNT_ID}:* because no "
            f"identity-based policy allows the {action} action",
        )


# ---------------------------------------------------------------------------------------------
# Test hooks


class HookError(Exception):
    pass


def _only_keys(obj, allowed, where):
    if not isinstance(obj, dict):
        raise HookError(f"{where} must be an object")
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise HookError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _seed_text(obj, key, where, required=False, allowed=None):
    value = obj.get(key)
    if value is None:
        if required:
            raise HookError(f"{where}.{key} is required")
        return None
    if not isinstance(value, str) or not value:
        raise HookError(f"{where}.{key} must be a non-empty string")
    if allowed is not None and value not in allowed:
        raise HookError(f"{where}.{key} must be one of {list(allowed)}")
    return value


_SEED_ACCOUNT_KEYS = ("AccountId", "Name", "AccountType", "DefaultLicense", "AccountStatus", "users")
_SEED_USER_KEYS = (
    "UserId",
    "RegisteredOn",
    "PrimaryEmail",
    "DisplayName",
    "LicenseType",
    "UserType",
    "UserRegistrationStatus",
    "UserInvitationStatus",
    "PersonalPIN",
)


def seed(fake, body):
    """Adds the accounts and users in `body` to the state, all or nothing.

    {"accounts": [{"AccountId"?, "Name", "AccountType", "DefaultLicense"?, "AccountStatus"?,
                   "users": [{"PrimaryEmail", "LicenseType", "UserRegistrationStatus"?,
                              "RegisteredOn"?,
                              "PersonalPIN"?, "DisplayName"?, "UserId"?, "UserType"?,
                              "UserInvitationStatus"?}]}]}
    Returns the same structure with the ids the accounts and users were given.
    """
    _only_keys(body, ("accounts",), "seed")
    accounts = body.get("accounts")
    if not isinstance(accounts, list):
        raise HookError("seed.accounts must be a list")
    account_ids, user_ids, pins = set(fake.accounts), set(), set()
    for a in fake.accounts.values():
        user_ids.update(a.users)
        pins.update(u["PersonalPIN"] for u in a.users.values())
    plan = []
    for i, a in enumerate(accounts):
        where = f"accounts[{i}]"
        _only_keys(a, _SEED_ACCOUNT_KEYS, where)
        account_id = _seed_text(a, "AccountId", where)
        if account_id is not None:
            if account_id in account_ids:
                raise HookError(f"{where}.AccountId {account_id} already exists")
            account_ids.add(account_id)
        name = _seed_text(a, "Name", where, required=True)
        account_type = _seed_text(a, "AccountType", where, required=True, allowed=ACCOUNT_TYPES)
        default_license = _seed_text(a, "DefaultLicense", where, allowed=LICENSES) or "Pro"
        status = _seed_text(a, "AccountStatus", where, allowed=ACCOUNT_STATUSES) or "Active"
        users = a.get("users", [])
        if not isinstance(users, list):
            raise HookError(f"{where}.users must be a list")
        emails = set()
        for j, u in enumerate(users):
            uwhere = f"{where}.users[{j}]"
            _only_keys(u, _SEED_USER_KEYS, uwhere)
            email = _seed_text(u, "PrimaryEmail", uwhere, required=True)
            if not EMAIL_RE.fullmatch(email) or email.lower() in emails:
                raise HookError(f"{uwhere}.PrimaryEmail is invalid or repeated in the account")
            emails.add(email.lower())
            _seed_text(u, "LicenseType", uwhere, required=True, allowed=LICENSES)
            _seed_text(u, "UserType", uwhere, allowed=USER_TYPES)
            _seed_text(u, "UserRegistrationStatus", uwhere, allowed=REGISTRATION_STATUSES)
            _seed_text(u, "UserInvitationStatus", uwhere, allowed=INVITE_STATUSES)
            _seed_text(u, "DisplayName", uwhere)
            registered = _seed_text(u, "RegisteredOn", uwhere)
            if registered is not None and not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", registered):
                raise HookError(f"{uwhere}.RegisteredOn must be an ISO 8601 UTC time like 2026-01-02T03:04:05Z")
            user_id = _seed_text(u, "UserId", uwhere)
            if user_id is not None:
                if user_id in user_ids:
                    raise HookError(f"{uwhere}.UserId {user_id} already exists")
                user_ids.add(user_id)
            pin = _seed_text(u, "PersonalPIN", uwhere)
            if pin is not None:
                if not PIN_RE.fullmatch(pin) or pin in pins:
                    raise HookError(f"{uwhere}.PersonalPIN must be 10 digits and unique")
                pins.add(pin)
        plan.append((account_id, name, account_type, default_license, status, users))

    created = []
    for account_id, name, account_type, default_license, status, users in plan:
        account = fake.add_account(name, account_type, default_license, account_id)
        account.fields["AccountStatus"] = status
        created_users = []
        for u in users:
            fields = {k: v for k, v in u.items() if k != "PrimaryEmail"}
            user = fake.add_user(account, u["PrimaryEmail"], **fields)
            created_users.append({k: user[k] for k in ("UserId", "PrimaryEmail", "PersonalPIN")})
        created.append({"AccountId": account.id, "Name": name, "users": created_users})
    return {"accounts": created}


def state_snapshot(fake):
    return {
        "accounts": [
            {
                **a.view(),
                "Deleted": a.deleted,
                "AccountSettings": dict(a.settings),
                "Users": [drop_none(u) for u in a.users.values()],
            }
            for a in fake.accounts.values()
        ],
        "faults": [f.spec for f in fake.faults],
    }


def hook_reset(fake, body):
    fake.reset()
    return {"ok": True}


def hook_faults(fake, body):
    _only_keys(body, ("faults",), "faults")
    specs = body.get("faults")
    if not isinstance(specs, list):
        raise HookError("faults.faults must be a list")
    try:
        parsed = [Fault.parse(s) for s in specs]
    except ValueError as e:
        raise HookError(str(e)) from None
    fake.faults.extend(parsed)
    return {"queued": len(fake.faults)}


def hook_requests(fake, body):
    return {"count": len(fake.log), "log": [list(e) for e in fake.log]}


HOOKS = {
    ("POST", "/__test/reset"): hook_reset,
    ("POST", "/__test/seed"): seed,
    ("POST", "/__test/faults"): hook_faults,
    ("GET", "/__test/state"): lambda fake, body: state_snapshot(fake),
    ("GET", "/__test/requests"): hook_requests,
}


# ---------------------------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' connection pools expect
    server_version = "chime-fake"
    # Headers and body go out in separate writes; without this, Nagle's algorithm and the
    # client's delayed ACK hold each response back by ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body=None, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status == 204:
            self.end_headers()
            return
        data = b"" if body is None else json.dumps(body).encode()
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        raw = self._read_body()
        url = urlsplit(self.path)
        if url.path.startswith("/__test/"):
            self._handle_hook(url.path, raw)
        else:
            self._handle_api(url, raw)

    def _handle_hook(self, path, raw):
        hook = HOOKS.get((self.command, path))
        if hook is None:
            self._send(404, {"error": f"no test hook {self.command} {path}"})
            return
        fake = self.server.fake
        try:
            body = json.loads(raw) if raw.strip() else {}
            with fake.lock:
                result = hook(fake, body)
        except (HookError, json.JSONDecodeError) as e:
            self._send(400, {"error": str(e)})
            return
        self._send(200, result)

    def _handle_api(self, url, raw):
        fake = self.server.fake
        request_id = str(uuid.uuid4())
        headers = [("x-amzn-RequestId", request_id)]
        route = None
        with fake.lock:
            fake.log.append((self.command, self.path))
            try:
                check_authorization(
                    self.headers.get("Authorization"),
                    (self.command, self.path, self.headers, raw or b"", fake.keys),
                )
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                route, labels = match_route(self.command, url.path, query)
                if route is None:
                    raise ApiError(
                        "NotFoundException", f"No operation matches {self.command} {url.path}."
                    )
                fault = next((f for f in fake.faults if f.applies_to(route)), None)
                if fault is not None and fault.spec.startswith("next-page:"):
                    fake.faults.remove(fault)
                    self._send(route.status, {Fault.PAGED[route.operation]: [], "NextToken": "more"}, headers)
                    return
                if fault is not None:
                    fake.faults.remove(fault)
                    raise fault.error()
                try:
                    body = json.loads(raw) if raw.strip() else {}
                except json.JSONDecodeError:
                    raise bad_request("The request body is not valid JSON.") from None
                if not isinstance(body, dict):
                    raise bad_request("The request body must be a JSON object.")
                req = Request(labels, query, body)
                try:
                    result = route.handler(fake, req)
                except ApiError:
                    raise
                except Exception as e:  # a bug in the fake: answer, and show it on stderr
                    traceback.print_exc()
                    raise ApiError("ServiceFailureException", f"chime-fake: {e!r}") from e
            except ApiError as e:
                if route is not None and e.name not in route.errors:
                    # A bug in the fake: the model does not let this operation return e.name.
                    e = ApiError(
                        "ServiceFailureException",
                        f"chime-fake: {route.operation} raised undeclared {e.name}: {e.message}",
                    )
                status, code = ERRORS[e.name]
                headers.append(("x-amzn-ErrorType", e.name))
                self._send(status, {"Code": code, "Message": e.message}, headers)
                return
        self._send(route.status, result, headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, fake, verbose=False):
        super().__init__(("127.0.0.1", port), Handler)
        self.fake = fake
        self.verbose = verbose


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free)")
    parser.add_argument("--routes", action="store_true", help="print the served routes and exit")
    parser.add_argument(
        "--default-max-results",
        type=int,
        default=DEFAULT_MAX_RESULTS,
        help=f"page size when a list request has no max-results (default {DEFAULT_MAX_RESULTS})",
    )
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    if args.routes:
        print(json.dumps(route_table(), indent=2))
        return 0

    server = Server(args.port, Fake(args.default_max_results), args.verbose)
    try:
        signal.signal(signal.SIGTERM, _stop)
        print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
