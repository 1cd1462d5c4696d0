// Boots the window: loads what Rust knows, builds the pages, wires navigation and shortcuts.
import { ipc } from "./ipc";
import type { SettingsView } from "./ipc";
import { aboutPage } from "./about";
import { accountsPage } from "./accounts";
import { adminPage } from "./admin";
import { bulkPage } from "./bulk";
import { h, toast } from "./dom";
import { historyPage } from "./history";
import { migratePage } from "./migrate";
import { appErrorOf } from "./model";
import { schedulePage } from "./schedule";
import { settingsPage } from "./settings";

type PageName = "schedule" | "bulk" | "history" | "migrate" | "accounts" | "admin" | "settings" | "about";

const PAGES: readonly PageName[] = ["schedule", "bulk", "history", "migrate", "accounts", "admin", "settings", "about"];

function isPage(name: string): name is PageName {
  return (PAGES as readonly string[]).includes(name);
}

async function boot(root: HTMLElement) {
  const [catalog, firstSettings, prefs] = await Promise.all([ipc.catalog(), ipc.getSettings(), ipc.windowPrefs()]);
  let settings: SettingsView = firstSettings;
  const schedule = await schedulePage(catalog, () => settings);
  const history = historyPage((form, display, uid) => {
    schedule.startReschedule(form, display, uid);
    show("schedule");
  });
  const bulk = bulkPage();
  const admin = adminPage(() => {
    void ipc.getSettings().then((s) => {
      settings = s;
      settingsView.personalIdChanged(s.personal_id);
      void schedule.model.refresh();
    });
  });
  let providers = catalog.providers;
  const settingsView = settingsPage(
    catalog,
    settings,
    prefs,
    () => schedule.model.form,
    (s) => {
      settings = s;
      void schedule.model.refresh();
    },
    (next) => {
      providers = next;
      schedule.setProviders(next);
    },
  );
  const accounts = accountsPage();
  const migrate = migratePage(() => providers);
  const pages: Record<PageName, HTMLElement> = {
    schedule: schedule.element,
    bulk: bulk.element,
    history: history.element,
    migrate: migrate.element,
    accounts: accounts.element,
    admin: admin.element,
    settings: settingsView.element,
    about: aboutPage(catalog),
  };
  const labels: Record<PageName, string> = {
    schedule: "Schedule",
    bulk: "Bulk",
    history: "History",
    migrate: "Move off Chime",
    accounts: "Accounts",
    admin: "Admin",
    settings: "Settings",
    about: "About",
  };
  const navButtons = PAGES.map((name) =>
    h("button", { type: "button", class: "nav-item", "data-page": name, onclick: () => show(name) }, labels[name]),
  );
  const main = h("main", { id: "main" }, ...Object.values(pages));

  function show(name: PageName) {
    for (const [n, el] of Object.entries(pages)) el.hidden = n !== name;
    for (const b of navButtons) b.setAttribute("aria-current", String(b.dataset.page === name));
    if (name === "history") void history.refresh();
    if (name === "accounts") void accounts.refresh();
    if (name === "bulk") void bulk.refresh();
    if (name === "admin") void admin.refresh();
    if (name === "migrate") void migrate.refresh();
    if (name === "schedule") void schedule.refreshAccounts();
    document.body.dataset.page = name;
    // The window opens on this page next time.
    void ipc
      .rememberPage(name)
      .then(() => (document.body.dataset.remembered = name))
      .catch(() => undefined);
  }

  /** Follows the `belfry://` link opened last: the Schedule page filled in, or why not. */
  async function followLink() {
    const link = await ipc.takeLink();
    if (link === null) return;
    if (link.outcome === "refused") {
      document.body.dataset.lastLink = "refused";
      toast(`A belfry:// link was refused: ${link.message}`, "error");
      return;
    }
    show("schedule");
    await schedule.startNew(link.form);
    document.body.dataset.lastLink = "followed";
  }

  root.replaceChildren(
    h(
      "nav",
      { class: "sidebar", "aria-label": "Sections" },
      h("div", { class: "brand" }, h("img", { src: "./icon.png", alt: "", width: "28", height: "28" }), "Belfry"),
      ...navButtons,
    ),
    main,
    h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite" }),
  );
  show(isPage(prefs.page) ? prefs.page : "schedule");

  document.addEventListener("keydown", (e) => {
    if (document.body.dataset.page === "schedule" && schedule.shortcut(e)) e.preventDefault();
  });
  await ipc.onSecondLaunch(() => {
    const n = Number(document.body.dataset.secondLaunches ?? "0") + 1;
    document.body.dataset.secondLaunches = String(n);
    toast("Belfry is already open: here it is.");
  });
  await ipc.onLink(() => void followLink().catch((e) => toast(appErrorOf(e).message, "error")));
  await ipc.onNewMeeting(() => {
    show("schedule");
    void schedule.startNew();
  });
  await ipc.onHistory(() => {
    if (document.body.dataset.page === "history") void history.refresh();
  });
  await followLink();
  root.removeAttribute("aria-busy");
  document.body.dataset.ready = "true";
}

const root = document.getElementById("app");
if (root) {
  boot(root).catch((e) => {
    root.replaceChildren(
      h(
        "div",
        { class: "fatal", role: "alert" },
        h("h1", {}, "Belfry could not start"),
        h("p", {}, appErrorOf(e).message),
      ),
    );
    root.removeAttribute("aria-busy");
  });
}
