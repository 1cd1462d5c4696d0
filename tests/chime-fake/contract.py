#!/usr/bin/env python3
"""Contract test of the Chime fake (server.py) against botocore's model of the Chime API.

Static checks compare server.py's route and error tables with the model. Live checks start
the fake, seed it, call every served operation over HTTP with requests serialized by botocore
from the model, and check each response's status, headers and every JSON key against the
model's output or error shape. Exits non-zero on any mismatch.

Run with the Belfry venv's Python (it has botocore):
    ~/.cache/belfry/venv/bin/python tests/chime-fake/contract.py
"""

import http.client
import json
import os
import re
import select
import subprocess
import sys
from datetime import datetime
from urllib.parse import urlsplit

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.loaders
import botocore.model
import botocore.parsers
import botocore.serialize
import botocore.session
import botocore.validate
from botocore.awsrequest import HeadersDict, prepare_request_dict
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ beside the fake
import server  # noqa: E402  (the fake's own tables: the one source of truth)

# The access key the fake is started with, and a well-formed header that is not signed with it.
KEY_ID, SECRET = "AKIDEXAMPLE", "secret"
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/chime/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)
SIGNED = object()  # call(): sign the request with KEY_ID and SECRET
PIN = re.compile(r"\d{10}\Z")

RAW = botocore.loaders.Loader().load_service_model("chime", "service-2")
MODEL = botocore.model.ServiceModel(RAW, "chime")
SHAPES = RAW["shapes"]
OPERATIONS = RAW["operations"]


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)
        return ok

    def section(self, title):
        print(f"== {title}", flush=True)


R = Results()


class Abort(Exception):
    """A mismatch after which the rest of a section cannot run; already counted."""


# ---------------------------------------------------------------------------------------------
# Shape checking


def shape_problems(value, shape, where, body_only=True):
    """Mismatches between JSON `value` and the model `shape` (a botocore Shape), recursively:
    unknown keys, missing required members, wrong types and values outside enums.

    `body_only` restricts a top-level structure to its body members (no uri, querystring or
    header members), as in a rest-json request or response body.
    """
    problems = []
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: expected an object for {shape.name}, got {type(value).__name__}"]
        members = {
            m.serialization.get("name", name): m
            for name, m in shape.members.items()
            if not (body_only and m.serialization.get("location"))
        }
        for key, item in value.items():
            if key not in members:
                problems.append(f"{where}: key {key!r} is not a member of {shape.name}")
            else:
                problems += shape_problems(item, members[key], f"{where}.{key}", False)
        for name in shape.required_members:
            member = shape.members[name]
            key = member.serialization.get("name", name)
            if key in members and key not in value:
                problems.append(f"{where}: required member {key!r} of {shape.name} is missing")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list for {shape.name}"]
        for i, item in enumerate(value):
            problems += shape_problems(item, shape.member, f"{where}[{i}]", False)
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: expected an object for map {shape.name}"]
        for key, item in value.items():
            problems += shape_problems(item, shape.value, f"{where}[{key!r}]", False)
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string for {shape.name}")
        elif shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not in {shape.name} {shape.enum}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: expected a boolean for {shape.name}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: expected an integer for {shape.name}")
    elif kind == "timestamp":
        try:
            datetime.fromisoformat(value)
            if not value.endswith("Z"):
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"{where}: {value!r} is not an ISO 8601 UTC timestamp")
    return problems


# ---------------------------------------------------------------------------------------------
# Static checks


def check_routes():
    R.section("routes against the model")
    out = subprocess.run(
        [sys.executable, SERVER, "--routes"], capture_output=True, text=True, check=True
    ).stdout
    printed = json.loads(out)
    R.check(printed == server.route_table(), "server.py --routes differs from server.ROUTES")
    names = [r["operation"] for r in printed]
    R.check(len(names) == len(set(names)), f"an operation is served twice: {names}")
    for entry, route in zip(printed, server.ROUTES):
        op = OPERATIONS.get(entry["operation"])
        if not R.check(op is not None, f"{entry['operation']} is not an operation of the model"):
            continue
        http = op["http"]
        R.check(
            (entry["method"], entry["uri"]) == (http["method"], http["requestUri"]),
            f"{entry['operation']}: served as {entry['method']} {entry['uri']}, the model has "
            f"{http['method']} {http['requestUri']}",
        )
        R.check(
            route.status == http.get("responseCode", 200),
            f"{entry['operation']}: answers {route.status}, the model's responseCode is "
            f"{http.get('responseCode', 200)}",
        )


def check_error_table():
    R.section("error shapes against the model")
    error_codes = SHAPES["ErrorCode"]["enum"]
    for name, (status, code) in server.ERRORS.items():
        shape = SHAPES.get(name)
        if not R.check(shape is not None, f"{name} is not a shape of the model"):
            continue
        R.check(shape.get("exception") is True, f"{name} is not an exception shape")
        model_status = shape.get("error", {}).get("httpStatusCode")
        R.check(status == model_status, f"{name}: fake status {status}, model {model_status}")
        R.check(code in error_codes, f"{name}: Code {code!r} is not in the model's ErrorCode")
        R.check(
            set(shape["members"]) == {"Code", "Message"},
            f"{name}: the model's members are {sorted(shape['members'])}, the fake sends Code "
            "and Message",
        )
    for route in server.ROUTES:
        op = OPERATIONS.get(route.operation, {})
        declared = {e["shape"] for e in op.get("errors", [])}
        for name in route.errors:
            R.check(name in server.ERRORS, f"{route.operation}: {name} is not in server.ERRORS")
            R.check(
                name in declared,
                f"{route.operation}: the fake may return {name}, the model's errors are "
                f"{sorted(declared)}",
            )
        for name in server.GENERIC_ERRORS:
            R.check(name in declared, f"{route.operation}: generic {name} is not in its errors")


def check_enums():
    R.section("enum values against the model")
    for shape_name, values in server.MODEL_ENUMS.items():
        model_values = SHAPES[shape_name]["enum"]
        extra = sorted(set(values) - set(model_values))
        R.check(not extra, f"{shape_name}: {extra} are not in the model's {model_values}")
    R.check(
        set(server.LICENSES) == set(SHAPES["License"]["enum"]),
        f"server.LICENSES {server.LICENSES} differ from the model's {SHAPES['License']['enum']}",
    )


# ---------------------------------------------------------------------------------------------
# The live fake


class FakeProcess:
    """The fake as a subprocess, and an HTTP client for it."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, **{server.KEYS_ENV: f"{KEY_ID}={SECRET}"}),
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().rstrip("\n") if ready else ""
        m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not R.check(m is not None, f"first stdout line {line!r} is not 'listening on ...'"):
            self.proc.kill()
            raise SystemExit(1)
        self.port = int(m.group(1))
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        self.served = set()  # operations that answered with success
        self.serializer = botocore.serialize.create_serializer("rest-json", False)
        self.parser = botocore.parsers.create_parser("rest-json")

    def stop(self):
        self.conn.close()
        self.proc.terminate()
        try:
            code = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = "none (killed after 5 s)"
        R.check(code == 0, f"the fake exited with {code} on SIGTERM")

    def raw(self, method, path, body=b"", headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        return resp.status, HeadersDict(resp.getheaders()), resp.read()

    def sign(self, method, path, body=b"", headers=None):
        """`headers` with a SigV4 signature by KEY_ID, as botocore signs."""
        request = botocore.awsrequest.AWSRequest(
            method=method, url=f"{self.endpoint}{path}", data=body, headers=headers or {}
        )
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(KEY_ID, SECRET), "chime", "us-east-1"
        ).add_auth(request)
        return dict(request.headers.items())

    def hook(self, method, path, obj=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        status, _, data = self.raw(method, path, body, {"Content-Type": "application/json"})
        assert status == 200, f"{method} {path}: {status} {data!r}"
        return json.loads(data)

    def call(self, operation, params=None, validate=True, auth=SIGNED, expect_error=None):
        """Calls `operation` with `params` serialized by botocore and checks the response
        against the model. Returns the decoded JSON body (or None) on success, the botocore-
        parsed error dict on an error."""
        params = params or {}
        op = MODEL.operation_model(operation)
        if validate:
            botocore.validate.validate_parameters(params, op.input_shape)
        req = self.serializer.serialize_to_request(params, op)
        prepare_request_dict(req, self.endpoint)
        url = urlsplit(req["url"])
        path = url.path + (f"?{url.query}" if url.query else "")
        body = req["body"] or b""
        if isinstance(body, str):
            body = body.encode()
        if body:
            for p in shape_problems(json.loads(body), op.input_shape, f"{operation} request"):
                R.check(False, p)
        headers = {k: v for k, v in req["headers"].items()}
        if auth is SIGNED:
            headers = self.sign(req["method"], path, body, headers)
        elif auth is not None:
            headers["Authorization"] = auth
        status, resp_headers, data = self.raw(req["method"], path, body, headers)
        label = f"{operation} {req['method']} {path}"
        R.check(bool(resp_headers.get("x-amzn-RequestId")), f"{label}: no x-amzn-RequestId")
        parsed = self.parser.parse(
            {"status_code": status, "headers": resp_headers, "body": data}, op.output_shape
        )
        if status >= 300:
            self.check_error(label, op, status, resp_headers, data, parsed, expect_error)
            return parsed
        if not R.check(expect_error is None, f"{label}: {status}, expected {expect_error}"):
            raise Abort
        expected = op.http.get("responseCode", 200)
        R.check(status == expected, f"{label}: status {status}, the model says {expected}")
        if not data:
            R.check(
                status == 204 or not op.output_shape or not op.output_shape.members,
                f"{label}: empty body, {op.output_shape.name} has members",
            )
            self.served.add(operation)
            return None
        R.check(status != 204, f"{label}: 204 with a body")
        doc = json.loads(data)
        for p in shape_problems(doc, op.output_shape, f"{operation} response"):
            R.check(False, p)
        self.served.add(operation)
        return doc

    def check_error(self, label, op, status, headers, data, parsed, expect_error):
        name = headers.get("x-amzn-ErrorType")
        if not R.check(
            expect_error is not None and name == expect_error,
            f"{label}: {status} {name} {data[:300]!r}, expected "
            f"{expect_error or 'success'}",
        ):
            raise Abort
        R.check(name in {e.name for e in op.error_shapes}, f"{label}: {name} not in its errors")
        shape = MODEL.shape_for(name)
        R.check(
            status == shape.metadata["error"]["httpStatusCode"],
            f"{label}: {name} with status {status}, the model says "
            f"{shape.metadata['error']['httpStatusCode']}",
        )
        R.check(
            headers.get("Content-Type") == "application/json", f"{label}: error not JSON"
        )
        for p in shape_problems(json.loads(data), shape, f"{label} error body"):
            R.check(False, p)
        R.check(
            parsed["Error"]["Code"] == name,
            f"{label}: botocore parses the error code as {parsed['Error']['Code']!r}",
        )
        R.check(bool(parsed["Error"]["Message"]), f"{label}: botocore finds no error message")


# ---------------------------------------------------------------------------------------------
# Live checks


def seed_data(fake):
    fake.hook("POST", "/__test/reset")
    users = [
        {"PrimaryEmail": "ana@example.com", "LicenseType": "Pro", "DisplayName": "Ana"},
        {"PrimaryEmail": "ben@example.com", "LicenseType": "Basic",
         "UserRegistrationStatus": "Unregistered"},
        {"PrimaryEmail": "cai@example.com", "LicenseType": "Pro",
         "UserRegistrationStatus": "Suspended", "PersonalPIN": "0123456789"},
    ]
    paged = [{"PrimaryEmail": f"u{i:02}@paged.example.com", "LicenseType": "Basic"}
             for i in range(25)]
    out = fake.hook("POST", "/__test/seed", {"accounts": [
        {"Name": "Acme", "AccountType": "Team", "users": users},
        {"Name": "Lwa Corp", "AccountType": "EnterpriseLWA", "DefaultLicense": "Basic",
         "users": [{"PrimaryEmail": "dee@lwa.example.com", "LicenseType": "Pro",
                    "UserRegistrationStatus": "Suspended"}]},
        {"AccountId": "paged-account", "Name": "Paged", "AccountType": "Team", "users": paged},
    ]})
    ids = {a["Name"]: a for a in out["accounts"]}
    R.check(ids["Paged"]["AccountId"] == "paged-account", "seed ignored a given AccountId")
    R.check(ids["Acme"]["users"][2]["PersonalPIN"] == "0123456789", "seed ignored PersonalPIN")
    return ids


def check_accounts(fake, ids):
    R.section("account operations")
    acme = ids["Acme"]["AccountId"]

    doc = fake.call("CreateAccount", {"Name": "Contract Co"})
    account = doc["Account"]
    R.check(
        (account["AccountType"], account["DefaultLicense"], account["SupportedLicenses"],
         account["SigninDelegateGroups"], account["AccountStatus"])
        == ("Team", "Pro", ["Basic", "Pro"], [], "Active"),
        f"CreateAccount: unexpected account {account}",
    )
    created = account["AccountId"]

    doc = fake.call("ListAccounts")
    names = [a["Name"] for a in doc["Accounts"]]
    R.check(names == ["Acme", "Lwa Corp", "Paged", "Contract Co"], f"ListAccounts: {names}")
    R.check("NextToken" not in doc, "ListAccounts: NextToken on the only page")
    doc = fake.call("ListAccounts", {"Name": "Lwa"})
    R.check([a["Name"] for a in doc["Accounts"]] == ["Lwa Corp"], f"name prefix filter: {doc}")
    doc = fake.call("ListAccounts", {"UserEmail": "ANA@example.com"})
    R.check([a["AccountId"] for a in doc["Accounts"]] == [acme], f"user-email filter: {doc}")

    doc = fake.call("GetAccount", {"AccountId": acme})
    R.check(doc["Account"]["Name"] == "Acme", f"GetAccount: {doc}")
    doc = fake.call("UpdateAccount", {"AccountId": created, "Name": "Renamed",
                                      "DefaultLicense": "Basic"})
    R.check((doc["Account"]["Name"], doc["Account"]["DefaultLicense"]) == ("Renamed", "Basic"),
            f"UpdateAccount: {doc}")
    fake.call("UpdateAccount", {"AccountId": created, "DefaultLicense": "Plus"},
              expect_error="BadRequestException")

    doc = fake.call("GetAccountSettings", {"AccountId": created})
    R.check(set(doc["AccountSettings"]) == {"DisableRemoteControl", "EnableDialOut"},
            f"GetAccountSettings: {doc}")
    fake.call("UpdateAccountSettings", {"AccountId": created,
                                        "AccountSettings": {"EnableDialOut": True}})
    doc = fake.call("GetAccountSettings", {"AccountId": created})
    R.check(doc["AccountSettings"]["EnableDialOut"] is True, f"settings not updated: {doc}")
    return created


def check_users(fake, ids, created):
    R.section("user operations")
    acme = ids["Acme"]["AccountId"]
    ana, ben, cai = (u["UserId"] for u in ids["Acme"]["users"])

    doc = fake.call("ListUsers", {"AccountId": acme})
    R.check([u["PrimaryEmail"] for u in doc["Users"]]
            == ["ana@example.com", "ben@example.com", "cai@example.com"], f"ListUsers: {doc}")
    doc = fake.call("ListUsers", {"AccountId": acme, "UserEmail": "ben@example.com",
                                  "UserType": "PrivateUser"})
    R.check([u["UserId"] for u in doc["Users"]] == [ben], f"ListUsers filters: {doc}")

    doc = fake.call("GetUser", {"AccountId": acme, "UserId": ana})
    user = doc["User"]
    R.check(PIN.match(user.get("PersonalPIN", "")), f"GetUser: PersonalPIN {user}")
    R.check(
        (user["PrimaryEmail"], user["DisplayName"], user["LicenseType"], user["UserType"],
         user["UserRegistrationStatus"], user["UserInvitationStatus"], user["AccountId"])
        == ("ana@example.com", "Ana", "Pro", "PrivateUser", "Registered", "Accepted", acme),
        f"GetUser: {user}",
    )
    fake.call("GetUser", {"AccountId": acme, "UserId": "no-such-user"},
              expect_error="NotFoundException")

    doc = fake.call("InviteUsers", {"AccountId": created,
                                    "UserEmailList": ["eve@example.com", "fay@example.com"]})
    R.check([(i["EmailAddress"], i["Status"], i["EmailStatus"]) for i in doc["Invites"]]
            == [("eve@example.com", "Pending", "Sent"), ("fay@example.com", "Pending", "Sent")],
            f"InviteUsers: {doc}")
    doc = fake.call("ListUsers", {"AccountId": created, "UserEmail": "eve@example.com"})
    eve = doc["Users"][0]
    R.check((eve["UserRegistrationStatus"], eve["UserInvitationStatus"], eve["LicenseType"])
            == ("Unregistered", "Pending", "Basic"), f"invited user: {eve}")
    too_many = [f"x{i}@example.com" for i in range(51)]
    fake.call("InviteUsers", {"AccountId": created, "UserEmailList": too_many},
              validate=False, expect_error="BadRequestException")
    fake.call("InviteUsers", {"AccountId": ids["Lwa Corp"]["AccountId"],
                              "UserEmailList": ["gil@example.com"]},
              expect_error="BadRequestException")

    doc = fake.call("UpdateUser", {"AccountId": acme, "UserId": ana, "LicenseType": "Basic"})
    R.check(doc["User"]["LicenseType"] == "Basic", f"UpdateUser: {doc}")

    doc = fake.call("BatchUpdateUser", {"AccountId": acme, "UpdateUserRequestItems": [
        {"UserId": ana, "LicenseType": "Pro"}, {"UserId": "ghost", "LicenseType": "Pro"}]})
    R.check([(e["UserId"], e["ErrorCode"]) for e in doc["UserErrors"]] == [("ghost", "NotFound")],
            f"BatchUpdateUser: {doc}")
    items = [{"UserId": ana, "LicenseType": "Pro"}] * 21
    fake.call("BatchUpdateUser", {"AccountId": acme, "UpdateUserRequestItems": items},
              validate=False, expect_error="BadRequestException")

    old_pin = fake.call("GetUser", {"AccountId": acme, "UserId": ana})["User"]["PersonalPIN"]
    doc = fake.call("ResetPersonalPIN", {"AccountId": acme, "UserId": ana})
    pin = doc["User"]["PersonalPIN"]
    R.check(PIN.match(pin) and pin != old_pin, f"ResetPersonalPIN: {old_pin} -> {pin}")

    fake.call("LogoutUser", {"AccountId": acme, "UserId": ana})

    R.section("suspension and deletion")
    fake.call("DeleteAccount", {"AccountId": acme}, expect_error="UnprocessableEntityException")
    doc = fake.call("BatchSuspendUser", {"AccountId": acme, "UserIdList": [ana, ben, "ghost"]})
    R.check([(e["UserId"], e["ErrorCode"]) for e in doc["UserErrors"]] == [("ghost", "NotFound")],
            f"BatchSuspendUser: {doc}")
    fake.call("BatchSuspendUser", {"AccountId": acme, "UserIdList": ["u"] * 51},
              validate=False, expect_error="BadRequestException")
    fake.call("BatchUnsuspendUser", {"AccountId": acme, "UserIdList": [cai]},
              expect_error="BadRequestException")
    lwa = ids["Lwa Corp"]["AccountId"]
    dee = ids["Lwa Corp"]["users"][0]["UserId"]
    doc = fake.call("BatchUnsuspendUser", {"AccountId": lwa, "UserIdList": [dee, "ghost"]})
    R.check([(e["UserId"], e["ErrorCode"]) for e in doc["UserErrors"]] == [("ghost", "NotFound")],
            f"BatchUnsuspendUser: {doc}")
    doc = fake.call("GetUser", {"AccountId": lwa, "UserId": dee})
    R.check(doc["User"]["UserRegistrationStatus"] == "Registered", f"unsuspended: {doc}")

    fake.call("DeleteAccount", {"AccountId": acme})
    fake.call("GetAccount", {"AccountId": acme}, expect_error="NotFoundException")
    doc = fake.call("ListAccounts")
    R.check(acme not in [a["AccountId"] for a in doc["Accounts"]], "deleted account is listed")


def check_pagination(fake):
    R.section("pagination")
    seen, pages, token = [], 0, None
    while True:
        params = {"AccountId": "paged-account", "MaxResults": 10}
        if token:
            params["NextToken"] = token
        doc = fake.call("ListUsers", params)
        pages += 1
        seen += [u["PrimaryEmail"] for u in doc["Users"]]
        token = doc.get("NextToken")
        if not token or pages > 5:
            break
        R.check("+" in token and "/" in token, f"token {token!r} lacks + and /")
    R.check(pages == 3, f"ListUsers over 25 users by 10 took {pages} pages, not 3")
    R.check(seen == [f"u{i:02}@paged.example.com" for i in range(25)], f"pages: {seen}")

    doc = fake.call("ListAccounts", {"MaxResults": 1})
    names, token = [a["Name"] for a in doc["Accounts"]], doc.get("NextToken")
    while token:
        doc = fake.call("ListAccounts", {"MaxResults": 1, "NextToken": token})
        names += [a["Name"] for a in doc["Accounts"]]
        token = doc.get("NextToken")
    R.check(len(names) == len(set(names)) == 3, f"ListAccounts by 1: {names}")

    fake.call("ListUsers", {"AccountId": "paged-account", "NextToken": "not-a-token"},
              expect_error="BadRequestException")
    fake.call("ListUsers", {"AccountId": "paged-account", "MaxResults": 201},
              validate=False, expect_error="BadRequestException")


def check_errors(fake):
    R.section("error bodies, faults and authentication")
    status, headers, data = fake.raw("GET", "/accounts/missing", headers=fake.sign("GET", "/accounts/missing"))
    body = json.loads(data)
    R.check(
        (status, headers.get("x-amzn-ErrorType"), set(body), body.get("Code"))
        == (404, "NotFoundException", {"Code", "Message"}, "NotFound"),
        f"unknown account: {status} {dict(headers)} {body}",
    )
    fake.call("GetAccount", {"AccountId": "missing"}, expect_error="NotFoundException")

    fake.hook("POST", "/__test/faults",
              {"faults": ["throttle", "503", "500", "denied:chime:ListUsers"]})
    fake.call("GetAccount", {"AccountId": "paged-account"}, expect_error="ThrottledClientException")
    fake.call("ListAccounts", expect_error="ServiceUnavailableException")
    fake.call("ListAccounts", expect_error="ServiceFailureException")
    fake.call("ListAccounts")  # a denied fault lets other operations by
    parsed = fake.call("ListUsers", {"AccountId": "paged-account"},
                       expect_error="ForbiddenException")
    R.check("is not authorized to perform: chime:ListUsers" in parsed["Error"]["Message"],
            f"denied message: {parsed['Error']['Message']!r}")
    fake.call("ListUsers", {"AccountId": "paged-account"})

    bad_scope = AUTH.replace("us-east-1/chime", "eu-west-1/chime")
    bad_service = AUTH.replace("us-east-1/chime", "us-east-1/s3")
    for auth in (None, AUTH, bad_scope, bad_service, "Bearer abc"):
        fake.call("ListAccounts", auth=auth, expect_error="ForbiddenException")
    parsed = fake.call("ListAccounts", auth=AUTH, expect_error="ForbiddenException")
    R.check("signature we calculated does not match" in parsed["Error"]["Message"],
            f"an unsigned header is refused for its signature: {parsed['Error']['Message']!r}")

    session = botocore.session.get_session()
    client = session.create_client(
        "chime", region_name="us-east-1", endpoint_url=fake.endpoint,
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}),
    )
    names = [a["Name"] for a in client.list_accounts()["Accounts"]]
    R.check(len(names) == 3, f"botocore client (real SigV4): ListAccounts {names}")
    try:
        client.get_account(AccountId="missing")
        R.check(False, "botocore client: GetAccount of a missing account succeeded")
    except client.exceptions.NotFoundException as e:
        R.check(e.response["Error"]["Code"] == "NotFoundException", f"botocore client: {e}")


def check_hooks(fake):
    R.section("test hooks")
    log = fake.hook("GET", "/__test/requests")
    R.check(log["count"] == len(log["log"]) > 0, f"request log: {log['count']}")
    R.check(all(len(e) == 2 and not e[1].startswith("/__test/") for e in log["log"]),
            "request log has hooks or malformed entries")
    state = fake.hook("GET", "/__test/state")
    R.check(any(a["Deleted"] for a in state["accounts"]), "state does not show deleted accounts")
    R.check(state["faults"] == [], f"faults left queued: {state['faults']}")
    fake.hook("POST", "/__test/reset")
    R.check(fake.hook("GET", "/__test/state")["accounts"] == [], "reset left accounts")
    status, _, _ = fake.raw("POST", "/__test/faults", json.dumps({"faults": ["boom"]}).encode())
    R.check(status == 400, f"an unknown fault was accepted ({status})")


def main():
    R.section(f"botocore {botocore.__version__}, chime {RAW['metadata']['apiVersion']}")
    check_routes()
    check_error_table()
    check_enums()
    fake = FakeProcess()
    context = {}

    def accounts():
        context["ids"] = seed_data(fake)
        context["created"] = check_accounts(fake, context["ids"])

    def coverage():
        R.section("coverage")
        missed = sorted({r.operation for r in server.ROUTES} - fake.served)
        R.check(not missed, f"operations never answered with success: {missed}")

    sections = [
        accounts,
        lambda: check_users(fake, context["ids"], context["created"]),
        lambda: check_pagination(fake),
        lambda: check_errors(fake),
        coverage,
        lambda: check_hooks(fake),
    ]
    try:
        for section in sections:
            # A section that hits a mismatch it cannot go on from is cut short; the next one
            # still runs.
            try:
                section()
            except Abort:
                print("   (rest of this section skipped)", flush=True)
            except Exception as e:  # an unexpected response shape, or state left by a skip
                R.check(False, f"{type(e).__name__}: {e}")
                print("   (rest of this section skipped)", flush=True)
    finally:
        fake.stop()
    print(f"contract: {R.passed} passed, {R.failed} failed", flush=True)
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
