// Generated from the Rust types by `BELFRY_UPDATE_BINDINGS=1 cargo test -p belfry-desktop`.
// Do not edit: a test fails when this file and the Rust types drift apart.

export type MeetingKind = "one_time" | "moderated" | "personal";

export type Field = "provider" | "kind" | "meeting_id" | "passcode" | "title" | "start" | "time_zone" | "duration" | "repeat" | "repeat_count" | "repeat_until" | "repeat_on" | "attendees" | "organizer" | "on_behalf_of" | "description" | "dial_in" | "show_zones";

export type FieldError = { 
/**
 * The field refused.
 */
field: Field, 
/**
 * Why, and what would do.
 */
message: string, };

export type MeetingForm = { 
/**
 * The provider profile's key (`chime`, `jitsi`); empty means the default one.
 */
provider: string, 
/**
 * How the meeting ID is picked.
 */
kind: MeetingKind, 
/**
 * An ID to use instead of a fresh one (a host's one-time ID handed to a delegate).
 */
meeting_id: string, 
/**
 * A moderator passcode chosen by the user (moderated meetings only).
 */
passcode: string, 
/**
 * The meeting's title.
 */
title: string, 
/**
 * `YYYY-MM-DDTHH:MM`, local to `time_zone`.
 */
start: string, 
/**
 * An IANA zone; empty means the default zone.
 */
time_zone: string, 
/**
 * `45m`, `1h30m`; empty means one hour.
 */
duration: string, 
/**
 * `daily`, `weekly`, `monthly`, or empty for a single meeting.
 */
repeat: string, 
/**
 * How many meetings in all; empty for no count. Not with `repeat_until`.
 */
repeat_count: string, 
/**
 * The last day (`YYYY-MM-DD`); empty for no end date. Not with `repeat_count`.
 */
repeat_until: string, 
/**
 * Weekday names or their first three letters, comma-separated allowed.
 */
repeat_on: Array<string>, 
/**
 * Email addresses, separated by commas or semicolons allowed.
 */
attendees: Array<string>, 
/**
 * The organizer's address; empty means the default organizer.
 */
organizer: string, 
/**
 * The host's address, when a delegate schedules on the host's behalf; else empty.
 */
on_behalf_of: string, 
/**
 * The meeting's description.
 */
description: string, 
/**
 * Country codes; empty means the default countries.
 */
dial_in: Array<string>, 
/**
 * IANA zones to show the times in too, comma-separated allowed.
 */
show_zones: Array<string>, };

export type ErrorCode = "invalid" | "not_found" | "keyring_unavailable" | "keyring_locked" | "storage" | "unauthorized" | "remote" | "insecure_transport" | "conflict" | "internal";

export type Hint = "add_aws_account" | "choose_aws_account" | "list_accounts" | "create_aws_profile" | "suspend_users" | "name_chime_user" | "set_personal_id" | "set_organizer";

export type AppError = { 
/**
 * What kind of failure it is.
 */
code: ErrorCode, 
/**
 * The failure in one sentence, worded for no front end in particular.
 */
message: string, 
/**
 * For [`ErrorCode::Invalid`]: every refused field, in form order.
 */
fields: Array<FieldError>, 
/**
 * What fixes it, when one action does.
 */
hint: Hint | null, };

export type Preview = { 
/**
 * The meeting ID as the history keeps it.
 */
meeting_id: string, 
/**
 * The meeting ID as shown.
 */
display: string, 
/**
 * The invitation as text.
 */
text: string, 
/**
 * The invitation as HTML.
 */
html: string, 
/**
 * The event's location (the joining link).
 */
location: string, 
/**
 * The attendees the event gets, Belfry's own additions included.
 */
attendees: Array<string>, 
/**
 * DST notices, in words.
 */
notices: Array<string>, 
/**
 * It has a moderator passcode.
 */
moderated: boolean, };

export type NewMeetingView = { 
/**
 * The ID as the history keeps it.
 */
meeting_id: string, 
/**
 * The ID as shown.
 */
display: string, 
/**
 * A moderator passcode was drawn for it (kept in the keyring).
 */
moderated: boolean, };

export type SettingsView = { 
/**
 * The personal meeting ID; empty when none.
 */
personal_id: string, 
/**
 * The time zone; empty: the system's.
 */
time_zone: string, 
/**
 * The dial-in countries; empty: the provider's defaults.
 */
dial_in: Array<string>, 
/**
 * The organizer's address; empty when none.
 */
organizer: string, 
/**
 * The template in use (the default one when none is saved).
 */
template: string, 
/**
 * No template is saved: `template` is the default.
 */
template_is_default: boolean, 
/**
 * The zone used when `time_zone` is empty.
 */
system_time_zone: string, 
/**
 * The key of the provider meetings get unless they name one (`chime` by default).
 */
provider: string, 
/**
 * The link of the user's own meeting room; empty when none.
 */
personal_room: string, 
/**
 * The passcode attendees of the personal room type; empty when none.
 */
personal_room_passcode: string, 
/**
 * The personal room's dial-in lines.
 */
personal_room_dial_in: Array<string>, };

export type CountryView = { 
/**
 * The ISO 3166 code.
 */
code: string, 
/**
 * Its name, as shown.
 */
name: string, };

export type ProviderView = { 
/**
 * What names it in settings, forms and CSV files.
 */
key: string, 
/**
 * Its name, as shown.
 */
name: string, 
/**
 * Meetings get a room name (not a 10-digit ID, and no personal ID).
 */
rooms: boolean, 
/**
 * Every meeting uses one fixed link (a personal room): each is a personal meeting.
 */
fixed: boolean, 
/**
 * A moderator code applies.
 */
moderator: boolean, 
/**
 * It has dial-in numbers.
 */
dial_in: boolean, 
/**
 * Who Belfry adds to the invitation itself, in words; empty when nobody.
 */
adds: string, 
/**
 * What the profile does.
 */
about: string, 
/**
 * Its template is the `template` setting (Settings' own editor field), not one kept
 * per provider.
 */
template_is_setting: boolean, };

export type ProviderTemplate = { 
/**
 * The provider's key.
 */
provider: string, 
/**
 * The template its meetings are written with.
 */
template: string, 
/**
 * The profile's own, for "Restore default template".
 */
default_template: string, };

export type Catalog = { 
/**
 * The profiles a meeting can be scheduled with, the built-in ones first.
 */
providers: Array<ProviderView>, 
/**
 * The key of the provider meetings get by default.
 */
provider: string, 
/**
 * The default provider's note on its service (for Chime: that it ended).
 */
service_status: string, 
/**
 * Every IANA zone, for the zone pickers.
 */
time_zones: Array<string>, 
/**
 * Every dial-in country.
 */
countries: Array<CountryView>, 
/**
 * The countries used when neither the form nor the settings name any.
 */
default_dial_in: Array<string>, 
/**
 * The default invitation template.
 */
default_template: string, 
/**
 * Belfry's version.
 */
version: string, };

export type HistoryView = { 
/**
 * The meeting's UID: what names it (several personal meetings share one ID).
 */
uid: string, 
/**
 * The name of the meeting's provider (`Amazon Chime`, `Jitsi Meet`).
 */
provider: string, 
/**
 * The provider's scheduling address, which hears of every change (empty: none).
 */
scheduler: string, 
/**
 * The meeting ID as the history keeps it.
 */
meeting_id: string, 
/**
 * The meeting ID as shown.
 */
display: string, 
/**
 * One-time, moderated or personal.
 */
kind: MeetingKind, 
/**
 * Empty while the ID is only reserved.
 */
title: string, 
/**
 * `YYYY-MM-DDTHH:MM` local to `time_zone`, empty while reserved.
 */
start: string, 
/**
 * The IANA zone `start` is in.
 */
time_zone: string, 
/**
 * How many attendees it has.
 */
attendees: number, 
/**
 * It has a moderator passcode.
 */
moderated: boolean, 
/**
 * It was cancelled.
 */
cancelled: boolean, 
/**
 * The accounts whose calendars hold it (empty: on no calendar, nothing to reschedule).
 */
calendars: Array<string>, };

export type AccountKind = "google" | "microsoft" | "caldav" | "aws" | "smtp";

export type AccountView = { 
/**
 * The name the user gave it.
 */
name: string, 
/**
 * Which service it is.
 */
kind: AccountKind, 
/**
 * Who is signed in.
 */
identity: string, 
/**
 * The server, for CalDAV.
 */
server: string, 
/**
 * The default calendar's id (its URL for CalDAV), if one is chosen.
 */
default_calendar: string, };

export type CalendarView = { 
/**
 * How the service names it (its URL for CalDAV).
 */
id: string, 
/**
 * Its name on the service.
 */
name: string, 
/**
 * The user may put events on it.
 */
writable: boolean, 
/**
 * The server emails the attendees itself (for CalDAV: RFC 6638).
 */
sends_invitations: boolean, 
/**
 * Who tells the attendees of a meeting put on it: the provider, the server, Belfry by
 * email (a mail account), or nobody.
 */
invitations_by: InvitationSender, 
/**
 * Meetings go to it unless another is chosen.
 */
is_default: boolean, 
/**
 * The account's own main calendar.
 */
is_primary: boolean, 
/**
 * Whose calendar it is, when it is another person's (delegates see their hosts').
 */
owner: string, 
/**
 * Another person's calendar that the server lists without their address (a CalDAV
 * share): a meeting on it needs the host's address (on behalf of).
 */
shared: boolean, };

export type AccountAdded = { 
/**
 * The account.
 */
account: AccountView, 
/**
 * Its calendars, as the service listed them.
 */
calendars: Array<CalendarView>, };

export type Removed = { 
/**
 * The provider revoked the sign-in (where it offers revocation).
 */
revoked: boolean, };

export type DeliveryState = "pending" | "done" | "failed" | "superseded";

export type DeliveryStatus = "created" | "updated" | "already there" | "cancelled" | "nothing to cancel" | "newer on the calendar" | "pending" | "failed";

export type DeliveryView = { 
/**
 * The meeting's UID.
 */
uid: string, 
/**
 * The meeting's title.
 */
title: string, 
/**
 * The account.
 */
account: string, 
/**
 * The calendar's name.
 */
calendar: string, 
/**
 * The event's address on the server.
 */
href: string, 
/**
 * How the outbox holds it.
 */
state: DeliveryState, 
/**
 * What the last attempt did, or how a delivery not done stands.
 */
status: DeliveryStatus, 
/**
 * The server emailed the attendees itself.
 */
invitations_sent: boolean, 
/**
 * Why it is not done, and what to do.
 */
message: string, 
/**
 * Failed attempts so far.
 */
attempts: number, 
/**
 * When a pending delivery is tried next (RFC 3339), empty when due now.
 */
next_try_at: string, };

export type MailState = "pending" | "sending" | "sent" | "failed" | "unknown" | "superseded";

export type MailView = { 
/**
 * The meeting's UID.
 */
uid: string, 
/**
 * The version of the meeting it carries.
 */
sequence: number, 
/**
 * Whom it is for.
 */
attendee: string, 
/**
 * A cancellation (the meeting was cancelled, or this attendee taken off it).
 */
cancel: boolean, 
/**
 * Where it stands: pending, sending, sent, failed, unknown or superseded.
 */
state: MailState, 
/**
 * Why it is not sent, and what to do.
 */
message: string, };

export type MailSecurity = "starttls" | "tls" | "none";

export type SmtpForm = { 
/**
 * The server's host name.
 */
host: string, 
/**
 * 0: the usual port for `security`.
 */
port: number, 
/**
 * How the connection is secured.
 */
security: MailSecurity, 
/**
 * The user name on the server (often the address).
 */
user: string, 
/**
 * The sender's address; empty: the user name.
 */
address: string, 
/**
 * A certificate authority file (PEM) to trust besides the usual ones; empty: none.
 */
ca_file: string, };

export type InvitationSender = "provider" | "server" | "belfry-by-mail" | "nobody";

export type ScheduleOutcome = { 
/**
 * The meeting's UID: what names it for a change or a cancellation.
 */
uid: string, 
/**
 * The meeting ID as the history keeps it.
 */
meeting_id: string, 
/**
 * The meeting ID as shown.
 */
display: string, 
/**
 * The version scheduled.
 */
sequence: number, 
/**
 * This exact meeting was scheduled before on that calendar (a run repeated after a kill,
 * say): it is the same meeting, not a second one.
 */
again: boolean, 
/**
 * Where each calendar copy stands.
 */
deliveries: Array<DeliveryView>, 
/**
 * The invitations Belfry emailed for this version (where no calendar server does).
 */
mail: Array<MailView>, };

export type BulkProgress = { 
/**
 * Rows finished so far.
 */
done: number, 
/**
 * Rows in the file.
 */
total: number, };

export type BulkRow = { 
/**
 * 1 for the first row after the header.
 */
row: number, 
/**
 * The row's title.
 */
title: string, 
/**
 * Grouped meeting ID, empty when the row failed before it got one.
 */
meeting_id: string, 
/**
 * How its delivery stands; none for a row refused before it reached the calendar (the
 * message says why).
 */
status: DeliveryStatus | null, 
/**
 * What happened to it, in words.
 */
message: string, };

export type License = "Basic" | "Plus" | "Pro" | "ProTrial";

export type AccountType = "Team" | "EnterpriseDirectory" | "EnterpriseLWA" | "EnterpriseOIDC" | "Unknown";

export type AccountStatus = "Active" | "Suspended" | "Unknown";

export type Registration = "Registered" | "Unregistered" | "Suspended" | "Unknown";

export type InviteStatus = "Pending" | "Accepted" | "Failed" | "Unknown";

export type EmailStatus = "NotSent" | "Sent" | "Failed" | "Unknown";

export type ChimeAccount = { 
/**
 * The account's ID.
 */
id: string, 
/**
 * The account's name.
 */
name: string, 
/**
 * How its users sign in.
 */
account_type: AccountType, 
/**
 * The license new users get, if the account has one.
 */
default_license: License | null, 
/**
 * The licenses the account's users may have.
 */
supported_licenses: Array<License>, 
/**
 * Whether its users can use it.
 */
status: AccountStatus, 
/**
 * RFC 3339.
 */
created: string, };

export type ChimeUser = { 
/**
 * The user's ID.
 */
id: string, 
/**
 * The account the user belongs to.
 */
account_id: string, 
/**
 * The user's email address.
 */
email: string, 
/**
 * The user's name as Chime shows it.
 */
display_name: string, 
/**
 * The user's license, if Chime gave one.
 */
license: License | null, 
/**
 * Whether the user has joined the account.
 */
registration: Registration, 
/**
 * Where the user's invitation to the account stands (none: never invited).
 */
invitation: InviteStatus | null, 
/**
 * RFC 3339, when the user joined.
 */
registered_on: string | null, 
/**
 * The personal meeting ID (10 digits), when the API gave it.
 */
personal_pin: string | null, };

export type Invite = { 
/**
 * The address invited.
 */
email: string, 
/**
 * Where the invitation stands.
 */
status: InviteStatus, 
/**
 * Whether Chime emailed it.
 */
email_status: EmailStatus, };

export type UserFailure = { 
/**
 * The user's ID.
 */
user_id: string, 
/**
 * Chime's error code.
 */
code: string, 
/**
 * Chime's message.
 */
message: string, };

export type Deleted = { 
/**
 * The Chime account's ID.
 */
account_id: string, 
/**
 * Users suspended first (Team accounts).
 */
suspended: number, 
/**
 * What the user should know about the deletion.
 */
note: string, };

export type Severity = "error" | "warning" | "ok";

export type AdminAction = { "kind": "invite", 
/**
 * The Chime account's id, when known.
 */
account_id: string | null, 
/**
 * The address to invite.
 */
email: string, } | { "kind": "unsuspend", 
/**
 * The Chime account's id.
 */
account_id: string, 
/**
 * The user's id.
 */
user_id: string, } | { "kind": "give_pro", 
/**
 * The Chime account's id.
 */
account_id: string, 
/**
 * The user's id.
 */
user_id: string, };

export type Finding = { 
/**
 * How bad it is.
 */
severity: Severity, 
/**
 * Stable name: `service-ended`, `not-found`, `basic-license`, `trial-ended`,
 * `trial-ends`, `suspended`, `not-registered`, `account-suspended`,
 * `calendar-mismatch`, `delegate-declared`, `licensed`, and, added by the app,
 * `other-provider` (new meetings go to another provider than Chime) and
 * `still-on-chime` (future meetings on the calendar still point at Chime).
 */
code: string, 
/**
 * What was found, for the user.
 */
message: string, 
/**
 * What to do about it; empty when nothing needs doing. It names no command: each front
 * end words [`Finding::action`] its own way.
 */
fix: string, 
/**
 * The administrator's step that fixes it, when one does.
 */
action: AdminAction | null, };

export type Report = { 
/**
 * The Chime user's address checked, trimmed.
 */
email: string, 
/**
 * No error: scheduling will work (warnings may remain).
 */
ok: boolean, 
/**
 * Every finding: errors first, then warnings, then what is fine.
 */
findings: Array<Finding>, };

export type MoveState = "pending" | "done" | "failed";

export type EventTexts = { 
/**
 * The description as plain text.
 */
description: string, 
/**
 * The description as HTML.
 */
html: string, 
/**
 * The location.
 */
location: string, 
/**
 * The attendees' addresses.
 */
attendees: Array<string>, };

export type OpenedLink = { "outcome": "schedule", 
/**
 * The values the link gives.
 */
form: MeetingForm, } | { "outcome": "refused", 
/**
 * Why, in words (without the link, which may be long or hostile).
 */
message: string, };

export type WindowPrefs = { 
/**
 * The page shown last (`schedule`, `history`, …); empty before the first.
 */
page: string, 
/**
 * Closing the window keeps Belfry in the tray (else it quits).
 */
keep_in_tray: boolean, };

export type Organizer = { "kind": "you" } | { "kind": "host", "address": string } | { "kind": "other", "address": string };

export type ChimeEvent = { 
/**
 * A short name for the event, stable across scans (`--only`).
 */
id: string, 
/**
 * The Belfry account whose calendar holds it.
 */
account: string, 
/**
 * That account's ID.
 */
account_id: string, 
/**
 * The calendar's ID on the service.
 */
calendar: string, 
/**
 * The calendar's name.
 */
calendar_name: string, 
/**
 * The event's address on the calendar.
 */
remote_ref: string, 
/**
 * The iCalendar UID: one meeting seen on two calendars (a host's and a delegate's
 * view of it) has one.
 */
uid: string, 
/**
 * The calendar lets the user change it.
 */
writable: boolean, 
/**
 * The event's title.
 */
title: string, 
/**
 * The start as the calendar gave it (a series': its first).
 */
start: string, 
/**
 * When it next takes place in the time scanned, where the calendar says.
 */
next: string | null, 
/**
 * It repeats.
 */
recurring: boolean, 
/**
 * Who organizes it: the user, or someone else.
 */
organizer: Organizer, 
/**
 * What Chime details it holds, in words.
 */
details: Array<string>, 
/**
 * For someone else's meeting: a short message to send them.
 */
ask: string | null, 
/**
 * What the event holds now (kept with the move as its original).
 */
description: string, 
/**
 * The HTML description, if the calendar keeps one.
 */
html: string, 
/**
 * The event's location.
 */
location: string, 
/**
 * The attendees' addresses.
 */
attendees: Array<string>, };

export type ChimeScan = { 
/**
 * The first day scanned.
 */
from: string, 
/**
 * The last day scanned.
 */
to: string, 
/**
 * Every event found with Chime details.
 */
events: Array<ChimeEvent>, 
/**
 * Accounts or calendars that could not be read, and why.
 */
problems: Array<string>, };

export type PlannedMove = { 
/**
 * The event as scanned.
 */
event: ChimeEvent, 
/**
 * The identifier the new joining details carry (reserved in the history when applied).
 */
meeting_id: string | null, 
/**
 * The move is kept from an earlier run that did not finish: it writes what it was
 * planned with then (part of the event may have it already).
 */
kept: boolean, 
/**
 * What replaces the Chime details; `None`: they are only removed.
 */
replacement: EventTexts | null, 
/**
 * The description it gets.
 */
description: string, 
/**
 * The HTML description it gets.
 */
html: string, 
/**
 * The location it gets.
 */
location: string, 
/**
 * The attendees removed (the Chime scheduling addresses).
 */
removed: Array<string>, };

export type SkippedEvent = { 
/**
 * The event.
 */
event: ChimeEvent, 
/**
 * Why it is left alone.
 */
reason: string, };

export type MovePlan = { 
/**
 * The provider the meetings move to; empty: the Chime details are only removed.
 */
target: string, 
/**
 * One move per event the plan rewrites.
 */
moves: Array<PlannedMove>, 
/**
 * Events that are not moved, and why (someone else organizes them).
 */
skipped: Array<SkippedEvent>, };

export type MoveOutcome = { 
/**
 * The event's short name.
 */
id: string, 
/**
 * The event's title.
 */
title: string, 
/**
 * The account whose calendar holds it.
 */
account: string, 
/**
 * The calendar's name.
 */
calendar: string, 
/**
 * Whether it moved, failed, or is still pending.
 */
state: MoveState, 
/**
 * The calendar already held it without Chime details (an earlier attempt landed).
 */
already: boolean, 
/**
 * Why it failed, when it did.
 */
error: string | null, 
/**
 * The service told every attendee; otherwise the user should send the update.
 */
attendees_told: boolean, 
/**
 * Where the service does not tell the attendees: the update as an .ics file for the
 * user to send them (in Belfry's data folder).
 */
update_file: string | null, 
/**
 * What the event held before, kept in Belfry's database.
 */
original: EventTexts, };

export type MoveReport = { 
/**
 * Each move that was tried.
 */
moved: Array<MoveOutcome>, 
/**
 * Events the plan left alone.
 */
skipped: Array<SkippedEvent>, };
