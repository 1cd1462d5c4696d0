// The Admin page: Chime accounts and users through the AWS credentials on the Accounts page,
// and "Check before class". Every change is confirmed in a dialog first; nothing is deleted
// by a single click.
import { ipc } from "./ipc";
import type { AdminAction, ChimeAccount, ChimeUser, Report, UserFailure } from "./ipc";
import { confirmDialog, field, h, onAsync, toast } from "./dom";
import { appErrorOf } from "./model";

export function adminPage(onPersonalId: () => void): { element: HTMLElement; refresh: () => Promise<void> } {
  const aws = h("select", {});
  const awsField = field("admin-aws", "AWS credentials", aws);
  const status = h("p", { class: "hint", id: "admin-status", role: "status", "aria-live": "polite" });

  // Check before class
  const email = h("input", { type: "email", autocomplete: "off", spellcheck: "false", placeholder: "you@example.edu" });
  const calendar = h("select", {});
  const delegate = h("input", { type: "checkbox", id: "doctor-delegate" });
  const check = h("button", { type: "button", class: "primary", id: "doctor-run" }, "Check before class");
  const findings = h("ul", { class: "findings", id: "doctor-findings", "aria-label": "What the check found" });
  const verdict = h("p", { id: "doctor-verdict", class: "verdict" });

  // Accounts
  const filter = h("input", {
    type: "search",
    placeholder: "Name starts with… or a user's email",
    "aria-label": "Filter accounts",
    autocomplete: "off",
  });
  const load = h("button", { type: "button", id: "chime-load" }, "Load accounts");
  const accountList = h("ul", { class: "chime-accounts", id: "chime-accounts", "aria-label": "Chime accounts" });
  const newName = h("input", { type: "text", autocomplete: "off", placeholder: "Physics Department" });
  const create = h("button", { type: "button", id: "chime-create" }, "Create Team account");

  // The selected account
  const detail = h("div", { class: "chime-detail", id: "chime-detail", hidden: true });

  let accounts: ChimeAccount[] = [];
  let selected: ChimeAccount | null = null;
  const awsName = () => aws.value || null;

  async function busy<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    status.textContent = `${what}…`;
    try {
      const r = await f();
      status.textContent = "";
      return r;
    } catch (e) {
      status.textContent = appErrorOf(e).message;
      return undefined;
    }
  }

  function failuresText(failed: UserFailure[], total: number): string {
    if (failed.length === 0) return `Done for ${total}.`;
    return `${total - failed.length} of ${total} changed; not changed: ${failed.map((f) => `${f.user_id} (${f.message || f.code})`).join(", ")}`;
  }

  async function refresh() {
    try {
      const all = await ipc.accounts();
      const awsAccounts = all.filter((a) => a.kind === "aws");
      const keep = aws.value;
      aws.replaceChildren(...awsAccounts.map((a) => h("option", { value: a.name }, `${a.name} (${a.identity})`)));
      if (awsAccounts.some((a) => a.name === keep)) aws.value = keep;
      const calendars = all.filter((a) => a.kind !== "aws");
      const keepCal = calendar.value;
      calendar.replaceChildren(
        h("option", { value: "" }, "(not checked)"),
        ...calendars.map((a) => h("option", { value: a.name }, `${a.name} (${a.identity})`)),
      );
      if (calendars.some((a) => a.name === keepCal)) calendar.value = keepCal;
      const none = awsAccounts.length === 0;
      for (const b of [check, load, create]) b.disabled = none;
      if (none) status.textContent = "Add AWS credentials on the Accounts page to administer Chime.";
      else if (status.textContent?.startsWith("Add AWS")) status.textContent = "";
      if (!email.value) email.value = (await ipc.getSettings()).organizer;
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

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
    const r = await busy("Checking", () => ipc.doctor(awsName(), email.value, calendar.value, delegate.checked));
    if (r) showReport(r);
  });

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
                  `${a.account_type} · new users ${a.default_license ?? "-"} · ${a.status}`,
                ),
              ),
            ),
          )),
    );
  }

  async function loadAccounts() {
    const list = await busy("Loading accounts", () => ipc.chimeAccounts(awsName(), filter.value));
    if (!list) return;
    accounts = list;
    renderAccounts();
    if (selected && !accounts.some((a) => a.id === selected?.id)) {
      selected = null;
      detail.hidden = true;
    }
  }
  load.addEventListener("click", () => void loadAccounts());
  filter.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void loadAccounts();
  });

  onAsync(create, "click", async () => {
    const name = newName.value.trim();
    if (!name) {
      status.textContent = "Give the new account a name.";
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
    const made = await busy("Creating", () => ipc.chimeCreateAccount(awsName(), name));
    if (!made) return;
    newName.value = "";
    toast(`Created ${made.name}.`);
    await loadAccounts();
    await select(made);
  });

  async function select(a: ChimeAccount) {
    selected = a;
    renderAccounts();
    const users = await busy(`Loading the users of ${a.name}`, () => ipc.chimeUsers(awsName(), a.id));
    if (users) renderDetail(a, users);
  }

  function renderDetail(a: ChimeAccount, users: ChimeUser[]) {
    const rename = h("input", { type: "text", value: a.name, autocomplete: "off" });
    const renameButton = h("button", { type: "button" }, "Rename");
    onAsync(renameButton, "click", async () => {
      const name = rename.value.trim();
      if (!name || name === a.name) return;
      if (!(await confirmDialog("Rename the account?", `“${a.name}” becomes “${name}”.`, "Rename"))) return;
      const done = await busy("Renaming", () => ipc.chimeUpdateAccount(awsName(), a.id, name, null));
      if (done) {
        toast(`Renamed to ${done.name}.`);
        await loadAccounts();
        selected = done;
        renderAccounts();
      }
    });
    const license = h("select", {}, ...a.supported_licenses.map((l) => h("option", { value: l }, l)));
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
      const done = await busy("Changing", () => ipc.chimeUpdateAccount(awsName(), a.id, null, license.value));
      if (done) {
        toast(`New users of ${done.name} get ${done.default_license ?? "-"}.`);
        await loadAccounts();
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
      const text = `“${a.name}” is deleted. It stays on the disabled accounts list for 90 days; its users cannot sign in meanwhile. ${a.account_type === "Team" ? "A Team account's users must be suspended first." : ""}`;
      if (!(await confirmDialog("Delete this Chime account?", text, "Delete account", extra))) return;
      const done = await busy("Deleting", () => ipc.chimeDeleteAccount(awsName(), a.id, suspend.checked));
      if (done) {
        toast(`Deleted (${done.suspended} users suspended first). ${done.note}`);
        selected = null;
        detail.hidden = true;
        await loadAccounts();
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
    inviteButton.disabled = a.account_type !== "Team";
    onAsync(inviteButton, "click", async () => {
      const emails = invite.value.split(/[\s,;]+/).filter(Boolean);
      if (emails.length === 0) {
        status.textContent = "Write the addresses to invite first.";
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
      const sent = await busy("Inviting", () => ipc.chimeInvite(awsName(), a.id, emails));
      if (sent) {
        invite.value = "";
        toast(`${sent.filter((i) => i.email_status === "Sent").length} of ${sent.length} invitations sent.`);
        await select(a);
      }
    });

    const rows = users.map((u) => userRow(a, u));
    const parts: (HTMLElement | null)[] = [
      h("h2", {}, a.name),
      h("p", { class: "hint" }, `${a.account_type} account ${a.id}`),
      h("div", { class: "row" }, h("div", { class: "field" }, h("label", {}, "Name"), rename), renameButton),
      h(
        "div",
        { class: "row" },
        h("div", { class: "field" }, h("label", {}, "License for new users"), license),
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
            h("tbody", {}, ...rows),
          ),
      h("h3", {}, "Invite people"),
      a.account_type === "Team"
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
    detail.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
    detail.hidden = false;
  }

  function userRow(a: ChimeAccount, u: ChimeUser): HTMLElement {
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
      const failed = await busy("Changing the license", () => ipc.chimeSetLicense(awsName(), a.id, [u.id], to));
      if (failed) toast(failuresText(failed, 1));
      await select(a);
    });
    const suspended = u.registration === "Suspended";
    const suspend = h("button", { type: "button" }, suspended ? "Unsuspend" : "Suspend");
    onAsync(suspend, "click", async () => {
      const ok = await confirmDialog(
        suspended ? "Lift the suspension?" : "Suspend this user?",
        suspended
          ? `${u.email} can sign in and host again.`
          : `${u.email} cannot sign in or host meetings until unsuspended.`,
        suspended ? "Unsuspend" : "Suspend",
      );
      if (!ok) return;
      const failed = await busy(suspended ? "Unsuspending" : "Suspending", () =>
        ipc.chimeSuspend(awsName(), a.id, [u.id], !suspended),
      );
      if (failed) toast(failuresText(failed, 1));
      await select(a);
    });
    const reset = h("button", { type: "button" }, "Reset PIN");
    onAsync(reset, "click", async () => {
      if (
        !(await confirmDialog(
          "Give a new personal meeting ID?",
          `${u.email}'s personal meeting ID ${u.personal_pin ?? ""} stops working; meetings already scheduled with it must be sent again.`,
          "Reset",
        ))
      )
        return;
      const done = await busy("Resetting", () => ipc.chimeResetPin(awsName(), a.id, u.id));
      if (done) toast(`${done.email}: new personal meeting ID ${done.personal_pin ?? ""}.`);
      await select(a);
    });
    const use = h("button", { type: "button", class: "use-pin", "data-email": u.email }, "Use as my personal ID");
    onAsync(use, "click", async () => {
      const pin = await busy("Reading the personal meeting ID", () => ipc.usePersonalPin(awsName(), a.id, u.id));
      if (pin) {
        toast(`Your personal meeting ID is now ${pin}.`);
        onPersonalId();
      }
    });
    return h(
      "tr",
      { "data-email": u.email },
      h("td", {}, who),
      h("td", {}, license),
      h("td", {}, `${u.registration}${u.invitation === "Pending" ? " (invited)" : ""}`),
      h("td", { class: "mono" }, u.personal_pin ?? ""),
      h("td", { class: "actions" }, use, suspend, reset),
    );
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
    h(
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
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "accounts-heading" },
      h("h3", { id: "accounts-heading" }, "Accounts"),
      h("div", { class: "row" }, filter, load),
      accountList,
      h("div", { class: "row" }, newName, create),
    ),
    detail,
  );
  return { element, refresh };
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
