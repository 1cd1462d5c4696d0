// The only module that talks to Rust. Everything else imports from here.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type {
  AccountAdded,
  AccountKind,
  AccountView,
  AppError,
  BulkProgress,
  BulkRow,
  CalendarView,
  Catalog,
  ChimeAccount,
  ChimeScan,
  ChimeUser,
  Deleted,
  DeliveryView,
  Invite,
  Report,
  UserFailure,
  HistoryView,
  MeetingForm,
  MovePlan,
  MoveReport,
  NewMeetingView,
  Preview,
  ProviderTemplate,
  ProviderView,
  Removed,
  ScheduleOutcome,
  SettingsView,
  SmtpForm,
  MailView,
} from "./bindings";

export type * from "./bindings";

/** A failed command: the Rust `AppError`, whose `code` the UI branches on. */
export class IpcError extends Error {
  readonly error: AppError;
  constructor(error: AppError) {
    super(error.message);
    this.error = error;
  }
}

function toAppError(e: unknown): AppError {
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    const err = e as AppError;
    return { code: err.code, message: err.message, fields: err.fields ?? [] };
  }
  return { code: "internal", message: String(e), fields: [] };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw new IpcError(toAppError(e));
  }
}

/** Belfry's commands, typed. */
export const ipc = {
  catalog: () => call<Catalog>("catalog"),
  loadDraft: () => call<MeetingForm | null>("load_draft"),
  saveDraft: (form: MeetingForm) => call<void>("save_draft", { form }),
  preview: (form: MeetingForm) => call<Preview>("preview", { form }),
  previewTemplate: (form: MeetingForm, template: string) =>
    call<Preview>("preview_template", { form, template }),
  newMeetingId: (moderated: boolean, provider: string) =>
    call<NewMeetingView>("new_meeting_id", { moderated, provider }),
  copyInvitation: (form: MeetingForm) => call<Preview>("copy_invitation", { form }),
  /** Answers how many seconds the moderator info stays on the clipboard. */
  copyModeratorInfo: (meetingId: string) => call<number>("copy_moderator_info", { meetingId }),
  saveIcs: (form: MeetingForm) => call<string | null>("save_ics", { form }),
  openInCalendar: (form: MeetingForm) => call<string>("open_in_calendar", { form }),
  importProvider: () => call<ProviderView | null>("import_provider"),
  providerTemplate: (provider: string) => call<ProviderTemplate>("provider_template", { provider }),
  saveProviderTemplate: (provider: string, template: string) =>
    call<ProviderTemplate>("save_provider_template", { provider, template }),
  addToCalendar: (form: MeetingForm, account: string, calendar: string) =>
    call<ScheduleOutcome>("add_to_calendar", { form, account, calendar }),
  history: (query: string) => call<HistoryView[]>("history", { query }),
  historyPreview: (uid: string) => call<Preview>("history_preview", { uid }),
  copyHistoryInvitation: (uid: string) => call<void>("copy_history_invitation", { uid }),
  emailInvitations: (uid: string) => call<MailView[]>("email_invitations", { uid }),
  historyForm: (uid: string) => call<MeetingForm>("history_form", { uid }),
  rescheduleMeeting: (uid: string, form: MeetingForm) => call<ScheduleOutcome>("reschedule_meeting", { uid, form }),
  cancelMeeting: (uid: string) => call<ScheduleOutcome>("cancel_meeting", { uid }),
  outbox: () => call<DeliveryView[]>("outbox"),
  retryDeliveries: (uid: string) => call<DeliveryView[]>("retry_deliveries", { uid }),
  migrateScan: () => call<ChimeScan>("migrate_scan"),
  migratePlan: (target: string, only: string[]) => call<MovePlan>("migrate_plan", { target, only }),
  migrateApply: (only: string[]) => call<MoveReport>("migrate_apply", { only }),
  copyAsk: (title: string) => call<void>("copy_ask", { title }),
  getSettings: () => call<SettingsView>("get_settings"),
  saveSettings: (settings: SettingsView) => call<SettingsView>("save_settings", { settings }),
  accounts: () => call<AccountView[]>("accounts"),
  accountCalendars: (name: string) => call<CalendarView[]>("account_calendars", { name }),
  addCaldavAccount: (name: string, server: string, username: string, password: string, allowInsecureHttp: boolean) =>
    call<AccountAdded>("add_caldav_account", { name, server, username, password, allowInsecureHttp }),
  addSmtpAccount: (name: string, form: SmtpForm, password: string) =>
    call<AccountAdded>("add_smtp_account", { name, form, password }),
  addOauthAccount: (kind: AccountKind, name: string) => call<AccountAdded>("add_oauth_account", { kind, name }),
  addAwsAccount: (name: string, profile: string, accessKeyId: string, secret: string) =>
    call<AccountAdded>("add_aws_account", { name, profile, accessKeyId, secret }),
  renameAccount: (name: string, newName: string) => call<AccountView>("rename_account", { name, newName }),
  removeAccount: (name: string) => call<Removed>("remove_account", { name }),
  setDefaultCalendar: (name: string, calendar: string) => call<AccountView>("set_default_calendar", { name, calendar }),
  chimeAccounts: (aws: string | null, name: string) => call<ChimeAccount[]>("chime_accounts", { aws, name }),
  chimeCreateAccount: (aws: string | null, name: string) => call<ChimeAccount>("chime_create_account", { aws, name }),
  chimeUpdateAccount: (aws: string | null, accountId: string, name: string | null, defaultLicense: string | null) =>
    call<ChimeAccount>("chime_update_account", { aws, accountId, name, defaultLicense }),
  chimeDeleteAccount: (aws: string | null, accountId: string, suspendUsers: boolean) =>
    call<Deleted>("chime_delete_account", { aws, accountId, suspendUsers }),
  chimeUsers: (aws: string | null, accountId: string) => call<ChimeUser[]>("chime_users", { aws, accountId }),
  chimeInvite: (aws: string | null, accountId: string, emails: string[]) => call<Invite[]>("chime_invite", { aws, accountId, emails }),
  chimeSetLicense: (aws: string | null, accountId: string, userIds: string[], license: string) =>
    call<UserFailure[]>("chime_set_license", { aws, accountId, userIds, license }),
  chimeSuspend: (aws: string | null, accountId: string, userIds: string[], suspend: boolean) =>
    call<UserFailure[]>("chime_suspend", { aws, accountId, userIds, suspend }),
  chimeResetPin: (aws: string | null, accountId: string, userId: string) => call<ChimeUser>("chime_reset_pin", { aws, accountId, userId }),
  usePersonalPin: (aws: string | null, accountId: string, userId: string) => call<string>("use_personal_pin", { aws, accountId, userId }),
  doctor: (aws: string | null, email: string, calendarAccount: string, delegate: boolean) =>
    call<Report>("doctor", { aws, email, calendarAccount, delegate }),
  scheduleBulk: (csv: string, account: string) => call<BulkRow[]>("schedule_bulk", { csv, account }),
  onSecondLaunch: (handler: () => void) => listen("belfry://second-launch", handler),
  onOutbox: (handler: () => void) => listen("belfry://outbox", handler),
  onBulkProgress: (handler: (p: BulkProgress) => void) =>
    listen<BulkProgress>("belfry://bulk-progress", (e) => handler(e.payload)),
};

export type Ipc = typeof ipc;
