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

async function boot(root: HTMLElement) {
  const catalog = await ipc.catalog();
  let settings: SettingsView = await ipc.getSettings();
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
  const navButtons = (Object.keys(pages) as PageName[]).map((name) =>
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
  show("schedule");

  document.addEventListener("keydown", (e) => {
    if (document.body.dataset.page === "schedule" && schedule.shortcut(e)) e.preventDefault();
  });
  await ipc.onSecondLaunch(() => {
    const n = Number(document.body.dataset.secondLaunches ?? "0") + 1;
    document.body.dataset.secondLaunches = String(n);
    toast("Belfry is already open: here it is.");
  });
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
