// The Admin page: Chime accounts and users through the AWS credentials on the Accounts page,
// and "Check before class". Every change is confirmed in a dialog first; nothing is deleted
// by a single click. The page is three parts, each a function of its own: the check
// (`doctorPanel`), the account list (`accountsPanel`) and the selected account
// (`accountDetail`, one `userRow` per user); they share the AWS credentials picked at the top
// and the status line (`AdminContext`).
import { ipc } from "./ipc";
import type {
  AccountStatus,
  AccountType,
  AccountView,
  AdminAction,
  ChimeAccount,
  ChimeUser,
  EmailStatus,
  InviteStatus,
  Registration,
  Report,
  UserFailure,
} from "./ipc";
import { confirmDialog, field, h, onAsync, toast } from "./dom";
import { appErrorOf } from "./model";

/** What the parts of the page share. */
interface AdminContext {
  /** The AWS credentials picked (none: the only ones). */
  awsName: () => string | null;
  /** Runs `f`, saying `what…` meanwhile and its error after; undefined when it failed. */
  busy: <T>(what: string, f: () => Promise<T>) => Promise<T | undefined>;
  /** Says something on the page's status line. */
  say: (text: string) => void;
}

export function adminPage(onPersonalId: () => void): { element: HTMLElement; refresh: () => Promise<void> } {
  const aws = h("select", {});
  const awsField = field("admin-aws", "AWS credentials", aws);
  const status = h("p", { class: "hint", id: "admin-status", role: "status", "aria-live": "polite" });
  const ctx: AdminContext = {
    awsName: () => aws.value || null,
    say: (text) => {
      status.textContent = text;
    },
    busy: async (what, f) => {
      status.textContent = `${what}…`;
      try {
        const r = await f();
        status.textContent = "";
        return r;
      } catch (e) {
        status.textContent = appErrorOf(e).message;
        return undefined;
      }
    },
  };
  const doctor = doctorPanel(ctx);
  const accounts = accountsPanel(ctx, onPersonalId);

  async function refresh() {
    try {
      const all = await ipc.accounts();
      const awsAccounts = all.filter((a) => a.kind === "aws");
      const keep = aws.value;
      aws.replaceChildren(...awsAccounts.map((a) => h("option", { value: a.name }, `${a.name} (${a.identity})`)));
      if (awsAccounts.some((a) => a.name === keep)) aws.value = keep;
      doctor.setCalendars(all.filter((a) => a.kind !== "aws"));
      const none = awsAccounts.length === 0;
      doctor.setEnabled(!none);
      accounts.setEnabled(!none);
      if (none) status.textContent = "Add AWS credentials on the Accounts page to administer Chime.";
      else if (status.textContent?.startsWith("Add AWS")) status.textContent = "";
      await doctor.suggestEmail(async () => (await ipc.getSettings()).organizer);
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  const element = h(
    "section",
    { class: "page admin", "aria-label": "Admin" },
    h("h2", {}, "Chime administration"),
    h(
      "p",
      { class: "hint" },
      "AWS ended support for the Amazon Chime service on 20 February 2026; these calls fail if the API is gone.",
    ),
    awsField,
    status,
    doctor.element,
    accounts.element,
    accounts.detail,
  );
  return { element, refresh };
}

/** "Check before class": what would stop a presenter's meetings from starting. */
function doctorPanel(ctx: AdminContext) {
  const email = h("input", { type: "email", autocomplete: "off", spellcheck: "false", placeholder: "you@example.edu" });
  const calendar = h("select", {});
  const delegate = h("input", { type: "checkbox", id: "doctor-delegate" });
  const check = h("button", { type: "button", class: "primary", id: "doctor-run" }, "Check before class");
  const findings = h("ul", { class: "findings", id: "doctor-findings", "aria-label": "What the check found" });
  const verdict = h("p", { id: "doctor-verdict", class: "verdict" });

  function showReport(r: Report) {
    findings.replaceChildren(
      ...r.findings.map((f) =>
        h(
          "li",
          { class: `finding ${f.severity}`, "data-code": f.code },
          h(
            "span",
            { class: "mark", "aria-hidden": "true" },
            f.severity === "error" ? "✗" : f.severity === "warning" ? "!" : "✓",
          ),
          h(
            "div",
            {},
            h("p", { class: "message" }, f.message),
            f.fix ? h("p", { class: "fix" }, `Fix: ${f.fix}`) : null,
            f.action ? h("p", { class: "fix" }, adminActionText(f.action)) : null,
            // The window's own words for what the shared text leaves to each front end.
            f.code === "still-on-chime" ? h("p", { class: "fix" }, "The Move off Chime page moves them.") : null,
          ),
        ),
      ),
    );
    const errors = r.findings.filter((f) => f.severity === "error").length;
    verdict.textContent = r.ok
      ? `Scheduling for ${r.email} should work.`
      : `Scheduling for ${r.email} will fail: ${errors} problem${errors === 1 ? "" : "s"} to fix.`;
    verdict.className = `verdict ${r.ok ? "ok" : "error"}`;
  }

  onAsync(check, "click", async () => {
    const r = await ctx.busy("Checking", () =>
      ipc.doctor(ctx.awsName(), email.value, calendar.value, delegate.checked),
    );
    if (r) showReport(r);
  });

  const element = h(
    "section",
    { class: "panel", "aria-labelledby": "doctor-heading" },
    h("h3", { id: "doctor-heading" }, "Check before class"),
    h(
      "p",
      { class: "hint" },
      "Finds, days ahead, what would stop your meetings from starting: license, trial, suspension, account, and the calendar's address.",
    ),
    h(
      "div",
      { class: "row" },
      field("doctor-email", "Chime user's email", email),
      field("doctor-calendar", "Calendar account you schedule from", calendar),
    ),
    h("label", { class: "check" }, delegate, " That calendar's owner is my delegate in Chime (Settings > Delegates)"),
    h("div", { class: "actions" }, check),
    verdict,
    findings,
  );
  return {
    element,
    /** The calendar accounts to check against, keeping the one picked. */
    setCalendars(calendars: AccountView[]) {
      const keep = calendar.value;
      calendar.replaceChildren(
        h("option", { value: "" }, "(not checked)"),
        ...calendars.map((a) => h("option", { value: a.name }, `${a.name} (${a.identity})`)),
      );
      if (calendars.some((a) => a.name === keep)) calendar.value = keep;
    },
    setEnabled(enabled: boolean) {
      check.disabled = !enabled;
    },
    /** Fills in the address to check, unless one is typed already. */
    async suggestEmail(organizer: () => Promise<string>) {
      if (!email.value) email.value = await organizer();
    },
  };
}

/** The Chime accounts: listed, created, and the one selected (`detail`). */
function accountsPanel(ctx: AdminContext, onPersonalId: () => void) {
  const filter = h("input", {
    type: "search",
    placeholder: "Name starts with… or a user's email",
    "aria-label": "Filter accounts",
    autocomplete: "off",
  });
  const load = h("button", { type: "button", id: "chime-load" }, "Load accounts");
  const accountList = h("ul", { class: "chime-accounts", id: "chime-accounts", "aria-label": "Chime accounts" });
  const newName = h("input", {
    type: "text",
    autocomplete: "off",
    placeholder: "Physics Department",
    "aria-label": "New account's name",
  });
  const create = h("button", { type: "button", id: "chime-create" }, "Create Team account");
  const detail = h("div", { class: "chime-detail", id: "chime-detail", hidden: true });

  let accounts: ChimeAccount[] = [];
  let selected: ChimeAccount | null = null;

  function renderAccounts() {
    accountList.replaceChildren(
      ...(accounts.length === 0
        ? [h("li", { class: "empty" }, "No Chime accounts.")]
        : accounts.map((a) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "chime-account",
                  "aria-pressed": String(selected?.id === a.id),
                  "data-id": a.id,
                  onclick: () => void select(a),
                },
                h("span", { class: "entry-title" }, a.name),
                h(
                  "span",
                  { class: "entry-meta" },
                  `${accountTypeText(a.account_type)} · new users ${a.default_license ?? "-"} · ${accountStatusText(a.status)}`,
                ),
              ),
            ),
          )),
    );
  }

  async function loadAccounts() {
    const list = await ctx.busy("Loading accounts", () => ipc.chimeAccounts(ctx.awsName(), filter.value));
    if (!list) return;
    accounts = list;
    renderAccounts();
    if (selected && !accounts.some((a) => a.id === selected?.id)) close();
  }

  function close() {
    selected = null;
    detail.hidden = true;
  }

  async function select(a: ChimeAccount) {
    selected = a;
    renderAccounts();
    const users = await ctx.busy(`Loading the users of ${a.name}`, () => ipc.chimeUsers(ctx.awsName(), a.id));
    if (!users) return;
    detail.replaceChildren(
      ...accountDetail(ctx, a, users, {
        reload: loadAccounts,
        reopen: () => select(a),
        renamed: (done) => {
          selected = done;
          renderAccounts();
        },
        deleted: close,
        onPersonalId,
      }),
    );
    detail.hidden = false;
  }

  load.addEventListener("click", () => void loadAccounts());
  filter.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void loadAccounts();
  });
  onAsync(create, "click", async () => {
    const name = newName.value.trim();
    if (!name) {
      ctx.say("Give the new account a name.");
      newName.focus();
      return;
    }
    if (
      !(await confirmDialog(
        "Create a Team account?",
        `A new Amazon Chime Team account named “${name}” is created in your AWS account.`,
        "Create",
      ))
    )
      return;
    const made = await ctx.busy("Creating", () => ipc.chimeCreateAccount(ctx.awsName(), name));
    if (!made) return;
    newName.value = "";
    toast(`Created ${made.name}.`);
    await loadAccounts();
    await select(made);
  });

  const element = h(
    "section",
    { class: "panel", "aria-labelledby": "accounts-heading" },
    h("h3", { id: "accounts-heading" }, "Accounts"),
    h("div", { class: "row" }, filter, load),
    accountList,
    h("div", { class: "row" }, newName, create),
  );
  return {
    element,
    detail,
    setEnabled(enabled: boolean) {
      load.disabled = !enabled;
      create.disabled = !enabled;
    },
  };
}

/** What the selected account's part tells the list. */
interface DetailEvents {
  /** List the accounts again. */
  reload: () => Promise<void>;
  /** Show this account again, with its users read anew. */
  reopen: () => Promise<void>;
  renamed: (account: ChimeAccount) => void;
  deleted: () => void;
  onPersonalId: () => void;
}

/** The selected account: rename, default license, users, invitations, deletion. */
function accountDetail(ctx: AdminContext, a: ChimeAccount, users: ChimeUser[], on: DetailEvents): HTMLElement[] {
  const team = a.account_type === "Team";
  const rename = h("input", { type: "text", value: a.name, autocomplete: "off", id: "chime-rename" });
  const renameButton = h("button", { type: "button" }, "Rename");
  onAsync(renameButton, "click", async () => {
    const name = rename.value.trim();
    if (!name || name === a.name) return;
    if (!(await confirmDialog("Rename the account?", `“${a.name}” becomes “${name}”.`, "Rename"))) return;
    const done = await ctx.busy("Renaming", () => ipc.chimeUpdateAccount(ctx.awsName(), a.id, name, null));
    if (done) {
      toast(`Renamed to ${done.name}.`);
      await on.reload();
      on.renamed(done);
    }
  });
  const license = h(
    "select",
    { id: "chime-default-license" },
    ...a.supported_licenses.map((l) => h("option", { value: l }, l)),
  );
  if (a.default_license) license.value = a.default_license;
  const licenseButton = h("button", { type: "button" }, "Set default license");
  onAsync(licenseButton, "click", async () => {
    if (
      !(await confirmDialog(
        "Change the default license?",
        `Users who join “${a.name}” from now on get ${license.value}. ${license.value === "Basic" ? "Basic users cannot host or schedule meetings." : ""}`,
        "Change",
      ))
    )
      return;
    const done = await ctx.busy("Changing", () => ipc.chimeUpdateAccount(ctx.awsName(), a.id, null, license.value));
    if (done) {
      toast(`New users of ${done.name} get ${done.default_license ?? "-"}.`);
      await on.reload();
    }
  });
  const del = h("button", { type: "button", class: "danger", id: "chime-delete" }, "Delete account…");
  onAsync(del, "click", async () => {
    const suspend = h("input", { type: "checkbox", id: "delete-suspend" });
    const extra = h(
      "label",
      { class: "check" },
      suspend,
      " Suspend its users first (a Team account cannot be deleted while it has active users)",
    );
    const text = `“${a.name}” is deleted. It stays on the disabled accounts list for 90 days; its users cannot sign in meanwhile. ${team ? "A Team account's users must be suspended first." : ""}`;
    if (!(await confirmDialog("Delete this Chime account?", text, "Delete account", extra))) return;
    const done = await ctx.busy("Deleting", () => ipc.chimeDeleteAccount(ctx.awsName(), a.id, suspend.checked));
    if (done) {
      toast(`Deleted (${done.suspended} users suspended first). ${done.note}`);
      on.deleted();
      await on.reload();
    }
  });

  const invite = h("textarea", {
    rows: "3",
    spellcheck: "false",
    id: "chime-invite-emails",
    "aria-label": "Addresses to invite",
    placeholder: "one address per line (or separated by commas)",
  });
  const inviteButton = h("button", { type: "button", id: "chime-invite" }, "Invite");
  inviteButton.disabled = !team;
  onAsync(inviteButton, "click", async () => {
    const emails = invite.value.split(/[\s,;]+/).filter(Boolean);
    if (emails.length === 0) {
      ctx.say("Write the addresses to invite first.");
      invite.focus();
      return;
    }
    if (
      !(await confirmDialog(
        `Invite ${emails.length} ${emails.length === 1 ? "person" : "people"}?`,
        `Amazon Chime emails an invitation to join “${a.name}” to: ${emails.join(", ")}.`,
        "Invite",
      ))
    )
      return;
    const sent = await ctx.busy("Inviting", () => ipc.chimeInvite(ctx.awsName(), a.id, emails));
    if (sent) {
      invite.value = "";
      const emailed = sent.filter((i) => isEmailed(i.email_status)).length;
      const failed = sent.filter((i) => i.status === "Failed").map((i) => i.email);
      toast(
        `${emailed} of ${sent.length} invitations sent.${failed.length ? ` Not invited: ${failed.join(", ")}.` : ""}`,
      );
      await on.reopen();
    }
  });

  const parts: (HTMLElement | null)[] = [
    h("h2", {}, a.name),
    h("p", { class: "hint" }, `${accountTypeText(a.account_type)} account ${a.id}`),
    h(
      "div",
      { class: "row" },
      h("div", { class: "field" }, h("label", { for: "chime-rename" }, "Name"), rename),
      renameButton,
    ),
    h(
      "div",
      { class: "row" },
      h("div", { class: "field" }, h("label", { for: "chime-default-license" }, "License for new users"), license),
      licenseButton,
    ),
    h("h3", {}, `Users (${users.length})`),
    users.length === 0
      ? h("p", { class: "empty" }, "No users yet.")
      : h(
          "table",
          { class: "chime-users", id: "chime-users" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "Email"),
              h("th", {}, "License"),
              h("th", {}, "Status"),
              h("th", {}, "Personal ID"),
              h("th", {}, ""),
            ),
          ),
          h("tbody", {}, ...users.map((u) => userRow(ctx, a, u, on))),
        ),
    h("h3", {}, "Invite people"),
    team
      ? null
      : h(
          "p",
          { class: "hint" },
          "Only Team accounts take invitations; enterprise accounts add users through their directory.",
        ),
    invite,
    h("div", { class: "actions" }, inviteButton),
    h("div", { class: "actions danger-zone" }, del),
  ];
  return parts.filter((p): p is HTMLElement => p !== null);
}

/** One user of the selected account: license, suspension, personal meeting ID. */
function userRow(ctx: AdminContext, a: ChimeAccount, u: ChimeUser, on: DetailEvents): HTMLElement {
  const who = u.display_name ? `${u.display_name} <${u.email}>` : u.email;
  const license = h(
    "select",
    { "aria-label": `License of ${u.email}` },
    ...["Basic", "Pro"].map((l) => h("option", { value: l }, l)),
  );
  if (u.license === "Basic" || u.license === "Pro") license.value = u.license;
  else license.prepend(h("option", { value: u.license ?? "", selected: true }, u.license ?? "-"));
  onAsync(license, "change", async () => {
    const to = license.value;
    const ok = await confirmDialog(
      "Change the license?",
      `${u.email} gets ${to}. ${to === "Basic" ? "Basic users cannot host or schedule meetings." : ""}`,
      "Change",
    );
    if (!ok) {
      license.value = u.license ?? "";
      return;
    }
    const failed = await ctx.busy("Changing the license", () => ipc.chimeSetLicense(ctx.awsName(), a.id, [u.id], to));
    if (failed) toast(failuresText(failed, 1));
    await on.reopen();
  });
  const suspended = u.registration === "Suspended";
  const suspend = h(
    "button",
    { type: "button", "aria-label": `${suspended ? "Unsuspend" : "Suspend"} ${u.email}` },
    suspended ? "Unsuspend" : "Suspend",
  );
  onAsync(suspend, "click", async () => {
    const ok = await confirmDialog(
      suspended ? "Lift the suspension?" : "Suspend this user?",
      suspended
        ? `${u.email} can sign in and host again.`
        : `${u.email} cannot sign in or host meetings until unsuspended.`,
      suspended ? "Unsuspend" : "Suspend",
    );
    if (!ok) return;
    const failed = await ctx.busy(suspended ? "Unsuspending" : "Suspending", () =>
      ipc.chimeSuspend(ctx.awsName(), a.id, [u.id], !suspended),
    );
    if (failed) toast(failuresText(failed, 1));
    await on.reopen();
  });
  const reset = h("button", { type: "button", "aria-label": `Reset the PIN of ${u.email}` }, "Reset PIN");
  onAsync(reset, "click", async () => {
    if (
      !(await confirmDialog(
        "Give a new personal meeting ID?",
        `${u.email}'s personal meeting ID ${u.personal_pin ?? ""} stops working; meetings already scheduled with it must be sent again.`,
        "Reset",
      ))
    )
      return;
    const done = await ctx.busy("Resetting", () => ipc.chimeResetPin(ctx.awsName(), a.id, u.id));
    if (done) toast(`${done.email}: new personal meeting ID ${done.personal_pin ?? ""}.`);
    await on.reopen();
  });
  const use = h(
    "button",
    { type: "button", class: "use-pin", "data-email": u.email, "aria-label": `Use ${u.email}'s as my personal ID` },
    "Use as my personal ID",
  );
  onAsync(use, "click", async () => {
    const pin = await ctx.busy("Reading the personal meeting ID", () => ipc.usePersonalPin(ctx.awsName(), a.id, u.id));
    if (pin) {
      toast(`Your personal meeting ID is now ${pin}.`);
      on.onPersonalId();
    }
  });
  return h(
    "tr",
    { "data-email": u.email },
    h("td", {}, who),
    h("td", {}, license),
    h("td", {}, userStatusText(u.registration, u.invitation)),
    h("td", { class: "mono" }, u.personal_pin ?? ""),
    h("td", { class: "actions" }, use, suspend, reset),
  );
}

function failuresText(failed: UserFailure[], total: number): string {
  if (failed.length === 0) return `Done for ${total}.`;
  return `${total - failed.length} of ${total} changed; not changed: ${failed.map((f) => `${f.user_id} (${f.message || f.code})`).join(", ")}`;
}

/** Whether Chime emailed an invitation. */
function isEmailed(status: EmailStatus): boolean {
  switch (status) {
    case "Sent":
      return true;
    case "NotSent":
    case "Failed":
    case "Unknown":
      return false;
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

/** How an account's users sign in, in the page's words. */
export function accountTypeText(t: AccountType): string {
  switch (t) {
    case "Team":
      return "Team";
    case "EnterpriseDirectory":
      return "Enterprise (Active Directory)";
    case "EnterpriseLWA":
      return "Enterprise (Login with Amazon)";
    case "EnterpriseOIDC":
      return "Enterprise (OpenID Connect)";
    case "Unknown":
      return "Account of a kind Belfry does not know";
    default: {
      const unknown: never = t;
      return unknown;
    }
  }
}

export function accountStatusText(s: AccountStatus): string {
  switch (s) {
    case "Active":
      return "active";
    case "Suspended":
      return "suspended";
    case "Unknown":
      return "status unknown";
    default: {
      const unknown: never = s;
      return unknown;
    }
  }
}

/** Whether a user has joined, and where their invitation stands. */
export function userStatusText(r: Registration, invitation: InviteStatus | null): string {
  const joined = ((): string => {
    switch (r) {
      case "Registered":
        return "Registered";
      case "Unregistered":
        return "Not joined yet";
      case "Suspended":
        return "Suspended";
      case "Unknown":
        return "Unknown";
      default: {
        const unknown: never = r;
        return unknown;
      }
    }
  })();
  if (r === "Registered" || invitation === null) return joined;
  switch (invitation) {
    case "Pending":
      return `${joined} (invited)`;
    case "Accepted":
      return joined;
    case "Failed":
      return `${joined} (the invitation failed)`;
    case "Unknown":
      return joined;
    default: {
      const unknown: never = invitation;
      return unknown;
    }
  }
}

/** An administrator's step, as this page offers it. */
function adminActionText(action: AdminAction): string {
  switch (action.kind) {
    case "invite":
      return `On this page: open the account and invite ${action.email}.`;
    case "unsuspend":
      return "On this page: open the account's users and press Unsuspend beside them.";
    case "give_pro":
      return "On this page: open the account's users and choose Pro as their license.";
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}
