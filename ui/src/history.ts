// The History page: past meetings, searchable; copy an invitation or moderator info again.
import { ipc } from "./ipc";
import type { HistoryView, MeetingForm, Preview } from "./ipc";
import { confirmDialog, h, toast } from "./dom";
import { appErrorOf } from "./model";

export function historyPage(onChange: (form: MeetingForm, display: string) => void): { element: HTMLElement; refresh: () => Promise<void> } {
  const search = h("input", { type: "search", id: "history-search", placeholder: "Title, meeting ID or attendee", autocomplete: "off" });
  const list = h("ul", { class: "history-list", "aria-label": "Past meetings" });
  const detail = h("pre", { class: "invitation-text", id: "history-preview", tabindex: "0" });
  const copy = h("button", { type: "button", class: "primary", disabled: true }, "Copy invitation");
  const copyModerator = h("button", { type: "button", hidden: true }, "Copy moderator info");
  const change = h("button", { type: "button", id: "history-change", hidden: true }, "Change and reschedule…");
  const cancel = h("button", { type: "button", class: "danger", id: "history-cancel", hidden: true }, "Cancel meeting…");
  const where = h("p", { class: "hint", id: "history-calendars" });
  let selected: HistoryView | null = null;
  let seq = 0;

  async function refresh() {
    const mine = ++seq;
    try {
      const entries = await ipc.history(search.value);
      if (mine !== seq) return;
      list.replaceChildren(
        ...(entries.length === 0
          ? [h("li", { class: "empty" }, search.value ? "No meeting matches." : "Meetings you copy or save appear here.")]
          : entries.map((e) => h("li", {}, entryButton(e)))),
      );
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  function entryButton(e: HistoryView): HTMLElement {
    const flags = [e.moderated ? "moderated" : "", e.kind === "personal" ? "personal" : "", e.cancelled ? "cancelled" : ""].filter(Boolean);
    return h(
      "button",
      { type: "button", class: "history-entry", "aria-pressed": String(selected?.meeting_id === e.meeting_id), onclick: () => void select(e) },
      h("span", { class: "entry-title" }, e.title),
      h("span", { class: "entry-meta" }, `${e.display} · ${e.start.replace("T", " ")} ${e.time_zone}${flags.length ? ` · ${flags.join(", ")}` : ""}`),
    );
  }

  async function select(e: HistoryView) {
    selected = e;
    try {
      const p: Preview = await ipc.historyPreview(e.meeting_id);
      detail.textContent = p.text;
      copy.disabled = false;
      copyModerator.hidden = !e.moderated;
      const onCalendars = e.calendars.length > 0 && !e.cancelled;
      change.hidden = !onCalendars;
      cancel.hidden = !onCalendars;
      where.textContent = e.calendars.length === 0 ? "" : `${e.cancelled ? "Cancelled on" : "On the calendars of"}: ${e.calendars.join(", ")}`;
      for (const b of list.querySelectorAll("button.history-entry")) b.setAttribute("aria-pressed", "false");
      void refresh();
    } catch (err) {
      toast(appErrorOf(err).message, "error");
    }
  }

  copy.addEventListener("click", async () => {
    if (!selected) return;
    try {
      await ipc.copyHistoryInvitation(selected.meeting_id);
      toast("Invitation copied.");
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  });
  copyModerator.addEventListener("click", async () => {
    if (!selected) return;
    try {
      await ipc.copyModeratorInfo(selected.meeting_id);
      toast("Moderator info copied. Share it with moderators only.");
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  });
  change.addEventListener("click", async () => {
    if (!selected) return;
    try {
      onChange(await ipc.historyForm(selected.meeting_id), selected.display);
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  });
  cancel.addEventListener("click", async () => {
    const e = selected;
    if (!e) return;
    const ok = await confirmDialog(
      "Cancel this meeting?",
      `“${e.title}” (${e.display}) is cancelled on the calendars of ${e.calendars.join(", ")}. Every attendee, meet@chime.aws included, gets the cancellation.`,
      "Cancel meeting",
    );
    if (!ok) return;
    try {
      const done = await ipc.cancelMeeting(e.meeting_id);
      const failed = done.deliveries.filter((d) => d.status === "failed");
      toast(
        failed.length === 0 ? `Cancelled ${done.display}.` : `Not cancelled everywhere: ${failed.map((d) => `${d.account}: ${d.message}`).join("; ")}`,
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
  search.addEventListener("input", () => void refresh());

  const element = h(
    "section",
    { class: "page history", "aria-label": "History" },
    h("div", { class: "history-left" }, h("div", { class: "field" }, h("label", { for: "history-search" }, "Search history"), search), list),
    h("div", { class: "history-right" }, h("h2", { id: "history-heading" }, "Invitation"), h("div", { class: "preview-body", role: "region", "aria-labelledby": "history-heading" }, detail), where, h("div", { class: "actions" }, copy, copyModerator, change, cancel)),
  );
  return { element, refresh };
}
