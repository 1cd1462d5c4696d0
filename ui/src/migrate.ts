// The Move off Chime page: find every future meeting that still points at Amazon Chime on
// every calendar, choose which to move and where, review each event's new text, apply, and
// see the report. Rust finds, plans and sends; this page only shows and chooses.
import { ipc } from "./ipc";
import type { ChimeEvent, ChimeScan, MovePlan, MoveReport, ProviderView } from "./ipc";
import { confirmDialog, h, onAsync, providerOptions, toast } from "./dom";
import { appErrorOf } from "./model";

export function migratePage(providers: () => ProviderView[]): { element: HTMLElement; refresh: () => Promise<void> } {
  const scanButton = h("button", { type: "button", class: "primary", id: "migrate-scan" }, "Scan calendars");
  const status = h(
    "p",
    { class: "hint", id: "migrate-status" },
    "Finds every meeting of the next twelve months that still carries Amazon Chime details, whoever made it.",
  );
  const list = h("ul", {
    class: "migrate-list",
    id: "migrate-events",
    "aria-label": "Meetings that still point at Chime",
  });
  const target = h("select", { id: "migrate-target", "aria-label": "Move them to" });
  const review = h("button", { type: "button", id: "migrate-review", disabled: true }, "Review changes…");
  const planView = h("div", { class: "migrate-plan", id: "migrate-plan", hidden: true });
  const apply = h(
    "button",
    { type: "button", class: "primary", id: "migrate-apply", hidden: true },
    "Move and tell every attendee",
  );
  const report = h("ul", {
    class: "migrate-report",
    id: "migrate-report",
    "aria-label": "What was moved",
    hidden: true,
  });
  let scan: ChimeScan | null = null;
  let plan: MovePlan | null = null;
  const chosen = new Set<string>();

  /** What was reviewed no longer holds: it must be reviewed again before anything is sent. */
  function forgetPlan() {
    plan = null;
    planView.hidden = true;
    apply.hidden = true;
  }

  function fillTargets() {
    const others = providers().filter((p) => p.key !== "chime");
    target.replaceChildren(...providerOptions(others), h("option", { value: "" }, "Remove the Chime details only"));
  }

  /** A start as the calendar gave it (RFC 3339 or an iCalendar date-time), in local time. */
  function when(start: string): string {
    const ical = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(start);
    const iso = ical
      ? `${ical[1]}-${ical[2]}-${ical[3]}${ical[4] ? `T${ical[4]}:${ical[5]}:${ical[6]}${ical[7]}` : ""}`
      : start;
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return start;
    return ical && !ical[4]
      ? date.toLocaleDateString([], { dateStyle: "medium" })
      : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  function who(e: ChimeEvent): string {
    switch (e.organizer.kind) {
      case "you":
        return "You organize it";
      case "host":
        return `${e.organizer.address} organizes it, on a calendar you manage`;
      case "other":
        return `${e.organizer.address} organizes it: only they can update it for everyone`;
    }
  }

  function entry(e: ChimeEvent): HTMLElement {
    const movable = e.organizer.kind !== "other";
    const box = h("input", {
      type: "checkbox",
      class: "migrate-pick",
      "data-id": e.id,
      "aria-label": `Move ${e.title}`,
    });
    box.checked = movable && chosen.has(e.id);
    box.disabled = !movable;
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(e.id);
      else chosen.delete(e.id);
      review.disabled = chosen.size === 0;
      forgetPlan();
    });
    const ask = h(
      "button",
      { type: "button", class: "secondary migrate-ask", hidden: movable },
      "Copy a message to them",
    );
    onAsync(ask, "click", async () => {
      try {
        await ipc.copyAsk(e.title);
        toast("Copied: send it to the organizer.");
      } catch (err) {
        toast(appErrorOf(err).message, "error");
      }
    });
    return h(
      "li",
      { class: `migrate-entry ${movable ? "movable" : "theirs"}`, "data-id": e.id },
      h("label", { class: "check" }, box, h("span", { class: "entry-title" }, e.title)),
      h(
        "span",
        { class: "entry-meta" },
        `${e.recurring ? "Series" : "Single meeting"}, ${e.next ? `next ${when(e.next)}` : `starts ${when(e.start)}`} · ${e.account} (${e.calendar_name})`,
      ),
      h("span", { class: "entry-meta" }, who(e)),
      h("span", { class: "entry-meta" }, `Chime details: ${e.details.join("; ")}`),
      ask,
    );
  }

  async function doScan() {
    scanButton.disabled = true;
    status.textContent = "Scanning…";
    planView.hidden = true;
    apply.hidden = true;
    report.hidden = true;
    try {
      scan = await ipc.migrateScan();
      chosen.clear();
      for (const e of scan.events) if (e.organizer.kind !== "other") chosen.add(e.id);
      list.replaceChildren(...scan.events.map(entry));
      const problems = scan.problems.length ? ` Not scanned: ${scan.problems.join("; ")}.` : "";
      status.textContent =
        (scan.events.length === 0
          ? "No meeting still points at Chime."
          : `${scan.events.length} meeting(s) still point at Chime.`) + problems;
      review.disabled = chosen.size === 0;
    } catch (e) {
      status.textContent = appErrorOf(e).message;
    } finally {
      scanButton.disabled = false;
    }
  }

  async function doReview() {
    if (!scan) return;
    try {
      plan = await ipc.migratePlan(target.value, [...chosen]);
      planView.replaceChildren(
        ...plan.moves.map((m) =>
          h(
            "section",
            { class: "migrate-change", "data-id": m.event.id },
            h("h3", {}, m.event.title),
            m.kept ? h("p", { class: "hint" }, "Being moved already: it gets what it was planned with then.") : null,
            h("pre", { class: "invitation-text", tabindex: "0" }, m.description),
            h("p", { class: "hint" }, `Location: ${m.location || "(none)"}`),
            m.removed.length ? h("p", { class: "hint" }, `Removed from the attendees: ${m.removed.join(", ")}`) : null,
          ),
        ),
      );
      planView.hidden = false;
      apply.hidden = plan.moves.length === 0;
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  function reportEntry(r: MoveReport["moved"][number]): HTMLElement {
    const how =
      r.state === "done"
        ? r.already
          ? "already moved"
          : r.attendees_told
            ? "moved; every attendee was told"
            : r.update_file
              ? `moved; this server does not email attendees: send them ${r.update_file}`
              : "moved; this server does not email attendees: tell them"
        : r.state === "pending"
          ? `pending (${r.error ?? "not yet confirmed"}); Belfry tries again`
          : `failed: ${r.error ?? "refused"}`;
    const before = h(
      "details",
      { class: "migrate-original" },
      h("summary", {}, "What it held before"),
      h("pre", { class: "invitation-text" }, r.original.description),
      h(
        "p",
        { class: "hint" },
        `Location: ${r.original.location || "(none)"} · Attendees: ${r.original.attendees.join(", ")}`,
      ),
    );
    return h(
      "li",
      { class: `migrate-outcome state-${r.state}`, "data-id": r.id },
      h("span", { class: "entry-title" }, r.title),
      h("span", { class: "entry-meta" }, how),
      before,
    );
  }

  async function doApply() {
    if (!plan) return;
    const ok = await confirmDialog(
      `Move ${plan.moves.length} meeting(s) off Chime?`,
      "Each event gets its new text, and the calendar sends the update to every attendee. What each held before is kept in Belfry.",
      "Move them",
    );
    if (!ok) return;
    apply.disabled = true;
    try {
      const done = await ipc.migrateApply(plan.moves.map((m) => m.event.id));
      report.replaceChildren(
        ...done.moved.map(reportEntry),
        ...done.skipped.map((s) =>
          h(
            "li",
            { class: "migrate-outcome state-skipped" },
            h("span", { class: "entry-title" }, s.event.title),
            h("span", { class: "entry-meta" }, `not moved: ${s.reason}`),
          ),
        ),
      );
      report.hidden = false;
      planView.hidden = true;
      apply.hidden = true;
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    } finally {
      apply.disabled = false;
    }
  }

  scanButton.addEventListener("click", () => void doScan());
  target.addEventListener("change", forgetPlan);
  review.addEventListener("click", () => void doReview());
  apply.addEventListener("click", () => void doApply());
  fillTargets();

  const element = h(
    "section",
    { class: "page migrate", "aria-label": "Move off Chime" },
    h("h1", {}, "Move meetings off Amazon Chime"),
    h(
      "p",
      {},
      "AWS ended the Chime service on 20 February 2026. Belfry rewrites the meetings you organize once, keeping everything else in them, and the calendar sends the update to every attendee.",
    ),
    h("div", { class: "actions" }, scanButton),
    status,
    list,
    h("div", { class: "actions" }, h("label", { for: "migrate-target" }, "Move them to "), target, review),
    planView,
    h("div", { class: "actions" }, apply),
    report,
  );
  return { element, refresh: () => Promise.resolve(fillTargets()) };
}
