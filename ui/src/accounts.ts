// The Accounts page: calendar accounts (CalDAV, Google, Microsoft 365), their calendars and
// the default one. Passwords go straight to Rust and the keyring; nothing secret comes back.
import { ipc } from "./ipc";
import type { AccountKind, AccountView, CalendarView, MailSecurity } from "./ipc";
import { confirmDialog, field, h, onAsync, toast } from "./dom";
import { appErrorOf } from "./model";

const KIND_LABELS: Record<AccountKind, string> = {
  caldav: "CalDAV",
  google: "Google",
  microsoft: "Microsoft 365",
  aws: "AWS",
  smtp: "Outgoing mail",
};

export function accountsPage(): { element: HTMLElement; refresh: () => Promise<void> } {
  const list = h("ul", { class: "account-list", "aria-label": "Accounts" });
  const calendarsPane = h("div", { class: "calendars", id: "account-calendars", "aria-live": "polite" });
  const formError = h("p", { class: "error", id: "add-account-error", role: "alert" });

  const kind = h(
    "select",
    { onchange: () => syncKind() },
    h("option", { value: "caldav" }, "CalDAV (iCloud, Fastmail, Nextcloud, …)"),
    h("option", { value: "google" }, "Google"),
    h("option", { value: "microsoft" }, "Microsoft 365 / Outlook"),
    h("option", { value: "aws" }, "AWS (Chime administration)"),
    h("option", { value: "smtp" }, "Outgoing mail (sends invitations a calendar server does not)"),
  );
  const name = h("input", { type: "text", autocomplete: "off", placeholder: "School" });
  const server = h("input", {
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "caldav.example.com",
  });
  const username = h("input", { type: "text", autocomplete: "username", spellcheck: "false" });
  const password = h("input", { type: "password", autocomplete: "current-password" });
  const caldavFields = h(
    "div",
    {},
    field("account-server", "Server", server, "The address, or just the host: Belfry finds the calendars."),
    field("account-username", "User name", username),
    field("account-password", "App password", password, "Kept in your system keyring, nowhere else."),
  );
  const oauthHint = h(
    "p",
    { class: "hint", hidden: true },
    "Sign in opens your browser. Come back here when it says you are signed in.",
  );
  const profile = h("input", { type: "text", autocomplete: "off", spellcheck: "false", placeholder: "chime-admin" });
  const keyId = h("input", { type: "text", autocomplete: "off", spellcheck: "false", placeholder: "AKIA…" });
  const secretKey = h("input", { type: "password", autocomplete: "off" });
  const awsFields = h(
    "div",
    { hidden: true },
    field(
      "account-aws-profile",
      "AWS profile",
      profile,
      "A profile of ~/.aws/config (SSO too). Leave all three empty for the default credentials.",
    ),
    field("account-aws-key-id", "Access key ID", keyId),
    field("account-aws-secret", "Secret access key", secretKey, "Kept in your system keyring, nowhere else."),
  );
  const smtpHost = h("input", {
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "smtp.fastmail.com",
  });
  const smtpSecurity = h(
    "select",
    {},
    h("option", { value: "starttls" }, "STARTTLS (port 587)"),
    h("option", { value: "tls" }, "TLS (port 465)"),
    h("option", { value: "none" }, "None (a server on this computer only)"),
  );
  const smtpPort = h("input", { type: "number", min: "1", max: "65535", placeholder: "587" });
  const smtpUser = h("input", {
    type: "text",
    autocomplete: "username",
    spellcheck: "false",
    placeholder: "you@example.com",
  });
  const smtpFrom = h("input", { type: "email", autocomplete: "email", spellcheck: "false" });
  const smtpPassword = h("input", { type: "password", autocomplete: "current-password" });
  const smtpCa = h("input", {
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "/etc/ssl/private-ca.pem",
  });
  const smtpFields = h(
    "div",
    { hidden: true },
    field("account-smtp-host", "Mail server", smtpHost),
    field("account-smtp-security", "Security", smtpSecurity),
    field("account-smtp-port", "Port", smtpPort, "Empty: the usual port for the security chosen."),
    field("account-smtp-user", "User name", smtpUser),
    field("account-smtp-from", "Sender address", smtpFrom, "Empty: the user name."),
    field("account-smtp-password", "App password", smtpPassword, "Kept in your system keyring, nowhere else."),
    field(
      "account-smtp-ca",
      "Certificate authority",
      smtpCa,
      "Only for a server with a private certificate: the CA's PEM file.",
    ),
  );
  const add = h(
    "button",
    { type: "button", class: "primary", id: "add-account", onclick: () => void addAccount() },
    "Add account",
  );

  function syncKind() {
    const k = kind.value;
    caldavFields.hidden = k !== "caldav";
    awsFields.hidden = k !== "aws";
    smtpFields.hidden = k !== "smtp";
    oauthHint.hidden = k !== "google" && k !== "microsoft";
    add.textContent = k === "google" || k === "microsoft" ? "Sign in" : "Add account";
  }

  async function refresh() {
    try {
      const accounts = await ipc.accounts();
      list.replaceChildren(
        ...(accounts.length === 0
          ? [h("li", { class: "empty" }, "No accounts yet. Add one to put meetings on a calendar.")]
          : accounts.map((a) => h("li", {}, accountCard(a)))),
      );
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  function accountCard(a: AccountView): HTMLElement {
    let confirming = false;
    const remove = h("button", { type: "button", class: "danger" }, "Remove");
    onAsync(remove, "click", async () => {
      if (!confirming) {
        confirming = true;
        remove.textContent = "Remove for good?";
        setTimeout(() => {
          confirming = false;
          remove.textContent = "Remove";
        }, 4000);
        return;
      }
      try {
        const r = await ipc.removeAccount(a.name);
        toast(r.revoked ? `Removed ${a.name}; its sign-in was revoked.` : `Removed ${a.name}.`);
        calendarsPane.replaceChildren();
        await refresh();
      } catch (e) {
        toast(appErrorOf(e).message, "error");
      }
    });
    const title = h("span", { class: "entry-title" }, a.name);
    const rename = h("button", { type: "button" }, "Rename");
    rename.addEventListener("click", () => {
      const input = h("input", { type: "text", value: a.name, "aria-label": `New name for ${a.name}` });
      const save = async () => {
        if (input.value.trim() === a.name) return void refresh();
        try {
          const renamed = await ipc.renameAccount(a.name, input.value);
          toast(`Renamed to ${renamed.name}.`);
          await refresh();
        } catch (e) {
          // The typed name stays for another try.
          toast(appErrorOf(e).message, "error");
        }
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") void save();
        if (e.key === "Escape") void refresh();
      });
      title.replaceWith(input);
      rename.replaceWith(h("button", { type: "button", class: "primary", onclick: () => void save() }, "Save name"));
      input.focus();
      input.select();
    });
    const calendars =
      a.kind === "aws" || a.kind === "smtp"
        ? null
        : h("button", { type: "button", onclick: () => void showCalendars(a.name) }, "Calendars");
    const buttons = h("div", { class: "actions" }, rename, remove);
    if (calendars) buttons.prepend(calendars);
    return h(
      "div",
      { class: "account-card" },
      h(
        "div",
        {},
        title,
        h("span", { class: "entry-meta" }, `${KIND_LABELS[a.kind]} · ${a.identity}${a.server ? ` · ${a.server}` : ""}`),
      ),
      buttons,
    );
  }

  async function showCalendars(account: string, known?: CalendarView[]) {
    try {
      const calendars = known ?? (await ipc.accountCalendars(account));
      const noInvites = calendars.length > 0 && calendars.every((c) => !c.sends_invitations);
      const notice = h(
        "p",
        { class: "notice", role: "note", hidden: !noInvites },
        "This server does not send invitations itself, so meet@chime.aws and your attendees will not be notified by it. Send them the .ics from the Schedule page, or add an outgoing mail account here and Belfry emails them.",
      );
      calendarsPane.replaceChildren(
        h("h2", {}, `Calendars of ${account}`),
        notice,
        h(
          "ul",
          { class: "calendar-list" },
          ...calendars.map((c) =>
            h(
              "li",
              {},
              h(
                "label",
                { class: "check" },
                h("input", {
                  type: "radio",
                  name: `default-${account}`,
                  value: c.id,
                  checked: c.is_default,
                  disabled: !c.writable,
                  onchange: () => void setDefault(account, c),
                }),
                c.name,
              ),
              h(
                "span",
                { class: "entry-meta" },
                [
                  c.writable ? "writable" : "read-only",
                  c.owner ? `owner ${c.owner}` : c.shared ? "shared with you" : "",
                  c.is_default ? "default" : "",
                ]
                  .filter(Boolean)
                  .join(" · "),
              ),
            ),
          ),
        ),
      );
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  async function setDefault(account: string, c: CalendarView) {
    try {
      await ipc.setDefaultCalendar(account, c.id);
      toast(`Meetings of ${account} go to ${c.name}.`);
      await showCalendars(account);
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  /** Thrown when the user declines a confirmation: nothing to report. */
  /** The user declined to send the password unencrypted. */
  class Declined extends Error {}

  /**
   * Adds the CalDAV account; a server on plain http:// to another machine is added only
   * after the user confirms sending the password unencrypted.
   */
  async function addCaldav() {
    const add = (allowInsecureHttp: boolean) =>
      ipc.addCaldavAccount(name.value, server.value, username.value, password.value, allowInsecureHttp);
    try {
      return await add(false);
    } catch (e) {
      const err = appErrorOf(e);
      if (err.code !== "insecure_transport") throw e;
      const yes = await confirmDialog("Send the password unencrypted?", err.message, "Use plain http");
      if (!yes) throw new Declined();
      return await add(true);
    }
  }

  async function addAccount() {
    formError.textContent = "";
    add.disabled = true;
    try {
      const k = kind.value as AccountKind;
      const added =
        k === "caldav"
          ? await addCaldav()
          : k === "aws"
            ? await ipc.addAwsAccount(name.value, profile.value, keyId.value, secretKey.value)
            : k === "smtp"
              ? await ipc.addSmtpAccount(
                  name.value,
                  {
                    host: smtpHost.value,
                    port: Number(smtpPort.value) || 0,
                    security: smtpSecurity.value as MailSecurity,
                    user: smtpUser.value,
                    address: smtpFrom.value,
                    ca_file: smtpCa.value,
                  },
                  smtpPassword.value,
                )
              : await ipc.addOauthAccount(k, name.value);
      password.value = "";
      secretKey.value = "";
      smtpPassword.value = "";
      toast(`Added ${added.account.name} (${added.account.identity}).`);
      await refresh();
      if (k !== "aws" && k !== "smtp") await showCalendars(added.account.name, added.calendars);
    } catch (e) {
      if (e instanceof Declined) return;
      // Everything typed stays, except the password the server refused.
      const err = appErrorOf(e);
      if (err.code === "unauthorized") {
        password.value = "";
        secretKey.value = "";
        smtpPassword.value = "";
      }
      formError.textContent = err.message;
    } finally {
      add.disabled = false;
    }
  }

  const element = h(
    "section",
    { class: "page accounts", "aria-label": "Accounts" },
    h("div", { class: "accounts-left" }, h("h2", {}, "Accounts"), list, calendarsPane),
    h(
      "div",
      { class: "accounts-right" },
      h("h2", {}, "Add an account"),
      field("account-kind", "Kind", kind),
      field("account-name", "Name", name),
      caldavFields,
      awsFields,
      smtpFields,
      oauthHint,
      formError,
      h("div", { class: "actions" }, add),
    ),
  );
  syncKind();
  return { element, refresh };
}
