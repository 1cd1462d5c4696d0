// The Bulk page: many meetings at once from CSV rows (pasted or opened), onto an account's
// default calendar, with a progress bar and one result per row. A failed row does not stop
// the others, and running the same rows again schedules nothing twice.
import { ipc } from "./ipc";
import type { BulkRow } from "./ipc";
import { field, h, onAsync, toast } from "./dom";
import { appErrorOf, deliveryStatusText } from "./model";

const EXAMPLE =
  "title,start,tz,duration,attendees\nPhysics 101 (week 1),2027-03-01T10:00,America/New_York,1h,bob@example.com\n";

export function bulkPage(): { element: HTMLElement; refresh: () => Promise<void> } {
  const rows = h("textarea", { rows: "10", spellcheck: "false", placeholder: EXAMPLE, class: "mono" });
  const file = h("input", { type: "file", accept: ".csv,text/csv", id: "bulk-file" });
  const account = h("select", {});
  const run = h("button", { type: "button", class: "primary", id: "bulk-run" }, "Schedule all");
  const progress = h("progress", { id: "bulk-progress", max: "1", value: "0", hidden: true });
  const status = h("p", { id: "bulk-status", class: "hint", role: "status", "aria-live": "polite" });
  const results = h("tbody", {});
  const table = h(
    "table",
    { class: "bulk-results", id: "bulk-results", hidden: true },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "Row"), h("th", {}, "Title"), h("th", {}, "Meeting ID"), h("th", {}, "Result")),
    ),
    results,
  );

  onAsync(file, "change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    rows.value = await f.text();
    file.value = "";
  });

  async function refresh() {
    try {
      const accounts = (await ipc.accounts()).filter((a) => a.kind !== "aws" && a.default_calendar !== "");
      const keep = account.value;
      account.replaceChildren(...accounts.map((a) => h("option", { value: a.name }, `${a.name} (${a.identity})`)));
      if (accounts.some((a) => a.name === keep)) account.value = keep;
      run.disabled = accounts.length === 0;
      if (accounts.length === 0)
        status.textContent = "Add an account and choose its default calendar on the Accounts page first.";
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  function show(done: BulkRow[]) {
    results.replaceChildren(
      ...done.map((r) =>
        h(
          "tr",
          { class: needsAttention(r) ? "bad" : "good" },
          h("td", {}, String(r.row)),
          h("td", {}, r.title),
          h("td", { class: "mono" }, r.meeting_id),
          h("td", {}, rowText(r)),
        ),
      ),
    );
    table.hidden = false;
  }

  onAsync(run, "click", async () => {
    if (!rows.value.trim()) {
      status.textContent = "Paste the rows (with a header row) or open a CSV file first.";
      rows.focus();
      return;
    }
    run.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = "Scheduling…";
    const stop = await ipc.onBulkProgress((p) => {
      progress.max = p.total;
      progress.value = p.done;
      status.textContent = `Scheduled ${p.done} of ${p.total}…`;
    });
    try {
      const done = await ipc.scheduleBulk(rows.value, account.value);
      show(done);
      const bad = done.filter(needsAttention).length;
      progress.max = done.length;
      progress.value = done.length;
      status.textContent =
        bad === 0
          ? `All ${done.length} scheduled.`
          : `${done.length - bad} of ${done.length} scheduled; ${bad} need attention (see below).`;
    } catch (e) {
      status.textContent = appErrorOf(e).message;
      progress.hidden = true;
    } finally {
      stop();
      run.disabled = false;
    }
  });

  const element = h(
    "section",
    { class: "page bulk", "aria-label": "Bulk" },
    h("h2", {}, "Schedule many meetings"),
    h(
      "p",
      { class: "hint" },
      "One meeting per row, with a header row. Columns: title, start, tz, duration, attendees, organizer, on-behalf-of, description, repeat, count, until, on, dial-in, show-zones, moderated.",
    ),
    field("bulk-rows", "Rows (CSV)", rows),
    h("div", { class: "field" }, h("label", { for: "bulk-file" }, "Or open a CSV file"), file),
    field("bulk-account", "Calendar account (its default calendar)", account),
    h("div", { class: "actions" }, run),
    progress,
    status,
    table,
  );
  return { element, refresh };
}

/** A row that did not reach its calendar: refused (no status), or failed there. */
function needsAttention(r: BulkRow): boolean {
  return r.status === null || r.status === "failed";
}

/** What became of a row, in the page's words. */
function rowText(r: BulkRow): string {
  const what = r.status === null ? "refused" : deliveryStatusText(r.status);
  return r.message ? `${what}: ${r.message}` : what;
}
