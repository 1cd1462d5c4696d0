// The Settings page: personal meeting ID, defaults, the desktop (tray, start at login), and the invitation template with a live
// preview. A broken template shows its error and keeps every character typed.
import { ipc } from "./ipc";
import type { Catalog, Field, MeetingForm, ProviderView, SettingsView, WindowPrefs } from "./ipc";
import { field, h, providerOptions, setError, toast } from "./dom";
import { appErrorOf } from "./model";

const SETTING_FIELDS: Partial<Record<Field, string>> = {
  provider: "set-provider",
  meeting_id: "set-personal-id",
  time_zone: "set-time-zone",
  dial_in: "set-dial-in",
  organizer: "set-organizer",
};

export function settingsPage(
  catalog: Catalog,
  current: SettingsView,
  prefs: WindowPrefs,
  sampleForm: () => MeetingForm,
  onSaved: (s: SettingsView) => void,
  onProvidersChanged: (providers: ProviderView[]) => void,
): { element: HTMLElement; personalIdChanged: (id: string) => void } {
  let view: SettingsView = { ...current };
  const provider = h("select", {}, ...providerOptions(catalog.providers));
  const importProvider = h(
    "button",
    { type: "button", class: "secondary", id: "import-provider", onclick: () => void doImport() },
    "Import a profile…",
  );
  /** The providers may have changed (an import, the personal room's link): both pickers follow. */
  async function refreshProviders() {
    const { providers } = await ipc.catalog();
    const editing = templateFor.value;
    provider.replaceChildren(...providerOptions(providers));
    provider.value = view.provider;
    templateFor.replaceChildren(...providerOptions(providers));
    templateFor.value = editing;
    onProvidersChanged(providers);
  }

  async function doImport() {
    try {
      const added = await ipc.importProvider();
      if (!added) return;
      await refreshProviders();
      toast(`Added ${added.name}: pick it on the Schedule page, or make it the default here.`);
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }
  const personal = h("input", { type: "text", inputmode: "numeric", autocomplete: "off", placeholder: "0123 45 6789" });
  const personalRoom = h("input", {
    type: "url",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "https://zoom.us/j/1234567890",
  });
  const roomPasscode = h("input", { type: "text", autocomplete: "off", spellcheck: "false" });
  const roomDialIn = h("textarea", { rows: "3", spellcheck: "false", placeholder: "+1 646 558 8656 (New York)" });
  const zone = h("input", { type: "search", list: "settings-zone-list", autocomplete: "off", spellcheck: "false" });
  const zoneList = h(
    "datalist",
    { id: "settings-zone-list" },
    ...catalog.time_zones.map((z) => h("option", { value: z })),
  );
  const organizer = h("input", { type: "email", autocomplete: "email", spellcheck: "false" });
  const countries = catalog.countries.map((c) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", value: c.code }), `${c.name} (${c.code})`),
  );
  const dialIn = h("div", { class: "checks", role: "group", "aria-label": "Default dial-in countries" }, ...countries);
  const template = h("textarea", { rows: "18", spellcheck: "false", class: "mono" });
  // Whose template the editor holds: one provider's is the template setting (Rust says
  // which); every other provider has its own.
  const settingTemplateKey = catalog.providers.find((p) => p.template_is_setting)?.key ?? "";
  let templateDefault = catalog.default_template;
  const templateFor = h(
    "select",
    { id: "set-template-for", onchange: () => void loadTemplate() },
    ...providerOptions(catalog.providers),
  );
  async function loadTemplate() {
    templateError.textContent = "";
    if (templateFor.value === settingTemplateKey) {
      template.value = view.template;
      templateDefault = catalog.default_template;
    } else {
      try {
        const t = await ipc.providerTemplate(templateFor.value);
        template.value = t.template;
        templateDefault = t.default_template;
      } catch (e) {
        toast(appErrorOf(e).message, "error");
      }
    }
    void previewTemplate();
  }
  const templateError = h("p", { class: "error", id: "set-template-error", role: "alert" });
  const templatePreview = h("pre", {
    class: "invitation-text",
    id: "template-preview",
    tabindex: "0",
    "aria-labelledby": "template-preview-heading",
  });
  let seq = 0;

  function fill() {
    provider.value = view.provider;
    personal.value = view.personal_id;
    personalRoom.value = view.personal_room;
    roomPasscode.value = view.personal_room_passcode;
    roomDialIn.value = view.personal_room_dial_in.join("\n");
    zone.value = view.time_zone;
    zone.placeholder = `System: ${view.system_time_zone}`;
    organizer.value = view.organizer;
    const dial = view.dial_in.length ? view.dial_in : catalog.default_dial_in;
    for (const b of countries) {
      const box = b.querySelector("input");
      if (box) box.checked = dial.includes(box.value);
    }
    if (templateFor.value === settingTemplateKey) template.value = view.template;
  }

  async function previewTemplate() {
    const mine = ++seq;
    // The meeting being scheduled, on the provider whose template this is (with a sample
    // identifier of that provider's kind when it is another one).
    const current = sampleForm();
    const other = catalog.providers.find((p) => p.key === templateFor.value);
    const form: MeetingForm =
      (current.provider || view.provider) === templateFor.value
        ? { ...current, provider: templateFor.value }
        : {
            ...current,
            provider: templateFor.value,
            kind: other?.fixed ? "personal" : "one_time",
            meeting_id: other?.rooms ? "k3v7qxw2m4tz9fa5" : "0123456789",
            passcode: "",
          };
    try {
      const p = await ipc.previewTemplate(form, template.value);
      if (mine !== seq) return;
      templatePreview.textContent = p.text;
      templateError.textContent = "";
      template.removeAttribute("aria-invalid");
    } catch (e) {
      if (mine !== seq) return;
      const err = appErrorOf(e);
      // A form problem is the Schedule page's business; here only template errors matter.
      if (err.fields.length === 0) {
        templateError.textContent = err.message;
        template.setAttribute("aria-invalid", "");
      }
    }
  }
  template.addEventListener("input", () => void previewTemplate());

  const restore = h(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "restore-template",
      onclick: () => {
        template.value = templateDefault;
        void previewTemplate();
      },
    },
    "Restore default template",
  );
  const save = h("button", { type: "button", class: "primary", onclick: () => void doSave() }, "Save settings");

  async function doSave() {
    for (const id of Object.values(SETTING_FIELDS)) setError(id, undefined);
    const next: SettingsView = {
      ...view,
      provider: provider.value,
      personal_id: personal.value,
      personal_room: personalRoom.value,
      personal_room_passcode: roomPasscode.value,
      personal_room_dial_in: roomDialIn.value.split("\n"),
      time_zone: zone.value,
      organizer: organizer.value,
      dial_in: countries
        .filter((b) => b.querySelector("input")?.checked)
        .map((b) => b.querySelector("input")?.value ?? ""),
      template: templateFor.value === settingTemplateKey ? template.value : view.template,
    };
    try {
      if (templateFor.value !== settingTemplateKey) await ipc.saveProviderTemplate(templateFor.value, template.value);
      view = await ipc.saveSettings(next);
      fill();
      onSaved(view);
      await refreshProviders();
      toast("Settings saved.");
    } catch (e) {
      const err = appErrorOf(e);
      if (err.fields.length === 0) {
        templateError.textContent = err.message;
        toast("The settings were not saved.", "error");
      }
      for (const f of err.fields) {
        const id = SETTING_FIELDS[f.field];
        if (id) setError(id, f.message);
      }
    }
  }

  // The desktop's choices apply at once (they are not the Save button's).
  const keepInTray = h("input", { type: "checkbox", id: "keep-in-tray" });
  keepInTray.checked = prefs.keep_in_tray;
  keepInTray.addEventListener("change", () => {
    void ipc
      .setKeepInTray(keepInTray.checked)
      .then((p) => {
        keepInTray.checked = p.keep_in_tray;
        toast(p.keep_in_tray ? "Closing the window keeps Belfry in the tray." : "Closing the window quits Belfry.");
      })
      .catch((e) => toast(appErrorOf(e).message, "error"));
  });
  const atLogin = h("input", { type: "checkbox", id: "launch-at-login" });
  void ipc
    .launchAtLogin()
    .then((on) => (atLogin.checked = on))
    .catch(() => (atLogin.disabled = true));
  atLogin.addEventListener("change", () => {
    void ipc
      .setLaunchAtLogin(atLogin.checked)
      .then((on) => {
        atLogin.checked = on;
        toast(on ? "Belfry starts when you log in." : "Belfry no longer starts when you log in.");
      })
      .catch((e) => {
        atLogin.checked = !atLogin.checked;
        toast(appErrorOf(e).message, "error");
      });
  });
  const desktop = h(
    "fieldset",
    { class: "field desktop" },
    h("legend", {}, "On the desktop"),
    h("label", { class: "check" }, keepInTray, "Keep Belfry in the tray when the window is closed"),
    h("label", { class: "check" }, atLogin, "Start Belfry when I log in"),
  );

  const element = h(
    "section",
    { class: "page settings", "aria-label": "Settings" },
    h(
      "div",
      { class: "settings-left" },
      field(
        "set-provider",
        "Default meeting provider",
        provider,
        "New meetings start on it; each meeting can pick another.",
      ),
      h("div", { class: "actions" }, importProvider),
      field(
        "set-personal-room",
        "My personal room",
        personalRoom,
        'The link of your own room (Zoom, Webex, Teams, BigBlueButton): the "Personal room" provider, the same link for every meeting.',
      ),
      field(
        "set-personal-room-passcode",
        "Personal room passcode",
        roomPasscode,
        "The passcode attendees type to join, if the room has one: it is printed in every invitation.",
      ),
      field(
        "set-personal-room-dial-in",
        "Personal room dial-in",
        roomDialIn,
        "The room's dial-in lines as the service gives them, one per line.",
      ),
      field(
        "set-personal-id",
        "Personal meeting ID",
        personal,
        "Your static 10-digit Amazon Chime ID, used by its personal meeting type.",
      ),
      field("set-time-zone", "Default time zone", zone, "Empty: the system's zone."),
      field("set-organizer", "Your email (organizer)", organizer),
      h(
        "div",
        { class: "field" },
        h("span", { class: "label" }, "Default dial-in countries"),
        dialIn,
        h("p", { class: "error", id: "set-dial-in-error", role: "alert" }),
      ),
      zoneList,
      h("div", { class: "actions" }, save),
      desktop,
    ),
    h(
      "div",
      { class: "settings-right" },
      field("set-template-for", "Invitation template for", templateFor),
      h("div", { class: "field" }, h("label", { for: "set-template" }, "Invitation template"), template, templateError),
      h("div", { class: "actions" }, restore),
      h("h2", { id: "template-preview-heading" }, "Template preview"),
      h(
        "div",
        { class: "preview-body", role: "region", "aria-labelledby": "template-preview-heading" },
        templatePreview,
      ),
    ),
  );
  template.id = "set-template";
  dialIn.id = "set-dial-in";
  fill();
  void previewTemplate();
  // Set elsewhere (the Admin page): shown without touching edits to the other fields.
  function personalIdChanged(id: string) {
    view = { ...view, personal_id: id };
    personal.value = id;
  }
  return { element, personalIdChanged };
}
