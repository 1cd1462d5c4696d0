// The History page: past meetings, searchable; copy an invitation or moderator info again;
// and the outbox: what is still to reach a calendar, why, and a way to send it again.
import { ipc } from "./ipc";
import type { DeliveryView, HistoryView, MeetingForm, Preview } from "./ipc";
import { confirmDialog, h, onAsync, toast } from "./dom";
import { appErrorOf, deliveryStatusText, moderatorCopied } from "./model";

export function historyPage(onChange: (form: MeetingForm, display: string, uid: string) => void): {
  element: HTMLElement;
  refresh: () => Promise<void>;
} {
  const search = h("input", {
    type: "search",
    id: "history-search",
    placeholder: "Title, meeting ID or attendee",
    autocomplete: "off",
  });
  const list = h("ul", { class: "history-list", "aria-label": "Past meetings" });
  const detail = h("pre", {
    class: "invitation-text",
    id: "history-preview",
    tabindex: "0",
    "aria-label": "Invitation of the selected meeting",
  });
  const copy = h("button", { type: "button", class: "primary", disabled: true }, "Copy invitation");
  const copyModerator = h("button", { type: "button", hidden: true }, "Copy moderator info");
  const change = h("button", { type: "button", id: "history-change", hidden: true }, "Change and reschedule…");
  const cancel = h(
    "button",
    { type: "button", class: "danger", id: "history-cancel", hidden: true },
    "Cancel meeting…",
  );
  // A meeting on no calendar (a copied invitation, an .ics): Belfry can email its attendees
  // through the outgoing mail account.
  const email = h("button", { type: "button", id: "history-email", hidden: true }, "Email invitations");
  const where = h("p", { class: "hint", id: "history-calendars" });
  const outbox = h("ul", { class: "outbox-list", id: "outbox", "aria-label": "Not yet on calendars" });
  const outboxSection = h("div", { class: "outbox", hidden: true }, h("h2", {}, "Not yet on calendars"), outbox);
  let selected: HistoryView | null = null;
  let seq = 0;

  function outboxEntry(d: DeliveryView): HTMLElement {
    const when = d.next_try_at
      ? new Date(d.next_try_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })
      : "";
    const what =
      d.state === "pending" ? (when ? `waiting, tried again after ${when}` : "waiting") : deliveryStatusText(d.status);
    const retry = h("button", { type: "button", class: "outbox-retry" }, "Retry now");
    onAsync(retry, "click", async () => {
      retry.disabled = true;
      try {
        const done = await ipc.retryDeliveries(d.uid);
        const bad = done.filter((x) => x.state !== "done");
        toast(
          bad.length === 0
            ? `“${d.title}” is on ${d.account}.`
            : bad.map((x) => `${x.account}: ${x.message}`).join("; "),
          bad.length === 0 ? undefined : "error",
        );
      } catch (e) {
        toast(appErrorOf(e).message, "error");
      }
      await refreshOutbox();
    });
    return h(
      "li",
      { class: `outbox-entry state-${d.state}`, "data-uid": d.uid },
      h("span", { class: "entry-title" }, `${d.title} · ${d.account}`),
      h("span", { class: "entry-meta" }, d.message ? `${what}: ${d.message}` : what),
      d.state === "superseded" ? h("span", {}) : retry,
    );
  }

  async function refreshOutbox() {
    try {
      const open = await ipc.outbox();
      outbox.replaceChildren(...open.map(outboxEntry));
      outboxSection.hidden = open.length === 0;
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  async function refresh() {
    void refreshOutbox();
    const mine = ++seq;
    try {
      const entries = await ipc.history(search.value);
      if (mine !== seq) return;
      // The invitation shown is one of the meetings listed, or none is shown.
      if (selected && !entries.some((e) => e.uid === selected?.uid)) clearSelection();
      list.replaceChildren(
        ...(entries.length === 0
          ? [
              h(
                "li",
                { class: "empty" },
                search.value ? "No meeting matches." : "Meetings you copy or save appear here.",
              ),
            ]
          : entries.map((e) => h("li", {}, entryButton(e)))),
      );
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  function entryButton(e: HistoryView): HTMLElement {
    const flags = [
      e.moderated ? "moderated" : "",
      e.kind === "personal" ? "personal" : "",
      e.cancelled ? "cancelled" : "",
    ].filter(Boolean);
    return h(
      "button",
      {
        type: "button",
        class: "history-entry",
        "aria-pressed": String(selected?.uid === e.uid),
        onclick: () => void select(e),
      },
      h("span", { class: "entry-title" }, e.title),
      h(
        "span",
        { class: "entry-meta" },
        `${e.provider} ${e.display} · ${e.start.replace("T", " ")} ${e.time_zone}${flags.length ? ` · ${flags.join(", ")}` : ""}`,
      ),
    );
  }

  function clearSelection() {
    selected = null;
    detail.textContent = "";
    copy.disabled = true;
    for (const b of [copyModerator, change, cancel, email]) b.hidden = true;
    where.textContent = "";
  }

  async function select(e: HistoryView) {
    selected = e;
    try {
      const p: Preview = await ipc.historyPreview(e.uid);
      detail.textContent = p.text;
      copy.disabled = false;
      copyModerator.hidden = !e.moderated;
      const onCalendars = e.calendars.length > 0 && !e.cancelled;
      change.hidden = !onCalendars;
      cancel.hidden = !onCalendars;
      email.hidden = e.calendars.length > 0 || e.attendees === 0;
      where.textContent =
        e.calendars.length === 0
          ? ""
          : `${e.cancelled ? "Cancelled on" : "On the calendars of"}: ${e.calendars.join(", ")}`;
      for (const b of list.querySelectorAll("button.history-entry")) b.setAttribute("aria-pressed", "false");
      void refresh();
    } catch (err) {
      toast(appErrorOf(err).message, "error");
    }
  }

  onAsync(copy, "click", async () => {
    if (!selected) return;
    try {
      await ipc.copyHistoryInvitation(selected.uid);
      toast("Invitation copied.");
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  });
  onAsync(copyModerator, "click", async () => {
    if (!selected) return;
    try {
      const seconds = await ipc.copyModeratorInfo(selected.meeting_id);
      toast(moderatorCopied(seconds));
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  });
  onAsync(change, "click", async () => {
    if (!selected) return;
    try {
      onChange(await ipc.historyForm(selected.uid), selected.display, selected.uid);
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  });
  onAsync(cancel, "click", async () => {
    const e = selected;
    if (!e) return;
    const ok = await confirmDialog(
      "Cancel this meeting?",
      `“${e.title}” (${e.display}) is cancelled on the calendars of ${e.calendars.join(", ")}. Every attendee${e.scheduler ? `, ${e.scheduler} included,` : ""} gets the cancellation.`,
      "Cancel meeting",
    );
    if (!ok) return;
    try {
      const done = await ipc.cancelMeeting(e.uid);
      const failed = done.deliveries.filter((d) => d.status === "failed");
      toast(
        failed.length === 0
          ? `Cancelled ${done.display}.`
          : `Not cancelled everywhere: ${failed.map((d) => `${d.account}: ${d.message}`).join("; ")}`,
        failed.length === 0 ? undefined : "error",
      );
      selected = { ...e, cancelled: true };
      change.hidden = true;
      cancel.hidden = true;
      await refresh();
    } catch (err) {
      toast(appErrorOf(err).message, "error");
    }
  });
  onAsync(email, "click", async () => {
    if (!selected) return;
    try {
      const mail = await ipc.emailInvitations(selected.uid);
      const sent = mail.filter((m) => m.state === "sent").length;
      const unsent = mail.filter((m) => m.state !== "sent");
      toast(
        unsent.length === 0
          ? `Emailed ${sent} attendee${sent === 1 ? "" : "s"}.`
          : `Emailed ${sent} of ${mail.length}: ${unsent.map((m) => `${m.attendee}: ${m.message || m.state}`).join("; ")}`,
        unsent.length === 0 ? undefined : "error",
      );
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  });
  search.addEventListener("input", () => void refresh());
  void ipc.onOutbox(() => void refresh());

  const element = h(
    "section",
    { class: "page history", "aria-label": "History" },
    h(
      "div",
      { class: "history-left" },
      outboxSection,
      h("div", { class: "field" }, h("label", { for: "history-search" }, "Search history"), search),
      list,
    ),
    h(
      "div",
      { class: "history-right" },
      h("h2", { id: "history-heading" }, "Invitation"),
      h("div", { class: "preview-body", role: "region", "aria-labelledby": "history-heading" }, detail),
      where,
      h("div", { class: "actions" }, copy, copyModerator, change, cancel, email),
    ),
  );
  return { element, refresh };
}
